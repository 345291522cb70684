// sock_accept in every profile, blocking accept, and the open-fd limits.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cstdint>
#include <thread>

#include "test_support.hpp"

namespace wasio::testbed {
namespace {

using test::harness;

TEST(SockAccept, WithNothingPendingIsAgainInEveryProfile) {
  for (profile p : {profile::strict, profile::wasmtime_legacy, profile::uvwasi}) {
    harness t(p);
    abi::fd accepted = 0;
    EXPECT_EQ(t.h().sock_accept(3, abi::fdflag_nonblock, accepted), errc::again) << name(p);
  }
}

TEST(SockAccept, GivesTheNextFdAfterTheListeners) {
  harness t(test::harness_options{.listeners = 2});
  t.connect_client(1);
  abi::fd accepted = 0;
  ASSERT_EQ(t.h().sock_accept(4, abi::fdflag_nonblock, accepted), errc::success);
  EXPECT_EQ(accepted, 5u);
  EXPECT_EQ(t.h().open_fd_count(), 6u);
  EXPECT_EQ(t.h().fd_close(accepted), errc::success);
}

TEST(SockAccept, AfterTheFdCounterWrapsNoOpenFdIsReplaced) {
  harness t(test::harness_options{.first_dynamic_fd = UINT32_MAX - 1});
  auto [first_client, first] = t.connected_pair();
  auto [second_client, second] = t.connected_pair();
  auto [third_client, third] = t.connected_pair();
  EXPECT_EQ(first, UINT32_MAX - 1);
  EXPECT_EQ(second, UINT32_MAX);
  EXPECT_EQ(third, 4u) << "after the wrap: past stdio (0-2) and the listener (3)";
  EXPECT_EQ(t.h().open_fd_count(), 4u + 3u) << "a live fd was replaced";
  abi::fdstat stdin_stat{};
  ASSERT_EQ(t.h().fd_fdstat_get(0, stdin_stat), errc::success);
  EXPECT_NE(stdin_stat.filetype, static_cast<std::uint8_t>(abi::filetype::socket_stream));
  // The listener still listens, and fds keep coming from the wrapped counter.
  auto [fourth_client, fourth] = t.connected_pair();
  EXPECT_EQ(fourth, 5u);
  test::client_send(first_client, "x");
  EXPECT_EQ(test::guest_recv(t.h(), first, 1, abi::recv_waitall), "x");
  for (abi::fd fd : {first, second, third, fourth}) EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockAccept, OnAStreamIsBadf) {
  harness t;
  auto [client, fd] = t.connected_pair();
  abi::fd accepted = 0;
  EXPECT_EQ(t.h().sock_accept(fd, abi::fdflag_nonblock, accepted), errc::badf);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockAccept, OnStdioIsNotsock) {
  harness t;
  abi::fd accepted = 0;
  EXPECT_EQ(t.h().sock_accept(0, abi::fdflag_nonblock, accepted), errc::notsock);
}

TEST(SockAccept, WasmtimeLegacyOnAnythingButAListenerIsBadf) {
  harness t(profile::wasmtime_legacy);
  abi::fd accepted = 0;
  for (abi::fd stdio : {0u, 1u, 2u}) EXPECT_EQ(t.h().sock_accept(stdio, abi::fdflag_nonblock, accepted), errc::badf);
  auto [client, fd] = t.connected_pair();
  EXPECT_EQ(t.h().sock_accept(fd, abi::fdflag_nonblock, accepted), errc::badf);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockAccept, OnAnUnknownFdIsBadf) {
  harness t;
  abi::fd accepted = 0;
  EXPECT_EQ(t.h().sock_accept(12345, abi::fdflag_nonblock, accepted), errc::badf);
}

TEST(SockAccept, StrictRejectsBadFlagsWithInvalAndKeepsTheConnection) {
  harness t;
  t.connect_client();
  abi::fd accepted = 0;
  EXPECT_EQ(t.h().sock_accept(3, abi::fdflag_append, accepted), errc::inval);
  EXPECT_EQ(t.h().sock_accept(3, 0xffff, accepted), errc::inval);
  ASSERT_EQ(t.h().sock_accept(3, abi::fdflag_nonblock, accepted), errc::success);
  EXPECT_EQ(t.h().fd_close(accepted), errc::success);
}

TEST(SockAccept, WasmtimeLegacyDropsTheConnectionBeforeRejectingBadFlags) {
  harness t(profile::wasmtime_legacy);
  int client = t.connect_client();
  abi::fd accepted = 0;
  EXPECT_EQ(t.h().sock_accept(3, abi::fdflag_append, accepted), errc::inval);
  EXPECT_EQ(test::client_receive(client, 1), "") << "the dropped client sees the connection end";
  EXPECT_EQ(t.h().sock_accept(3, abi::fdflag_nonblock, accepted), errc::again);
}

TEST(SockAccept, FlagsZeroMakesTheNewSocketBlockingForTheGuest) {
  harness t(profile::wasmtime_legacy);
  auto [client, fd] = t.connected_pair(0);
  // The guest's recv must wait for the client instead of returning again.
  std::thread sender([client = client, guest = test::current_thread_id()] {
    test::wait_until_blocked(guest);
    test::client_send(client, "late");
  });
  EXPECT_EQ(test::guest_recv(t.h(), fd, 4, abi::recv_waitall), "late");
  sender.join();
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockAccept, OnABlockingListenerWaitsForAClient) {
  harness t;
  ASSERT_EQ(t.h().fd_fdstat_set_flags(3, 0), errc::success);
  std::thread connector([&t, guest = test::current_thread_id()] {
    test::wait_until_blocked(guest);
    t.connect_client();
  });
  abi::fd accepted = 0;
  EXPECT_EQ(t.h().sock_accept(3, abi::fdflag_nonblock, accepted), errc::success);
  connector.join();
  EXPECT_EQ(t.h().fd_close(accepted), errc::success);
}

TEST(SockAccept, BeyondMaxOpenFdsIsMfileAndTheConnectionWaits) {
  harness t(test::harness_options{.max_open_fds = 5});
  auto [first_client, first] = t.connected_pair();
  t.connect_client();
  abi::fd accepted = 0;
  EXPECT_EQ(t.h().sock_accept(3, abi::fdflag_nonblock, accepted), errc::mfile);
  ASSERT_EQ(t.h().fd_close(first), errc::success);
  ASSERT_EQ(t.h().sock_accept(3, abi::fdflag_nonblock, accepted), errc::success);
  EXPECT_EQ(t.h().fd_close(accepted), errc::success);
}

TEST(SockAccept, HostEmfileBecomesMfile) {
  harness t;
  t.connect_client();
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  // The kernel hands out the lowest free number: a limit at that number makes accept(2) fail with EMFILE.
  int lowest_free = 0;
  while (::fcntl(lowest_free, F_GETFD) != -1) ++lowest_free;
  rlimit tight = saved;
  tight.rlim_cur = static_cast<rlim_t>(lowest_free);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
  abi::fd accepted = 0;
  errc result = t.h().sock_accept(3, abi::fdflag_nonblock, accepted);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_EQ(result, errc::mfile);
  ASSERT_EQ(t.h().sock_accept(3, abi::fdflag_nonblock, accepted), errc::success) << "the client still waits";
  EXPECT_EQ(t.h().fd_close(accepted), errc::success);
}

}  // namespace
}  // namespace wasio::testbed
