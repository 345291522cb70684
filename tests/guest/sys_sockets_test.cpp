// The sys layer's socket and descriptor calls, through the native front-end, under every profile.

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <thread>
#include <vector>

#include "sys_test_support.hpp"
#include "wasio/sys/listeners.hpp"

namespace wasio {
namespace {

using guest_test::adopted_stream;
using sys_test::accept_waiting;
using sys_test::installed_host;
using sys_test::loopback_client;
using sys_test::read_waiting;
using sys_test::text_of;
using testbed::profile;

class SysSockets : public ::testing::TestWithParam<profile> {};

TEST_P(SysSockets, ListenerIsFoundByProbingAndReadsAsSocketStream) {
  installed_host h(GetParam());
  auto stat = sys::fd_fdstat_get(h.listener());
  ASSERT_TRUE(stat) << name(stat.error());
  EXPECT_EQ(stat->filetype, static_cast<std::uint8_t>(abi::filetype::socket_stream));
  auto found = sys::find_listeners();
  ASSERT_TRUE(found) << name(found.error());
  EXPECT_EQ(*found, std::vector<sys::fd_t>{h.listener()});
}

TEST_P(SysSockets, AcceptGivesAgainWhenNoClientIsWaiting) {
  installed_host h(GetParam());
  ASSERT_TRUE(sys::fd_fdstat_set_flags(h.listener(), abi::fdflag_nonblock));
  auto accepted = sys::sock_accept(h.listener(), abi::fdflag_nonblock);
  ASSERT_FALSE(accepted);
  EXPECT_EQ(accepted.error(), errc::again);
}

TEST_P(SysSockets, BytesRoundTripBetweenALoopbackClientAndAnAcceptedSocket) {
  installed_host h(GetParam());
  ASSERT_TRUE(sys::fd_fdstat_set_flags(h.listener(), abi::fdflag_nonblock));
  loopback_client client(h.port());
  ASSERT_TRUE(client.connected());
  auto conn = accept_waiting(h.listener());
  ASSERT_TRUE(conn) << name(conn.error());

  ASSERT_TRUE(client.send_all("hello from the client"));
  std::string received;
  std::array<std::byte, 64> buffer{};
  while (received.size() < 21) {
    auto got = read_waiting(*conn, buffer);
    ASSERT_TRUE(got) << name(got.error());
    ASSERT_GT(*got, 0u) << "EOF before the client's bytes";
    received += text_of(std::span(buffer).first(*got));
  }
  EXPECT_EQ(received, "hello from the client");

  const std::string reply = "and back from the guest";
  const sys::const_buffer out{reinterpret_cast<const std::byte*>(reply.data()), reply.size()};
  auto sent = sys::sock_send(*conn, std::span(&out, 1));
  ASSERT_TRUE(sent) << name(sent.error());
  EXPECT_EQ(client.receive(*sent), reply.substr(0, *sent));

  client.shutdown_sending();
  auto eof = read_waiting(*conn, buffer);
  ASSERT_TRUE(eof) << name(eof.error());
  EXPECT_EQ(*eof, 0u);
  EXPECT_TRUE(sys::fd_close(*conn));
}

TEST_P(SysSockets, SendGathersMoreBuffersThanTheFrontEndKeepsInline) {
  installed_host h(GetParam());
  loopback_client client(h.port());
  ASSERT_TRUE(client.connected());
  auto conn = accept_waiting(h.listener());
  ASSERT_TRUE(conn) << name(conn.error());

  const std::string letters = "abcdefghijklmnopqrstuvwxyz";  // 26 one-byte buffers, more than 16 inline
  std::vector<sys::const_buffer> pieces;
  for (const char& c : letters) pieces.push_back({reinterpret_cast<const std::byte*>(&c), 1});
  std::size_t total = 0;
  while (total < letters.size()) {
    auto sent = sys::sock_send(*conn, std::span(pieces).subspan(total));
    if (!sent && sent.error() == errc::again) {
      ASSERT_TRUE(sys_test::wait_for(*conn, abi::eventtype::fd_write));
      continue;
    }
    ASSERT_TRUE(sent) << name(sent.error());
    total += *sent;
  }
  EXPECT_EQ(client.receive(letters.size()), letters);
  EXPECT_TRUE(sys::fd_close(*conn));
}

TEST_P(SysSockets, ClosedFdAnswersBadfEverywhere) {
  installed_host h(GetParam());
  loopback_client client(h.port());
  ASSERT_TRUE(client.connected());
  auto conn = accept_waiting(h.listener());
  ASSERT_TRUE(conn) << name(conn.error());
  ASSERT_TRUE(sys::fd_close(*conn));

  auto again = sys::fd_close(*conn);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), errc::badf);
  auto stat = sys::fd_fdstat_get(*conn);
  ASSERT_FALSE(stat);
  EXPECT_EQ(stat.error(), errc::badf);
  std::array<std::byte, 8> buffer{};
  const sys::buffer into{buffer.data(), buffer.size()};
  auto read = sys::fd_read(*conn, std::span(&into, 1));
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error(), errc::badf);
}

