// wasio::waker: same-thread and cross-thread wakes, strategies, coalescing, cleanup.

#include "wasio/io/waker.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "readiness_test_support.hpp"
#include "wasio/net/tcp_listener.hpp"

namespace wasio {
namespace {

using namespace std::chrono_literals;
using readiness_test::readiness_host;
using testbed::profile;

class Waker : public ::testing::TestWithParam<profile> {};

std::size_t events_for(const events& got, token tok) {
  std::size_t n = 0;
  for (const event& e : got) n += e.token() == tok ? 1 : 0;
  return n;
}

TEST_P(Waker, AnotherThreadWakesAPollBlockedWithNoTimeout) {
  readiness_host h(GetParam());
  auto& poll = h.poll();
  wasio::events events;
  auto waker = wasio::waker::create(poll.registry()).value();  // the header's example
  std::thread other([&] {
    std::this_thread::sleep_for(20ms);  // lets the poll block first (no assertion rests on it)
    (void)waker.wake();
  });
  ASSERT_TRUE(poll.wait(events, std::nullopt));  // returns with an event for waker.token()
  other.join();
  // A host wake may arrive with no event if it raced with the flag; the event must come next.
  if (events_for(events, waker.token()) == 0) {
    ASSERT_TRUE(poll.wait(events, 0ms));
  }
  EXPECT_EQ(events_for(events, waker.token()), 1u);
  EXPECT_TRUE(events[0].is_readable());
}

// Polls with no timeout until an event for `waker` arrives; returns how many came in that poll.
std::size_t wait_until_woken(readiness_host& h, const wasio::waker& waker) {
  events got;
  std::size_t woken = 0;
  while (woken == 0) {
    if (!h.poll().wait(got, std::nullopt)) return 0;
    woken = events_for(got, waker.token());
  }
  return woken;
}

TEST_P(Waker, AnotherThreadWakesAPollBlockedOnAnIdleListener) {
  readiness_host h(GetParam());
  auto listener = net::tcp_listener::from_preopened(h.listener_fd()).value();
  ASSERT_TRUE(h.registry().register_source(listener, interest::readable));
  auto waker = wasio::waker::create(h.registry()).value();
  std::thread other([&] {
    std::this_thread::sleep_for(20ms);
    (void)waker.wake();
  });
  EXPECT_EQ(wait_until_woken(h, waker), 1u);
  other.join();
  ASSERT_TRUE(h.registry().deregister(listener));
}

TEST_P(Waker, AWakeOnThePollsOwnThreadMakesTheNextWaitReturnAtOnce) {
  readiness_host h(GetParam());
  auto listener = net::tcp_listener::from_preopened(h.listener_fd()).value();
  ASSERT_TRUE(h.registry().register_source(listener, interest::readable));
  auto waker = wasio::waker::create(h.registry()).value();
  ASSERT_TRUE(waker.wake());
  ASSERT_TRUE(waker.wake());
  events got;
  ASSERT_TRUE(h.poll().wait(got, std::nullopt));  // would block forever without the wake
  EXPECT_EQ(events_for(got, waker.token()), 1u) << "wakes coalesce";
  ASSERT_TRUE(h.poll().wait(got, 0ms));
  EXPECT_EQ(events_for(got, waker.token()), 0u) << "one wake, one event";
  ASSERT_TRUE(h.registry().deregister(listener));
}

TEST_P(Waker, BoundedWaitSeesAnotherThreadsWakeWithoutHostHelp) {
  readiness_host h(GetParam());
  auto waker = wasio::waker::create(h.registry(), std::make_unique<bounded_wait_wake>(2ms)).value();
  std::thread other([&] {
    std::this_thread::sleep_for(20ms);
    (void)waker.wake();
  });
  EXPECT_EQ(wait_until_woken(h, waker), 1u);
  other.join();
}

TEST_P(Waker, DestroyingAWakerDeregistersIt) {
  readiness_host h(GetParam());
  {
    auto waker = wasio::waker::create(h.registry()).value();
    EXPECT_EQ(h.registry().size(), 1u);
    EXPECT_EQ(h.registry().subscription_count(), 0u) << "a waker costs no subscription";
    auto moved = std::move(waker);
    EXPECT_EQ(waker.wake().error(), errc::badf) << "moved from";
    EXPECT_TRUE(moved.wake());
  }
  EXPECT_EQ(h.registry().size(), 0u);
  events got;
  EXPECT_EQ(h.poll().wait(got, std::nullopt).error(), errc::inval) << "nothing left to wait for";
}

INSTANTIATE_TEST_SUITE_P(Profiles, Waker, ::testing::ValuesIn(readiness_test::all_profiles),
                         readiness_test::profile_name);

}  // namespace
}  // namespace wasio
