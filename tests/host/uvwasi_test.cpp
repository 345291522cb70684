// The uvwasi profile's rows (HOST-SEMANTICS.md section 4).
#include "test_support.hpp"

namespace wasio::testbed {
namespace {

using test::harness;

constexpr auto uv = profile::uvwasi;

TEST(Uvwasi, SockRecvWithAnyFlagIsNotsup) {
  harness t(uv);
  auto [client, fd] = t.connected_pair();
  test::client_send(client, "data");
  char buffer[8];
  host_iovec iov{reinterpret_cast<std::byte*>(buffer), sizeof buffer};
  std::size_t received = 0;
  abi::roflags out_flags = 0;
  EXPECT_EQ(t.h().sock_recv(fd, {&iov, 1}, abi::recv_peek, received, out_flags), errc::notsup);
  EXPECT_EQ(t.h().sock_recv(fd, {&iov, 1}, abi::recv_waitall, received, out_flags), errc::notsup);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(Uvwasi, SockRecvAtEndOfStreamIsAgain) {
  harness t(uv);
  auto [client, fd] = t.connected_pair();
  t.close_client(client);
  ASSERT_EQ(test::poll(t.h(), {test::read_subscription(1, fd), test::safety_clock()}).events.at(0).user, 1u);
  char buffer[8];
  host_iovec iov{reinterpret_cast<std::byte*>(buffer), sizeof buffer};
  std::size_t received = 0;
  abi::roflags out_flags = 0;
  EXPECT_EQ(t.h().sock_recv(fd, {&iov, 1}, 0, received, out_flags), errc::again);
  std::size_t read = 9;
  EXPECT_EQ(t.h().fd_read(fd, {&iov, 1}, read), errc::success) << "fd_read still shows the end";
  EXPECT_EQ(read, 0u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(Uvwasi, SockRecvWithoutFlagsReceives) {
  harness t(uv);
  auto [client, fd] = t.connected_pair();
  test::client_send(client, "uv");
  ASSERT_EQ(test::poll(t.h(), {test::read_subscription(1, fd), test::safety_clock()}).events.at(0).user, 1u);
  EXPECT_EQ(test::guest_recv(t.h(), fd, 8), "uv");
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(Uvwasi, SockShutdownSupportsOnlyTheWriteSide) {
  harness t(uv);
  auto [client, fd] = t.connected_pair();
  EXPECT_EQ(t.h().sock_shutdown(fd, abi::shut_rd), errc::notsup);
  EXPECT_EQ(t.h().sock_shutdown(fd, abi::shut_rd | abi::shut_wr), errc::notsup);
  EXPECT_EQ(t.h().sock_shutdown(fd, 0), errc::notsup);
  ASSERT_EQ(t.h().sock_shutdown(fd, abi::shut_wr), errc::success);
  EXPECT_EQ(test::client_receive(client, 1), "");
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(Uvwasi, PollGivesPerSubscriptionErrorsLikeStrict) {
  harness t(uv);
  auto outcome = test::poll(t.h(), {test::read_subscription(1, 500)});
  ASSERT_EQ(outcome.result, errc::success);
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].error, static_cast<std::uint16_t>(errc::badf));
}

TEST(Uvwasi, PollReportsExactBytesLikeStrict) {
  harness t(uv);
  auto [client, fd] = t.connected_pair();
  t.close_client(client);
  auto outcome = test::poll(t.h(), {test::read_subscription(1, fd), test::safety_clock()});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].fd_readwrite.nbytes, 0u);
  EXPECT_EQ(outcome.events[0].fd_readwrite.flags, abi::event_fd_readwrite_hangup);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

}  // namespace
}  // namespace wasio::testbed
