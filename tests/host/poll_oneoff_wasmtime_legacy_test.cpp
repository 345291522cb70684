// poll_oneoff in the wasmtime-legacy profile: every row of HOST-SEMANTICS.md section 3.
#include <sys/socket.h>

#include "test_support.hpp"

namespace wasio::testbed {
namespace {

using test::clock_subscription;
using test::harness;
using test::poll;
using test::read_subscription;
using test::write_subscription;

constexpr auto legacy = profile::wasmtime_legacy;
constexpr auto fd_read = static_cast<std::uint8_t>(abi::eventtype::fd_read);
constexpr auto fd_write = static_cast<std::uint8_t>(abi::eventtype::fd_write);

TEST(PollOneoffWasmtimeLegacy, AnUnknownFdFailsTheWholeCallWithBadf) {
  harness t(legacy);
  t.connect_client();
  auto outcome = poll(t.h(), {read_subscription(1, 3), read_subscription(2, 77)});
  EXPECT_EQ(outcome.result, errc::badf);
  EXPECT_TRUE(outcome.events.empty());
  abi::fd accepted = t.accept();
  EXPECT_EQ(t.h().fd_close(accepted), errc::success);
}

TEST(PollOneoffWasmtimeLegacy, AnAbsoluteRealtimeClockIsNotsup) {
  harness t(legacy);
  auto outcome = poll(t.h(), {clock_subscription(1, abi::clockid::realtime, 1, abi::subscription_clock_abstime)});
  EXPECT_EQ(outcome.result, errc::notsup);
}

TEST(PollOneoffWasmtimeLegacy, ARelativeRealtimeClockWorks) {
  harness t(legacy);
  auto outcome = poll(t.h(), {clock_subscription(1, abi::clockid::realtime, 1'000'000)});
  ASSERT_EQ(outcome.result, errc::success);
  ASSERT_EQ(outcome.events.size(), 1u);
}

TEST(PollOneoffWasmtimeLegacy, CputimeClocksAreInval) {
  harness t(legacy);
  EXPECT_EQ(poll(t.h(), {clock_subscription(1, abi::clockid::process_cputime, 1)}).result, errc::inval);
  EXPECT_EQ(poll(t.h(), {clock_subscription(1, abi::clockid::thread_cputime, 1)}).result, errc::inval);
}

TEST(PollOneoffWasmtimeLegacy, ASingleRelativeClockIsAPlainSleep) {
  harness t(legacy);
  auto outcome = poll(t.h(), {clock_subscription(42, abi::clockid::monotonic, 2'000'000)});
  ASSERT_EQ(outcome.result, errc::success);
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 42u);
  EXPECT_EQ(outcome.events[0].type, 0);
}

TEST(PollOneoffWasmtimeLegacy, EveryFdSubscriptionGetsAnEventWhenOneIsReady) {
  harness t(legacy);
  auto [client, idle] = t.connected_pair();
  t.connect_client();  // makes the listener ready
  auto outcome = poll(t.h(), {read_subscription(1, idle), read_subscription(2, 3), test::safety_clock()});
  ASSERT_EQ(outcome.result, errc::success);
  ASSERT_EQ(outcome.events.size(), 2u);
  EXPECT_EQ(outcome.events[0].user, 1u);
  EXPECT_EQ(outcome.events[0].fd_readwrite.nbytes, 1u) << "never 0, even with nothing to read";
  EXPECT_EQ(outcome.events[1].user, 2u);
  EXPECT_EQ(outcome.events[1].fd_readwrite.nbytes, 1u) << "always 1 for a listener";
  abi::fd accepted = t.accept();
  EXPECT_EQ(t.h().fd_close(accepted), errc::success);
  EXPECT_EQ(t.h().fd_close(idle), errc::success);
}

TEST(PollOneoffWasmtimeLegacy, ReadNbytesIsWhatIsAvailable) {
  harness t(legacy);
  auto [client, fd] = t.connected_pair();
  test::client_send(client, "123456");
  auto outcome = poll(t.h(), {read_subscription(1, fd), test::safety_clock()});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].fd_readwrite.nbytes, 6u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(PollOneoffWasmtimeLegacy, PeerFinAloneGivesAPlainReadEventWithNbytesOne) {
  harness t(legacy);
  auto [client, fd] = t.connected_pair();
  t.close_client(client);
  auto outcome = poll(t.h(), {read_subscription(1, fd), test::safety_clock()});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 1u);
  EXPECT_EQ(outcome.events[0].fd_readwrite.nbytes, 1u);
  EXPECT_EQ(outcome.events[0].fd_readwrite.flags, 0) << "no HANGUP for a FIN alone";
  EXPECT_EQ(outcome.events[0].error, 0);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(PollOneoffWasmtimeLegacy, WriteNbytesIsZero) {
  harness t(legacy);
  auto [client, fd] = t.connected_pair();
  auto outcome = poll(t.h(), {write_subscription(1, fd)});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].type, fd_write);
  EXPECT_EQ(outcome.events[0].fd_readwrite.nbytes, 0u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(PollOneoffWasmtimeLegacy, OrdersClocksThenReadsThenWrites) {
  harness t(legacy);
  auto [client, fd] = t.connected_pair();
  test::client_send(client, "r");
  ASSERT_EQ(poll(t.h(), {read_subscription(9, fd), test::safety_clock()}).events.size(), 1u);
  auto outcome = poll(t.h(), {write_subscription(1, fd), read_subscription(2, fd),
                              clock_subscription(3, abi::clockid::monotonic, 0), read_subscription(4, 3)});
  ASSERT_EQ(outcome.events.size(), 4u);
  EXPECT_EQ(outcome.events[0].user, 3u);
  EXPECT_EQ(outcome.events[1].user, 2u);
  EXPECT_EQ(outcome.events[1].type, fd_read);
  EXPECT_EQ(outcome.events[2].user, 4u);
  EXPECT_EQ(outcome.events[3].user, 1u);
  EXPECT_EQ(outcome.events[3].type, fd_write);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(PollOneoffWasmtimeLegacy, AResetPeerGivesErrorIoWithHangup) {
  harness t(legacy);
  auto [client, fd] = t.connected_pair();
  t.reset_client(client);
  auto outcome = poll(t.h(), {read_subscription(1, fd), test::safety_clock()});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 1u);
  EXPECT_EQ(outcome.events[0].error, static_cast<std::uint16_t>(errc::io));
  EXPECT_EQ(outcome.events[0].fd_readwrite.flags, abi::event_fd_readwrite_hangup);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(PollOneoffWasmtimeLegacy, BothSidesShutGiveHangupWithoutError) {
  harness t(legacy);
  auto [client, fd] = t.connected_pair();
  ASSERT_EQ(t.h().sock_shutdown(fd, abi::shut_wr), errc::success);
  t.close_client(client);
  auto outcome = poll(t.h(), {read_subscription(1, fd), test::safety_clock()});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].error, 0);
  EXPECT_EQ(outcome.events[0].fd_readwrite.flags, abi::event_fd_readwrite_hangup);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(PollOneoffWasmtimeLegacy, ReportsEveryExpiredClockAndNoFdEventsWhenNoFdIsReady) {
  harness t(legacy);
  auto [client, fd] = t.connected_pair();
  auto outcome = poll(t.h(), {read_subscription(1, fd), clock_subscription(2, abi::clockid::monotonic, 0),
                              clock_subscription(3, abi::clockid::monotonic, 0),
                              clock_subscription(4, abi::clockid::monotonic, 3600'000'000'000ull)});
  ASSERT_EQ(outcome.events.size(), 2u);
  EXPECT_EQ(outcome.events[0].user, 2u);
  EXPECT_EQ(outcome.events[1].user, 3u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

}  // namespace
}  // namespace wasio::testbed

namespace wasio::testbed {
namespace {

/// A host whose stdin is a descriptor number that is not open on the host (poll(2) says POLLNVAL).
/// A number far above anything open, so the host's own epoll/eventfd/timerfd cannot take it.
std::unique_ptr<host> host_with_dead_stdin(profile p) {
  host_config config;
  config.semantics = p;
  config.stdin_fd = 999'999;
  auto created = host::create(config);
  EXPECT_TRUE(created);
  return std::move(*created);
}

TEST(PollOneoffWasmtimeLegacy, PollnvalGivesErrorBadfInTheEvent) {
  auto h = host_with_dead_stdin(profile::wasmtime_legacy);
  auto outcome = test::poll(*h, {test::read_subscription(1, 0), test::safety_clock()});
  ASSERT_EQ(outcome.result, errc::success);
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 1u);
  EXPECT_EQ(outcome.events[0].error, static_cast<std::uint16_t>(errc::badf));
}

TEST(PollOneoff, StrictGivesADeadStdioDescriptorABadfEvent) {
  auto h = host_with_dead_stdin(profile::strict);
  auto outcome = test::poll(*h, {test::read_subscription(1, 0), test::safety_clock()});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].error, static_cast<std::uint16_t>(errc::badf));
}

}  // namespace
}  // namespace wasio::testbed
