// poll_oneoff in the strict profile: the preview1 spec precisely.
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "test_support.hpp"

namespace wasio::testbed {
namespace {

using test::clock_subscription;
using test::harness;
using test::poll;
using test::read_subscription;
using test::write_subscription;

constexpr auto monotonic = abi::clockid::monotonic;

TEST(PollOneoff, ZeroSubscriptionsIsInvalInEveryProfile) {
  for (profile p : {profile::strict, profile::wasmtime_legacy, profile::uvwasi}) {
    harness t(p);
    EXPECT_EQ(poll(t.h(), {}).result, errc::inval) << name(p);
  }
}

TEST(PollOneoff, AnUnknownEventTypeIsInval) {
  harness t;
  abi::subscription bad = read_subscription(1, 3);
  bad.tag = 3;
  auto outcome = poll(t.h(), {clock_subscription(2, monotonic, 0), bad});
  EXPECT_EQ(outcome.result, errc::inval);
  EXPECT_TRUE(outcome.events.empty());
}

TEST(PollOneoff, AnUnknownClockIdIsInval) {
  harness t;
  abi::subscription bad = clock_subscription(1, monotonic, 0);
  bad.u.clock.id = 4;
  EXPECT_EQ(poll(t.h(), {bad}).result, errc::inval);
}

TEST(PollOneoff, UnknownClockFlagBitsAreInval) {
  harness t;
  EXPECT_EQ(poll(t.h(), {clock_subscription(1, monotonic, 0, 2)}).result, errc::inval);
}

TEST(PollOneoff, ARelativeClockFiresWithItsUserdata) {
  harness t;
  auto outcome = poll(t.h(), {clock_subscription(0x1234567890abcdefull, monotonic, 1'000'000)});
  ASSERT_EQ(outcome.result, errc::success);
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 0x1234567890abcdefull);
  EXPECT_EQ(outcome.events[0].type, static_cast<std::uint8_t>(abi::eventtype::clock));
  EXPECT_EQ(outcome.events[0].error, 0);
}

TEST(PollOneoff, AnAbsoluteMonotonicDeadlineInThePastFiresAtOnce) {
  harness t;
  auto outcome = poll(t.h(), {clock_subscription(5, monotonic, 1, abi::subscription_clock_abstime)});
  ASSERT_EQ(outcome.result, errc::success);
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 5u);
}

TEST(PollOneoff, StrictWaitsForAnAbsoluteRealtimeDeadline) {
  harness t;
  abi::timestamp now = 0;
  ASSERT_EQ(t.h().clock_time_get(abi::clockid::realtime, 1, now), errc::success);
  auto outcome = poll(t.h(), {clock_subscription(6, abi::clockid::realtime, now + 2'000'000,
                                                 abi::subscription_clock_abstime)});
  ASSERT_EQ(outcome.result, errc::success);
  ASSERT_EQ(outcome.events.size(), 1u);
  abi::timestamp after = 0;
  ASSERT_EQ(t.h().clock_time_get(abi::clockid::realtime, 1, after), errc::success);
  EXPECT_GE(after, now + 2'000'000) << "the event came before its deadline";
}

TEST(PollOneoff, StrictAcceptsCputimeClocks) {
  harness t;
  for (abi::clockid clock : {abi::clockid::process_cputime, abi::clockid::thread_cputime}) {
    auto outcome = poll(t.h(), {clock_subscription(7, clock, 1'000'000)});
    ASSERT_EQ(outcome.result, errc::success);
    ASSERT_EQ(outcome.events.size(), 1u);
    EXPECT_EQ(outcome.events[0].user, 7u);
  }
}

TEST(PollOneoff, ReportsOnlyTheClocksThatExpired) {
  harness t;
  auto outcome = poll(t.h(), {clock_subscription(1, monotonic, 3600'000'000'000ull),
                              clock_subscription(2, monotonic, 1'000'000)});
  ASSERT_EQ(outcome.result, errc::success);
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 2u);
}

TEST(PollOneoff, AListenerWithAPendingClientIsReadableWithNbytesOne) {
  harness t;
  t.connect_client();
  auto outcome = poll(t.h(), {read_subscription(3, 3), test::safety_clock()});
  ASSERT_EQ(outcome.result, errc::success);
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 3u);
  EXPECT_EQ(outcome.events[0].type, static_cast<std::uint8_t>(abi::eventtype::fd_read));
  EXPECT_EQ(outcome.events[0].fd_readwrite.nbytes, 1u);
  abi::fd accepted = t.accept();
  EXPECT_EQ(t.h().fd_close(accepted), errc::success);
}

