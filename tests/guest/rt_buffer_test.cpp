// rt::stream_buffer and the text/gather overloads of rt::tcp_stream, over loopback sockets under
// the three profiles.

#include "wasio/rt/buffer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "rt_test_support.hpp"
#include "wasio/rt/tcp_stream.hpp"

namespace wasio {
namespace {

using rt_test::rt_host;

std::string receive_all(rt_test::client& c) {
  std::string all;
  for (;;) {
    std::string part = c.receive(65536);
    all += part;
    if (part.size() < 65536 && c.sees_end_of_stream()) return all;
  }
}

TEST(StreamBuffer, ConsumeIsCheapAndPrepareReusesTheFront) {
  rt::stream_buffer b;
  b.append("hello\nworld\n");
  EXPECT_EQ(b.view(), "hello\nworld\n");
  b.consume(6);
  EXPECT_EQ(b.view(), "world\n");
  const std::size_t held = b.capacity();
  auto room = b.prepare(4);  // fits after moving "world\n" to the front: no growth
  EXPECT_EQ(b.capacity(), held);
  room[0] = std::byte{'!'};
  b.commit(1);
  EXPECT_EQ(b.view(), "world\n!");
  b.consume(100);
  EXPECT_TRUE(b.empty());
  b.shrink();
  EXPECT_EQ(b.capacity(), 0u) << "an idle, empty buffer holds no memory";
}

TEST(StreamBuffer, TextViewsNeedNoCasts) {
  const std::string text = "abc";
  EXPECT_EQ(as_text(as_bytes(text)), "abc");
  std::string writable = "xyz";
  as_writable_bytes(writable)[0] = std::byte{'X'};
  EXPECT_EQ(writable, "Xyz");
}

class TextAndGather : public ::testing::TestWithParam<testbed::profile> {};

task<result<std::vector<std::string>>> read_lines(rt::tcp_listener& listener) {
  auto stream = co_await listener.accept();
  if (!stream) co_return fail(stream.error());
  // The header example of buffer.hpp.
  std::vector<std::string> lines_seen;
  wasio::rt::stream_buffer lines;
  for (;;) {
    auto n = co_await stream->read_until(lines, '\n', 4096);  // line length incl. '\n'; 0 at EOF
    if (!n || *n == 0) break;
    lines_seen.emplace_back(lines.view().substr(0, *n));
    lines.consume(*n);
  }
  if (!co_await stream->write_all("bye\n")) co_return fail(errc::io);
  co_return lines_seen;
}

TEST_P(TextAndGather, ReadUntilIntoAStreamBufferAndWriteText) {
  rt_host h(GetParam(), 1);
  auto listener = h.listener();
  rt_test::client c(h.port());
  ASSERT_TRUE(c.send_all("one\ntwo\nthree"));
  ASSERT_TRUE(c.send_all("\nfour\n"));
  c.shutdown_sending();
  auto r = h.rt().block_on(read_lines(listener));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (std::vector<std::string>{"one\n", "two\n", "three\n", "four\n"}));
  EXPECT_EQ(c.receive(4), "bye\n");
}

task<result<std::string>> line_into_string(rt::tcp_listener& listener) {
  auto stream = co_await listener.accept();
  if (!stream) co_return fail(stream.error());
  std::string buffer;
  auto n = co_await stream->read_until(buffer, '\n', 64);
  if (!n) co_return fail(n.error());
  auto too_long = co_await stream->read_until(buffer, '#', 64);  // no '#' within 64 bytes
  if (too_long || too_long.error() != errc::msgsize) co_return fail(errc::inval);
  co_return buffer.substr(0, *n);
}

TEST_P(TextAndGather, ReadUntilIntoAStringStopsAtMax) {
  rt_host h(GetParam(), 1);
  auto listener = h.listener();
  rt_test::client c(h.port());
  ASSERT_TRUE(c.send_all("GET /\n" + std::string(100, 'x')));
  auto r = h.rt().block_on(line_into_string(listener));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "GET /\n");
}

task<result<std::size_t>> gather_reply(rt::tcp_listener& listener, std::string& body) {
  auto stream = co_await listener.accept();
  if (!stream) co_return fail(stream.error());
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  // A named array: GCC 12 cannot compile a braced list inside a co_await ("array used as
  // initializer", a GCC coroutine bug); clang takes write_all_gathered({head, "", body}) as well.
  const std::span<const std::byte> parts[] = {as_bytes(head), as_bytes(""), as_bytes(body)};
  auto sent = co_await stream->write_all_gathered(parts);
  if (!sent) co_return fail(sent.error());
  (void)stream->shutdown(net::shutdown_how::write);
  co_return sent.transferred();
}

TEST_P(TextAndGather, WriteAllGatheredSendsEveryBufferInOrder) {
  rt_host h(GetParam(), 1);
  auto listener = h.listener();
  rt_test::client c(h.port());
  // Larger than a socket buffer, so the gather is cut short and resumed mid-buffer.
  std::string body(3 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  std::string received;
  std::thread reader([&] { received = receive_all(c); });
  auto r = h.rt().block_on(gather_reply(listener, body));
  reader.join();
  ASSERT_TRUE(r);
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  EXPECT_EQ(*r, head.size() + body.size());
  EXPECT_TRUE(received == head + body) << "received " << received.size() << " bytes";
}

INSTANTIATE_TEST_SUITE_P(Profiles, TextAndGather, ::testing::ValuesIn(rt_test::all_profiles), rt_test::profile_name);

}  // namespace
}  // namespace wasio
