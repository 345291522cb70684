// wasio::net::tcp_stream under every profile: reads, writes, peek, shutdown, resets, close.

#include "wasio/net/tcp_stream.hpp"

#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <string>

#include "readiness_test_support.hpp"
#include "wasio/net/tcp_listener.hpp"

namespace wasio {
namespace {

using readiness_test::accept_one;
using readiness_test::bytes_of;
using readiness_test::client;
using readiness_test::read_exactly;
using readiness_test::readiness_host;
using readiness_test::text_of;
using testbed::profile;

class TcpStream : public ::testing::TestWithParam<profile> {
 protected:
  TcpStream() : h_(GetParam()), listener_(net::tcp_listener::from_preopened(h_.listener_fd()).value()) {}
  // Member order is destruction order in reverse: streams in tests die before h_ checks for leaks.
  readiness_host h_;
  net::tcp_listener listener_;
  ~TcpStream() override {
    EXPECT_TRUE(listener_.close());
  }
};

TEST_P(TcpStream, ReadReturnsWouldBlockWhenNoDataIsThere) {
  client c(h_.port());
  auto stream = accept_one(h_, listener_).value();
  std::array<std::byte, 8> buffer{};
  auto n = stream.read(buffer);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error(), would_block);
  ASSERT_TRUE(stream.close());
}

TEST_P(TcpStream, BytesTravelBothWaysExactly) {
  client c(h_.port());
  auto stream = accept_one(h_, listener_).value();
  ASSERT_TRUE(c.send_all("ping from client"));
  EXPECT_EQ(read_exactly(h_, stream, 16), "ping from client");
  auto sent = stream.write(bytes_of("pong"));
  ASSERT_TRUE(sent) << name(sent.error());
  ASSERT_EQ(*sent, 4u);
  EXPECT_EQ(c.receive(4), "pong");
  ASSERT_TRUE(stream.close());
}

TEST_P(TcpStream, BufferListsWhoseSizesWrapToZeroStillAskTheHost) {
  // On wasm32 a size_t sum of these wraps to 0; natively they are made to wrap the same way. The
  // host must be asked (no data yet: would_block; writing after shutdown: pipe) and touches no
  // byte of them, so the sizes may be larger than the memory behind them. The host clamps a call
  // to 4 GiB - 1, and the kernel may then reject that range as a bad address (fault) depending
  // on where ASLR put the stack: either answer proves the host was asked.
  client c(h_.port());
  auto stream = accept_one(h_, listener_).value();
  std::array<std::byte, 8> room{};
  constexpr std::size_t half = std::numeric_limits<std::size_t>::max() / 2 + 1;
  const std::array<sys::buffer, 2> into{sys::buffer{room.data(), half}, sys::buffer{room.data(), half}};
  auto n = stream.readv(into);
  ASSERT_FALSE(n) << "a wrapped sum read as end of stream";
  EXPECT_TRUE(n.error() == would_block || n.error() == errc::fault) << name(n.error());
  ASSERT_TRUE(stream.shutdown(net::shutdown_how::write));
  const std::array<sys::const_buffer, 2> from{sys::const_buffer{room.data(), 3},
                                              sys::const_buffer{room.data(), std::numeric_limits<std::size_t>::max() - 2}};
  auto w = stream.writev(from);
  ASSERT_FALSE(w) << "a wrapped sum wrote nothing without asking the host";
  EXPECT_TRUE(w.error() == errc::pipe || w.error() == errc::fault) << name(w.error());
  ASSERT_TRUE(stream.close());
}

TEST_P(TcpStream, ReadvAndWritevScatterAndGather) {
  client c(h_.port());
  auto stream = accept_one(h_, listener_).value();
  const std::string a = "gather-", b = "write";
  const sys::const_buffer out[] = {{bytes_of(a).data(), a.size()}, {bytes_of(b).data(), b.size()}};
  auto sent = stream.writev(out);
  ASSERT_TRUE(sent) << name(sent.error());
  EXPECT_EQ(c.receive(*sent), (a + b).substr(0, *sent));

  ASSERT_TRUE(c.send_all("scatter"));
  std::string got;
  std::array<std::byte, 3> first{};
  std::array<std::byte, 16> second{};
  while (got.size() < 7) {
    const sys::buffer in[] = {{first.data(), first.size()}, {second.data(), second.size()}};
    auto n = stream.readv(in);
    if (!n && n.error() == would_block) {
      ASSERT_TRUE(h_.registry().register_source(stream, interest::readable));
      (void)h_.wait_for(stream.registration());
      ASSERT_TRUE(h_.registry().deregister(stream));
      continue;
    }
    ASSERT_TRUE(n && *n > 0);
    // Hosts may fill only the first buffer (wasmtime-legacy) or both.
    const std::size_t in_first = std::min(*n, first.size());
    got += text_of(std::span(first).first(in_first));
    got += text_of(std::span(second).first(*n - in_first));
  }
  EXPECT_EQ(got, "scatter");
  ASSERT_TRUE(stream.close());
}

TEST_P(TcpStream, PeekLeavesTheDataForReadOrIsUnsupportedOnUvwasi) {
  client c(h_.port());
  auto stream = accept_one(h_, listener_).value();
  ASSERT_TRUE(c.send_all("peeked"));
  ASSERT_TRUE(h_.registry().register_source(stream, interest::readable));
  ASSERT_TRUE(h_.wait_for(stream.registration()).has_value());
  ASSERT_TRUE(h_.registry().deregister(stream));
  std::array<std::byte, 6> buffer{};
  auto n = stream.peek(buffer);
  if (GetParam() == profile::uvwasi) {
    ASSERT_FALSE(n);
    EXPECT_EQ(n.error(), errc::notsup);
  } else {
    ASSERT_TRUE(n) << name(n.error());
    EXPECT_EQ(text_of(std::span(buffer).first(*n)), std::string("peeked").substr(0, *n));
  }
  EXPECT_EQ(read_exactly(h_, stream, 6), "peeked");
  ASSERT_TRUE(stream.close());
}

TEST_P(TcpStream, ShutdownWriteEndsTheClientsStreamAndReadSideFollowsTheProfile) {
  client c(h_.port());
  auto stream = accept_one(h_, listener_).value();
  ASSERT_TRUE(stream.shutdown(net::shutdown_how::write));
  EXPECT_TRUE(c.sees_end_of_stream());
  auto read_side = stream.shutdown(net::shutdown_how::read);
  if (GetParam() == profile::uvwasi) {
    ASSERT_FALSE(read_side);
    EXPECT_EQ(read_side.error(), errc::notsup);
  } else {
    EXPECT_TRUE(read_side) << name(read_side.error());
  }
  ASSERT_TRUE(stream.close());
}

TEST_P(TcpStream, PeerFinReadsAsZeroBytes) {
  client c(h_.port());
  auto stream = accept_one(h_, listener_).value();
  ASSERT_TRUE(c.send_all("last words"));
  c.shutdown_sending();
  EXPECT_EQ(read_exactly(h_, stream, 1000), "last words") << "all data, then end of stream";
  std::array<std::byte, 8> buffer{};
  auto n = stream.read(buffer);
  ASSERT_TRUE(n) << name(n.error());
  EXPECT_EQ(*n, 0u);
  ASSERT_TRUE(stream.close());
}

TEST_P(TcpStream, PeerResetIsAnErrorValueAndNothingCrashes) {
  client c(h_.port());
  auto stream = accept_one(h_, listener_).value();
  ASSERT_TRUE(h_.registry().register_source(stream, interest::readable));
  c.reset();
  ASSERT_TRUE(h_.wait_for(stream.registration()).has_value());
  std::array<std::byte, 8> buffer{};
  auto n = stream.read(buffer);
  ASSERT_FALSE(n && *n > 0) << "a reset peer sent nothing";
  if (!n) {
    EXPECT_EQ(n.error(), errc::connreset);
  }
  // Writing to a reset connection fails with a value, never a signal.
  result<std::size_t> w = std::size_t{0};
  for (int i = 0; i < 100 && w; ++i) w = stream.write(bytes_of("into the void"));
  ASSERT_FALSE(w);
  EXPECT_TRUE(w.error() == errc::connreset || w.error() == errc::pipe) << name(w.error());
  ASSERT_TRUE(stream.close());
}

TEST_P(TcpStream, CloseIsOnceAndEveryLaterCallIsBadf) {
  client c(h_.port());
  auto stream = accept_one(h_, listener_).value();
  ASSERT_TRUE(stream.close());
  EXPECT_FALSE(stream.is_open());
  std::array<std::byte, 8> buffer{};
  EXPECT_EQ(stream.close().error(), errc::badf);
  EXPECT_EQ(stream.read(buffer).error(), errc::badf);
  EXPECT_EQ(stream.write(bytes_of("x")).error(), errc::badf);
  EXPECT_EQ(stream.shutdown(net::shutdown_how::both).error(), errc::badf);
}

TEST_P(TcpStream, MovedStreamKeepsItsRegistrationAndClosesOnce) {
  client c(h_.port());
  auto stream = accept_one(h_, listener_).value();
  auto tok = h_.registry().register_source(stream, interest::readable).value();
  net::tcp_stream moved(std::move(stream));
  EXPECT_FALSE(stream.is_open());
  EXPECT_EQ(moved.registration(), tok);
  ASSERT_TRUE(c.send_all("m"));
  ASSERT_TRUE(h_.wait_for(tok).has_value());
  ASSERT_TRUE(moved.close());
  EXPECT_EQ(h_.registry().size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Profiles, TcpStream, ::testing::ValuesIn(readiness_test::all_profiles),
                         readiness_test::profile_name);

}  // namespace
}  // namespace wasio