TEST(PollOneoff, BlocksUntilAClientConnects) {
  harness t;
  std::thread connector([&t, guest = test::current_thread_id()] {
    test::wait_until_blocked(guest);
    t.connect_client();
  });
  auto outcome = poll(t.h(), {read_subscription(3, 3), test::safety_clock()});
  connector.join();
  ASSERT_EQ(outcome.result, errc::success);
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 3u);
  abi::fd accepted = t.accept();
  EXPECT_EQ(t.h().fd_close(accepted), errc::success);
}

TEST(PollOneoff, StrictReportsExactReadableBytes) {
  harness t;
  auto [client, fd] = t.connected_pair();
  test::client_send(client, "12345");
  auto outcome = poll(t.h(), {read_subscription(9, fd), test::safety_clock()});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 9u);
  EXPECT_EQ(outcome.events[0].fd_readwrite.nbytes, 5u);
  EXPECT_EQ(outcome.events[0].fd_readwrite.flags, 0);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(PollOneoff, StrictReportsHangupWithZeroBytesWhenThePeerClosed) {
  harness t;
  auto [client, fd] = t.connected_pair();
  t.close_client(client);
  auto outcome = poll(t.h(), {read_subscription(9, fd), test::safety_clock()});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 9u);
  EXPECT_EQ(outcome.events[0].fd_readwrite.nbytes, 0u);
  EXPECT_EQ(outcome.events[0].fd_readwrite.flags, abi::event_fd_readwrite_hangup);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(PollOneoff, StrictGivesNoEventForAnIdleStream) {
  harness t;
  auto [client, fd] = t.connected_pair();
  auto outcome = poll(t.h(), {read_subscription(1, fd), clock_subscription(2, monotonic, 1'000'000)});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 2u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(PollOneoff, StrictGivesAnUnknownFdABadfEventWhileOthersStillWork) {
  harness t;
  t.connect_client();
  auto outcome = poll(t.h(), {read_subscription(1, 77), read_subscription(2, 3)});
  ASSERT_EQ(outcome.result, errc::success);
  ASSERT_EQ(outcome.events.size(), 2u);
  EXPECT_EQ(outcome.events[0].user, 1u);
  EXPECT_EQ(outcome.events[0].error, static_cast<std::uint16_t>(errc::badf));
  EXPECT_EQ(outcome.events[1].user, 2u);
  EXPECT_EQ(outcome.events[1].error, 0);
  abi::fd accepted = t.accept();
  EXPECT_EQ(t.h().fd_close(accepted), errc::success);
}

TEST(PollOneoff, StrictNeverReportsAWriteSubscriptionOnAListener) {
  // tokio registers listeners for READ|WRITE and fails its poll on any error event: the write side
  // of a listener must be never ready and never an error, as POLLOUT on a listening socket.
  harness t;
  const int client = t.connect_client();
  auto outcome = poll(t.h(), {write_subscription(4, 3), read_subscription(5, 3), test::safety_clock()});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 5u) << "only the listener's read side (a pending client)";
  EXPECT_EQ(outcome.events[0].error, 0u);
  outcome = poll(t.h(), {write_subscription(4, 3), clock_subscription(6, abi::clockid::monotonic, 1'000'000)});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 6u) << "the write side waits like any unready fd";
  t.close_client(client);
}

