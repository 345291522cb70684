// The uvwasi profile: one test (at least) per row of HOST-SEMANTICS.md section 4, the rows measured
// against Node 20's uvwasi (tests/differential compares the same calls with node itself).
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "test_support.hpp"

namespace wasio::testbed {
namespace {

using test::clock_subscription;
using test::harness;
using test::poll;
using test::read_subscription;
using test::write_subscription;

constexpr auto uv = profile::uvwasi;
constexpr auto monotonic = abi::clockid::monotonic;
constexpr std::uint64_t ms = 1'000'000;
constexpr std::uint8_t clock_type = static_cast<std::uint8_t>(abi::eventtype::clock);

std::vector<abi::userdata> users(const test::poll_outcome& outcome) {
  std::vector<abi::userdata> found;
  for (const abi::event& e : outcome.events) found.push_back(e.user);
  return found;
}

/// A host whose guest stdout is `fd` (a regular file, /dev/null): the harness's own checks stay on.
harness with_stdout(int fd) { return harness(test::harness_options{.semantics = uv, .stdout_fd = fd}); }

// --- poll_oneoff

TEST(Uvwasi, FdEventsAlwaysHaveZeroNbytes) {
  harness t(uv);
  auto [client, fd] = t.connected_pair();
  test::client_send(client, "twelve bytes");
  auto outcome = poll(t.h(), {read_subscription(1, fd), write_subscription(2, fd), test::safety_clock()});
  ASSERT_EQ(outcome.result, errc::success);
  ASSERT_EQ(users(outcome), (std::vector<abi::userdata>{1, 2})) << "a socket keeps one wait per direction";
  EXPECT_EQ(outcome.events[0].fd_readwrite.nbytes, 0u);
  EXPECT_EQ(outcome.events[1].fd_readwrite.nbytes, 0u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(Uvwasi, PollWaitsForTheClockWhenOneFdIsNotReadyAndReportsOnlyWhatFired) {
  harness t(uv);
  auto [ready_client, ready] = t.connected_pair();
  auto [idle_client, idle] = t.connected_pair();
  test::client_send(ready_client, "x");
  auto outcome = poll(t.h(), {read_subscription(1, ready), read_subscription(2, idle),
                              clock_subscription(3, monotonic, 30 * ms)});
  ASSERT_EQ(outcome.result, errc::success);
  EXPECT_EQ(users(outcome), std::vector<abi::userdata>{1}) << "neither the idle fd nor the clock";
  EXPECT_EQ(t.h().fd_close(ready), errc::success);
  EXPECT_EQ(t.h().fd_close(idle), errc::success);
}

TEST(Uvwasi, PollWithoutAClockReturnsOnlyOnceEveryFdFired) {
  harness t(uv);
  auto [first_client, first] = t.connected_pair();
  auto [late_client, late] = t.connected_pair();
  test::client_send(first_client, "now");
  // The first fd is ready at once; the call must still wait for the second one.
  std::thread sender([client = late_client, guest = test::current_thread_id()] {
    test::wait_until_blocked(guest);
    test::client_send(client, "later");
  });
  auto outcome = poll(t.h(), {read_subscription(1, first), read_subscription(2, late)});
  sender.join();
  ASSERT_EQ(outcome.result, errc::success);
  EXPECT_EQ(users(outcome), (std::vector<abi::userdata>{1, 2}));
  EXPECT_EQ(t.h().fd_close(first), errc::success);
  EXPECT_EQ(t.h().fd_close(late), errc::success);
}

TEST(Uvwasi, AnExpiredClockWinsOverAReadyFd) {
  harness t(uv);
  auto [client, fd] = t.connected_pair();
  test::client_send(client, "ready");
  for (bool clock_first : {true, false}) {
    std::vector<abi::subscription> subs = {read_subscription(1, fd), clock_subscription(2, monotonic, 0)};
    if (clock_first) std::swap(subs[0], subs[1]);
    auto outcome = poll(t.h(), subs);
    ASSERT_EQ(outcome.events.size(), 1u);
    EXPECT_EQ(outcome.events[0].user, 2u);
    EXPECT_EQ(outcome.events[0].type, clock_type);
  }
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(Uvwasi, TwoClocksDueTogetherGiveOneEventTheFirstSubscriptions) {
  harness t(uv);
  auto outcome = poll(t.h(), {clock_subscription(1, monotonic, 0), clock_subscription(2, monotonic, 0)});
  EXPECT_EQ(users(outcome), std::vector<abi::userdata>{1});
  outcome = poll(t.h(), {clock_subscription(3, monotonic, 40 * ms), clock_subscription(4, monotonic, 1 * ms)});
  EXPECT_EQ(users(outcome), std::vector<abi::userdata>{4}) << "the earliest, wherever it stands";
}

TEST(Uvwasi, UnknownClockIdsAndFlagsAreRelativeClocks) {
  harness t(uv);
  abi::subscription unknown_id = clock_subscription(1, monotonic, 1 * ms);
  unknown_id.u.clock.id = 7;
  for (abi::subclockflags flags : {abi::subclockflags(2), abi::subclockflags(3)}) {
    auto outcome = poll(t.h(), {clock_subscription(2, monotonic, 1 * ms, flags)});
    ASSERT_EQ(outcome.result, errc::success) << flags;
    EXPECT_EQ(users(outcome), std::vector<abi::userdata>{2});
  }
  auto outcome = poll(t.h(), {unknown_id});
  ASSERT_EQ(outcome.result, errc::success);
  EXPECT_EQ(users(outcome), std::vector<abi::userdata>{1});
  // Only flags == ABSTIME exactly is absolute (a realtime deadline, whatever the clock id).
  abi::timestamp now = 0;
  ASSERT_EQ(t.h().clock_time_get(abi::clockid::realtime, 0, now), errc::success);
  outcome = poll(t.h(), {clock_subscription(5, monotonic, now + 2 * ms, abi::subscription_clock_abstime)});
  EXPECT_EQ(users(outcome), std::vector<abi::userdata>{5});
}

TEST(Uvwasi, ABadFdIsDroppedSilentlyUnlessAnotherFdFired) {
  harness t(uv);
  auto alone = poll(t.h(), {read_subscription(7, 99)});
  ASSERT_EQ(alone.result, errc::success);
  ASSERT_EQ(alone.events.size(), 1u);
  EXPECT_EQ(alone.events[0].user, 0u) << "the 'clock' event of a call without a clock";
  EXPECT_EQ(alone.events[0].type, clock_type);
  auto with_clock = poll(t.h(), {write_subscription(8, 99), clock_subscription(9, monotonic, 5 * ms)});
  EXPECT_EQ(users(with_clock), std::vector<abi::userdata>{9});
  EXPECT_EQ(with_clock.events.at(0).error, 0u);
  auto [client, fd] = t.connected_pair();
  auto with_ready = poll(t.h(), {write_subscription(10, fd), read_subscription(11, 99), test::safety_clock()});
  ASSERT_EQ(users(with_ready), (std::vector<abi::userdata>{10, 11}));
  EXPECT_EQ(with_ready.events[1].error, static_cast<std::uint16_t>(errc::badf));
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(Uvwasi, TheSameStdioFdSubscribedTwiceReportsOnlyTheFirst) {
  harness t(uv);
  auto outcome = poll(t.h(), {write_subscription(1, 1), write_subscription(2, 1), test::safety_clock()});
  EXPECT_EQ(users(outcome), std::vector<abi::userdata>{1});
  // The second one is not waited for either: the first's direction decides.
  outcome = poll(t.h(), {write_subscription(3, 1), read_subscription(4, 1), test::safety_clock()});
  EXPECT_EQ(users(outcome), std::vector<abi::userdata>{3});
}

TEST(Uvwasi, ARegularFileOrDevNullInASubscriptionFailsTheWholeCallWithPerm) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(null, 0);
  for (int fd : {::fileno(file), null}) {
    harness t = with_stdout(fd);
    EXPECT_EQ(poll(t.h(), {write_subscription(1, 1)}).result, errc::perm);
    EXPECT_EQ(poll(t.h(), {clock_subscription(2, monotonic, 0), write_subscription(3, 1)}).result, errc::perm);
    // In subscription order: an unknown tag before it decides first.
    abi::subscription unknown = write_subscription(4, 1);
    unknown.tag = 9;
    EXPECT_EQ(poll(t.h(), {unknown, write_subscription(5, 1)}).result, errc::inval);
  }
  ::close(null);
  std::fclose(file);
}

TEST(Uvwasi, APeerResetIsAnIoErrorEventWithoutFlags) {
  harness t(uv);
  auto [client, fd] = t.connected_pair();
  t.reset_client(client);
  auto outcome = poll(t.h(), {read_subscription(1, fd), test::safety_clock()});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].error, static_cast<std::uint16_t>(errc::io));
  EXPECT_EQ(outcome.events[0].fd_readwrite.flags, 0u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(Uvwasi, APeerFinIsHangupOnBothSides) {
  harness t(uv);
  auto [client, fd] = t.connected_pair();
  ::shutdown(client, SHUT_WR);
  for (auto sub : {read_subscription(1, fd), write_subscription(1, fd)}) {
    auto outcome = poll(t.h(), {sub, test::safety_clock()});
    ASSERT_EQ(outcome.events.size(), 1u);
    EXPECT_EQ(outcome.events[0].fd_readwrite.flags, abi::event_fd_readwrite_hangup);
    EXPECT_EQ(outcome.events[0].fd_readwrite.nbytes, 0u);
  }
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(Uvwasi, AWriteSubscriptionOnAListenerIsNeverReady) {
  harness t(uv);
  auto outcome = poll(t.h(), {write_subscription(1, 3), clock_subscription(2, monotonic, 5 * ms)});
  EXPECT_EQ(users(outcome), std::vector<abi::userdata>{2});
  EXPECT_EQ(outcome.events.at(0).error, 0u);
}

// --- descriptors

TEST(Uvwasi, FdstatOfStdioPipesIsASocketStreamWithUvwasisRights) {
  harness t(uv);
  abi::fdstat out{};
  ASSERT_EQ(t.h().fd_fdstat_get(1, out), errc::success);
  EXPECT_EQ(out.filetype, static_cast<std::uint8_t>(abi::filetype::socket_stream));
  EXPECT_EQ(out.rights_base, 0x3820004au);
  EXPECT_EQ(out.rights_inheriting, 0x3fffffffu);
  EXPECT_EQ(out.flags & O_ACCMODE, O_WRONLY) << "fs_flags are the raw O_* bits (an uvwasi bug)";
}

TEST(Uvwasi, FdstatOfARegularFileAndOfDevNull) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  {
    harness t = with_stdout(::fileno(file));
    abi::fdstat out{};
    ASSERT_EQ(t.h().fd_fdstat_get(1, out), errc::success);
    EXPECT_EQ(out.filetype, static_cast<std::uint8_t>(abi::filetype::regular_file));
    EXPECT_EQ(out.rights_base, 0x8e001ffu);
    EXPECT_EQ(out.rights_inheriting, 0u);
  }
  std::fclose(file);
  int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(null, 0);
  {
    harness t = with_stdout(null);
    abi::fdstat out{};
    ASSERT_EQ(t.h().fd_fdstat_get(1, out), errc::success);
    EXPECT_EQ(out.filetype, static_cast<std::uint8_t>(abi::filetype::character_device));
    EXPECT_EQ(out.rights_base, 0x3fffffffu);
    EXPECT_EQ(out.rights_inheriting, 0x3fffffffu);
  }
  ::close(null);
}

TEST(Uvwasi, FdstatSetFlagsOnStdioSucceedsAndReachesTheDescriptor) {
  harness t(uv);
  ASSERT_EQ(t.h().fd_fdstat_set_flags(0, abi::fdflag_nonblock), errc::success);
  EXPECT_NE(::fcntl(t.stdin_pipe.read_end, F_GETFL) & O_NONBLOCK, 0) << "uvwasi calls F_SETFL";
  EXPECT_EQ(t.h().fd_fdstat_set_flags(0, 0), errc::success);
  EXPECT_EQ(::fcntl(t.stdin_pipe.read_end, F_GETFL) & O_NONBLOCK, 0);
}

TEST(Uvwasi, PrestatOfStdioIsInvalAndOfOtherFdsBadf) {
  harness t(uv);
  abi::prestat out{};
  for (abi::fd fd : {0u, 1u, 2u}) EXPECT_EQ(t.h().fd_prestat_get(fd, out), errc::inval) << fd;
  EXPECT_EQ(t.h().fd_prestat_get(3, out), errc::badf) << "a listener";
  EXPECT_EQ(t.h().fd_prestat_get(99, out), errc::badf);
}

TEST(Uvwasi, PathOpenWithAStdioDirfdIsNotcapable) {
  harness t(uv);
  for (abi::fd fd : {0u, 1u, 2u}) EXPECT_EQ(t.h().fd_unsupported("path_open", fd), errc::notcapable) << fd;
  EXPECT_EQ(t.h().fd_unsupported("path_open", 99), errc::badf);
  int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(null, 0);
  {
    // /dev/null holds every right: uvwasi resolves the path beneath it and finds nothing.
    harness with_null = with_stdout(null);
    EXPECT_EQ(with_null.h().fd_unsupported("path_open", 1), errc::noent);
  }
  ::close(null);
}

// --- sockets

TEST(Uvwasi, SockCallsCheckTheirFlagsBeforeTheFd) {
  harness t(uv);
  abi::fd accepted = 0;
  EXPECT_EQ(t.h().sock_accept(99, abi::fdflag_append, accepted), errc::notsup);
  EXPECT_EQ(t.h().sock_accept(99, 0, accepted), errc::badf);
  EXPECT_EQ(t.h().sock_accept(99, abi::fdflag_nonblock, accepted), errc::badf);
  char buffer[4];
  host_iovec iov{reinterpret_cast<std::byte*>(buffer), sizeof buffer};
  std::size_t n = 0;
  abi::roflags out_flags = 0;
  EXPECT_EQ(t.h().sock_recv(99, {&iov, 1}, abi::recv_peek, n, out_flags), errc::notsup);
  EXPECT_EQ(t.h().sock_recv(99, {&iov, 1}, 0, n, out_flags), errc::badf);
  host_ciovec part{reinterpret_cast<const std::byte*>("x"), 1};
  EXPECT_EQ(t.h().sock_send(99, {&part, 1}, 1, n), errc::inval);
  EXPECT_EQ(t.h().sock_send(99, {&part, 1}, 0, n), errc::badf);
  EXPECT_EQ(t.h().sock_shutdown(99, abi::shut_rd), errc::notsup);
  EXPECT_EQ(t.h().sock_shutdown(99, abi::shut_rd | abi::shut_wr), errc::notsup);
  EXPECT_EQ(t.h().sock_shutdown(99, abi::shut_wr), errc::badf);
  EXPECT_EQ(t.h().sock_shutdown(99, 0), errc::badf);
}

TEST(Uvwasi, SockAcceptRefusesOnlyFlagBitsOtherThanNonblock) {
  harness t(uv);
  t.connect_client();
  abi::fd accepted = 0;
  EXPECT_EQ(t.h().sock_accept(3, abi::fdflag_append, accepted), errc::notsup);
  EXPECT_EQ(t.h().sock_accept(3, abi::fdflag_nonblock | abi::fdflag_append, accepted), errc::notsup);
  ASSERT_EQ(t.h().sock_accept(3, abi::fdflag_nonblock, accepted), errc::success) << "nothing was lost";
  EXPECT_EQ(t.h().fd_close(accepted), errc::success);
  EXPECT_EQ(t.h().sock_accept(3, abi::fdflag_nonblock, accepted), errc::again);
}

TEST(Uvwasi, SockAcceptWithFlagsZeroBlocksUntilAClientComesEvenOnANonBlockingListener) {
  harness t(uv);
  abi::fdstat stat{};
  ASSERT_EQ(t.h().fd_fdstat_get(3, stat), errc::success);
  ASSERT_NE(stat.flags & abi::fdflag_nonblock, 0) << "wasio-run hands listeners over non-blocking";
  std::thread connector([&t, guest = test::current_thread_id()] {
    test::wait_until_blocked(guest);
    t.connect_client();
  });
  abi::fd accepted = 0;
  EXPECT_EQ(t.h().sock_accept(3, 0, accepted), errc::success);
  connector.join();
  EXPECT_EQ(t.h().fd_close(accepted), errc::success);
}

TEST(Uvwasi, SockShutdownZeroIsANoOpAndWriteIsTheOnlyDirection) {
  harness t(uv);
  auto [client, fd] = t.connected_pair();
  EXPECT_EQ(t.h().sock_shutdown(fd, 0), errc::success);
  EXPECT_EQ(test::guest_send(t.h(), fd, "still open"), 10u);
  EXPECT_EQ(test::client_receive(client, 10), "still open");
  EXPECT_EQ(t.h().sock_shutdown(fd, abi::shut_rd), errc::notsup);
  ASSERT_EQ(t.h().sock_shutdown(fd, abi::shut_wr), errc::success);
  EXPECT_EQ(test::client_receive(client, 1), "");
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

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

TEST(Uvwasi, SockRecvAtEndOfStreamIsNosys) {
  harness t(uv);
  auto [client, fd] = t.connected_pair();
  t.close_client(client);
  ASSERT_EQ(test::poll(t.h(), {read_subscription(1, fd), test::safety_clock()}).events.at(0).user, 1u);
  char buffer[8];
  host_iovec iov{reinterpret_cast<std::byte*>(buffer), sizeof buffer};
  std::size_t received = 0;
  abi::roflags out_flags = 0;
  EXPECT_EQ(t.h().sock_recv(fd, {&iov, 1}, 0, received, out_flags), errc::nosys) << "libuv's UV_EOF, mapped";
  std::size_t read = 9;
  EXPECT_EQ(t.h().fd_read(fd, {&iov, 1}, read), errc::success) << "fd_read still shows the end";
  EXPECT_EQ(read, 0u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(Uvwasi, SockRecvFillsOnlyTheFirstBuffer) {
  harness t(uv);
  auto [client, fd] = t.connected_pair();
  test::client_send(client, "abcdef");
  ASSERT_EQ(test::poll(t.h(), {read_subscription(1, fd), test::safety_clock()}).events.at(0).user, 1u);
  char first[2], second[8];
  host_iovec iovs[2] = {{reinterpret_cast<std::byte*>(first), sizeof first},
                        {reinterpret_cast<std::byte*>(second), sizeof second}};
  std::size_t received = 0;
  abi::roflags out_flags = 0;
  ASSERT_EQ(t.h().sock_recv(fd, iovs, 0, received, out_flags), errc::success);
  EXPECT_EQ(received, 2u);
  EXPECT_EQ(std::string(first, 2), "ab");
  EXPECT_EQ(test::guest_recv(t.h(), fd, 8), "cdef");
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(Uvwasi, SockSendIsATryWriteEvenOnABlockingSocket) {
  harness t(uv);
  auto [client, fd] = t.connected_pair(0);  // accepted with flags 0: blocking for the guest
  // Fill the path until the kernel takes nothing more: uv_try_write then says EAGAIN, never blocks.
  std::string block(1 << 20, 'x');
  host_ciovec part{reinterpret_cast<const std::byte*>(block.data()), block.size()};
  errc last = errc::success;
  for (int i = 0; i < 256 && last == errc::success; ++i) {
    std::size_t sent = 0;
    last = t.h().sock_send(fd, {&part, 1}, 0, sent);
  }
  EXPECT_EQ(last, errc::again);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

}  // namespace
}  // namespace wasio::testbed