TEST_P(SysSockets, InterruptPollReturnsABlockedPollFromAnotherThread) {
  installed_host h(GetParam());
  abi::subscription in{};
  in.tag = static_cast<std::uint8_t>(abi::eventtype::fd_read);
  in.u.fd_readwrite.file_descriptor = h.listener();  // no client will ever come
  abi::event out{};
  std::thread waker([] { ASSERT_TRUE(sys::interrupt_poll()); });
  // Wakes coalesce and also cover a poll that starts after the wake, so no ordering is needed.
  auto n = sys::poll_oneoff(&in, &out, 1);
  waker.join();
  ASSERT_TRUE(n) << name(n.error());
  EXPECT_EQ(*n, 0u);
}

TEST_P(SysSockets, PollWithNoSubscriptionsIsInvalid) {
  installed_host h(GetParam());
  abi::event out{};
  auto n = sys::poll_oneoff(nullptr, &out, 0);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error(), errc::inval);
}

TEST_P(SysSockets, FindListenersSkipsTheWakerFdNamedByWasioWakerFd) {
  // fd 4 is the next fd after stdio and the one listener: the one adopt_stream hands out.
  installed_host h(GetParam(), {"sys_test"}, {"WASIO_WAKER_FD=4"});
  adopted_stream waker(h.host());
  ASSERT_EQ(waker.guest_fd, 4u);
  auto found = sys::find_listeners();
  ASSERT_TRUE(found) << name(found.error());
  EXPECT_EQ(*found, std::vector<sys::fd_t>{h.listener()});
  EXPECT_TRUE(sys::fd_close(waker.guest_fd));
}

TEST_P(SysSockets, FindListenersKeepsOnlySocketsThatMayAcceptWhenTheHostReportsRights) {
  installed_host h(GetParam());
  adopted_stream connected(h.host());  // not named by WASIO_WAKER_FD: only its rights can tell
  auto found = sys::find_listeners();
  ASSERT_TRUE(found) << name(found.error());
  if (GetParam() != profile::strict) {
    // The same rights for every socket (wasmtime-legacy 0x42, uvwasi its socket rights, accept
    // included): nothing tells them apart, both are kept.
    EXPECT_EQ(*found, (std::vector<sys::fd_t>{h.listener(), connected.guest_fd}));
  } else {
    EXPECT_EQ(*found, std::vector<sys::fd_t>{h.listener()});
  }
  EXPECT_TRUE(sys::fd_close(connected.guest_fd));
}

TEST_P(SysSockets, FindListenersRefusesAWasioWakerFdThatIsNotAnFdNumber) {
  installed_host h(GetParam(), {"sys_test"}, {"WASIO_WAKER_FD=four"});
  auto found = sys::find_listeners();
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error(), errc::inval);
}

INSTANTIATE_TEST_SUITE_P(AllProfiles, SysSockets,
                         ::testing::Values(profile::strict, profile::wasmtime_legacy, profile::uvwasi),
                         [](const auto& info) {
                           std::string spelled(testbed::name(info.param));
                           for (char& c : spelled)
                             if (c == '-') c = '_';
                           return spelled;
                         });

}  // namespace
}  // namespace wasio