TEST(PollOneoff, StrictReportsFreeSendBufferSpaceForWrites) {
  harness t;
  auto [client, fd] = t.connected_pair();
  auto outcome = poll(t.h(), {write_subscription(4, fd)});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].type, static_cast<std::uint8_t>(abi::eventtype::fd_write));
  EXPECT_GT(outcome.events[0].fd_readwrite.nbytes, 0u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(PollOneoff, WriteReadinessReturnsWhenAFullSendBufferDrains) {
  harness t;
  auto [client, fd] = t.connected_pair();
  const std::string chunk(1 << 16, 'w');
  host_ciovec part{reinterpret_cast<const std::byte*>(chunk.data()), chunk.size()};
  std::size_t sent = 0, total = 0;
  while (t.h().sock_send(fd, {&part, 1}, 0, sent) == errc::success) total += sent;
  auto idle = poll(t.h(), {write_subscription(1, fd), clock_subscription(2, monotonic, 0)});
  ASSERT_EQ(idle.events.size(), 1u);
  EXPECT_EQ(idle.events[0].user, 2u) << "a full socket is not writable";
  std::thread reader([client = client, total] { test::client_receive(client, total); });
  auto outcome = poll(t.h(), {write_subscription(1, fd), test::safety_clock()});
  reader.join();
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 1u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(PollOneoff, StrictDoesNotReportADrainedSocketAsReadable) {
  harness t;
  auto [client, fd] = t.connected_pair();
  test::client_send(client, "four");
  ASSERT_EQ(poll(t.h(), {read_subscription(1, fd), test::safety_clock()}).events.size(), 1u);
  // Exactly the available bytes: the guest never meets EAGAIN, so the cache still says ready.
  EXPECT_EQ(test::guest_recv(t.h(), fd, 4), "four");
  auto outcome = poll(t.h(), {read_subscription(1, fd), clock_subscription(2, monotonic, 0)});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 2u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(PollOneoff, SeesDataThatArrivesAfterTheGuestMetEagain) {
  harness t;
  auto [client, fd] = t.connected_pair();
  char buffer[4];
  host_iovec iov{reinterpret_cast<std::byte*>(buffer), sizeof buffer};
  std::size_t received = 0;
  abi::roflags out_flags = 0;
  ASSERT_EQ(t.h().sock_recv(fd, {&iov, 1}, 0, received, out_flags), errc::again);
  test::client_send(client, "late");
  auto outcome = poll(t.h(), {read_subscription(1, fd), test::safety_clock()});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 1u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(PollOneoff, StrictWritesEventsInSubscriptionOrder) {
  harness t;
  t.connect_client();
  auto outcome = poll(t.h(), {read_subscription(1, 3), clock_subscription(2, monotonic, 0)});
  ASSERT_EQ(outcome.events.size(), 2u);
  EXPECT_EQ(outcome.events[0].user, 1u);
  EXPECT_EQ(outcome.events[1].user, 2u);
  abi::fd accepted = t.accept();
  EXPECT_EQ(t.h().fd_close(accepted), errc::success);
}

TEST(PollOneoff, StdinIsReadableWhenThePipeHasData) {
  harness t;
  ASSERT_EQ(::write(t.stdin_pipe.write_end, "abc", 3), 3);
  auto outcome = poll(t.h(), {read_subscription(1, 0), test::safety_clock()});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 1u);
  EXPECT_EQ(outcome.events[0].fd_readwrite.nbytes, 3u);
}

TEST(PollOneoff, BlocksOnStdinUntilDataArrives) {
  harness t;
  std::thread writer([&t, guest = test::current_thread_id()] {
    test::wait_until_blocked(guest);
    ASSERT_EQ(::write(t.stdin_pipe.write_end, "x", 1), 1);
  });
  auto outcome = poll(t.h(), {read_subscription(1, 0), test::safety_clock()});
  writer.join();
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 1u);
}

TEST(PollOneoff, StdoutPipeIsWritableWithItsFreeSpace) {
  harness t;
  auto outcome = poll(t.h(), {write_subscription(1, 1)});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_GT(outcome.events[0].fd_readwrite.nbytes, 0u);
}

TEST(PollOneoff, ASubscriptionOnAClosedFdGetsBadf) {
  harness t;
  auto [client, fd] = t.connected_pair();
  ASSERT_EQ(t.h().fd_close(fd), errc::success);
  auto outcome = poll(t.h(), {read_subscription(1, fd)});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].error, static_cast<std::uint16_t>(errc::badf));
}

// The host remembers which fd each subscription slot named (the lookups were most of a call with
// thousands of idle connections): a slot that names another fd, or any change to the fd table,
// must never report the old one.
TEST(PollOneoff, SubscriptionSlotsThatNameOtherFdsReportTheFdsNamedNow) {
  harness t;
  auto [client_a, a] = t.connected_pair();
  auto [client_b, b] = t.connected_pair();
  test::client_send(client_a, "aa");
  test::client_send(client_b, "bbbb");
  auto first = poll(t.h(), {read_subscription(1, a), read_subscription(2, b), test::safety_clock()});
  ASSERT_EQ(first.events.size(), 2u);
  EXPECT_EQ(first.events[0].fd_readwrite.nbytes, 2u);
  EXPECT_EQ(first.events[1].fd_readwrite.nbytes, 4u);
  // The same slots, swapped: no fd was opened or closed in between.
  auto swapped = poll(t.h(), {read_subscription(1, b), read_subscription(2, a), test::safety_clock()});
  ASSERT_EQ(swapped.events.size(), 2u);
  EXPECT_EQ(swapped.events[0].user, 1u);
  EXPECT_EQ(swapped.events[0].fd_readwrite.nbytes, 4u);
  EXPECT_EQ(swapped.events[1].user, 2u);
  EXPECT_EQ(swapped.events[1].fd_readwrite.nbytes, 2u);
  // Slot 0 named `a`; `a` is closed and a new connection opened: the slot's old answer is gone.
  ASSERT_EQ(t.h().fd_close(a), errc::success);
  auto closed = poll(t.h(), {read_subscription(1, a), test::safety_clock()});
  ASSERT_EQ(closed.events.size(), 1u);
  EXPECT_EQ(closed.events[0].error, static_cast<std::uint16_t>(errc::badf));
  auto [client_c, c] = t.connected_pair();
  test::client_send(client_c, "ccccccc");
  auto reopened = poll(t.h(), {read_subscription(3, c), read_subscription(2, b), test::safety_clock()});
  ASSERT_EQ(reopened.events.size(), 2u);
  EXPECT_EQ(reopened.events[0].user, 3u);
  EXPECT_EQ(reopened.events[0].fd_readwrite.nbytes, 7u);
  EXPECT_EQ(reopened.events[1].fd_readwrite.nbytes, 4u);
  EXPECT_EQ(t.h().fd_close(b), errc::success);
  EXPECT_EQ(t.h().fd_close(c), errc::success);
}

TEST(PollOneoff, AnOutputArrayShorterThanTheInputIsInval) {
  harness t;
  std::vector<abi::subscription> in = {clock_subscription(1, monotonic, 0), clock_subscription(2, monotonic, 0)};
  abi::event out[1];
  std::uint32_t count = 7;
  EXPECT_EQ(t.h().poll_oneoff(in, out, count), errc::inval);
  EXPECT_EQ(count, 0u);
}

TEST(PollOneoff, MoreSubscriptionsThanTheCapIsInvalInEveryProfile) {
  for (profile p : {profile::strict, profile::wasmtime_legacy, profile::uvwasi}) {
    harness t(test::harness_options{.semantics = p, .max_poll_subscriptions = 3});
    std::vector<abi::subscription> four(4, clock_subscription(1, monotonic, 0));
    EXPECT_EQ(poll(t.h(), four).result, errc::inval) << name(p);
    four.pop_back();
    auto at_the_cap = poll(t.h(), four);
    EXPECT_EQ(at_the_cap.result, errc::success) << name(p);
    // uvwasi reports one clock event however many are due (HOST-SEMANTICS.md 4).
    EXPECT_EQ(at_the_cap.events.size(), p == profile::uvwasi ? 1u : 3u) << name(p);
  }
}

TEST(PollOneoff, AHugeCallFollowedBySmallOnesStillWorks) {
  harness t;
  // 50000 expired clocks grow the scratch vectors; the small call after it must not depend on them.
  std::vector<abi::subscription> many(50000, clock_subscription(1, monotonic, 0));
  EXPECT_EQ(poll(t.h(), many).events.size(), many.size());
  auto outcome = poll(t.h(), {clock_subscription(7, monotonic, 0)});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 7u);
}

TEST(PollOneoff, StrictAbsoluteCputimeDeadlineInThePastFiresAtOnce) {
  harness t;
  auto outcome = poll(t.h(), {clock_subscription(3, abi::clockid::process_cputime, 1, abi::subscription_clock_abstime)});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 3u);
}

TEST(PollOneoff, SeesDataThatCameWithTheConnectionBeforeTheAccept) {
  harness t;
  int client = t.connect_client();
  test::client_send(client, "early");
  abi::fd fd = t.accept();
  auto outcome = poll(t.h(), {read_subscription(1, fd), test::safety_clock()});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 1u);
  EXPECT_EQ(outcome.events[0].fd_readwrite.nbytes, 5u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(PollOneoff, StrictReportsOnlyTheReadyOnesAmongManySockets) {
  harness t;
  std::vector<std::pair<int, abi::fd>> pairs;
  for (int i = 0; i < 50; ++i) pairs.push_back(t.connected_pair());
  test::client_send(pairs[7].first, "a");
  test::client_send(pairs[42].first, "bb");
  std::vector<abi::subscription> subscriptions;
  for (std::size_t i = 0; i < pairs.size(); ++i) subscriptions.push_back(read_subscription(i, pairs[i].second));
  // The second byte may still be on its way: poll until both have been seen.
  std::vector<abi::userdata> seen;
  while (seen.size() < 2) {
    auto outcome = poll(t.h(), subscriptions);
    ASSERT_EQ(outcome.result, errc::success);
    seen.clear();
    for (const abi::event& e : outcome.events) seen.push_back(e.user);
  }
  EXPECT_EQ(seen, (std::vector<abi::userdata>{7, 42}));
  for (auto& [client, fd] : pairs) EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

}  // namespace
}  // namespace wasio::testbed
