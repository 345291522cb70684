// wasio::rt timers: sleep_for, sleep_until, with_timeout, with_deadline, one clock subscription.

#include "wasio/rt/time.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rt_test_support.hpp"
#include "wasio/rt/tcp_stream.hpp"
#include "wasio/rt/with_stop.hpp"

namespace wasio {
namespace {

using namespace std::chrono_literals;
using rt_test::rt_host;

TEST(Timer, SleepsEndInDeadlineOrder) {
  rt_host h;
  std::vector<int> order;
  auto sleeper = [&](int id, std::chrono::milliseconds d) -> task<void> {
    auto r = co_await rt::sleep_for(d);
    EXPECT_TRUE(r);
    order.push_back(id);
  };
  h.rt().spawn(sleeper(3, 30ms));
  h.rt().spawn(sleeper(1, 5ms));
  h.rt().spawn(sleeper(2, 15ms));
  ASSERT_TRUE(h.rt().run());
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(Timer, SleepUntilDoesNotReturnBeforeItsDeadline) {
  rt_host h;
  auto body = []() -> task<result<bool>> {
    const auto start = wasio::rt::clock::now();  // the header's example
    co_await wasio::rt::sleep_until(start + 5ms);
    co_return wasio::rt::clock::now() >= start + 5ms;
  };
  auto r = h.rt().block_on(body());
  ASSERT_TRUE(r);
  EXPECT_TRUE(*r);
}

TEST(Timer, ManyTimersCostOneClockSubscriptionAndNoFdSubscription) {
  rt_host h;
  for (int i = 0; i < 50; ++i)
    h.rt().spawn([](int i) -> task<void> { co_await rt::sleep_for(std::chrono::milliseconds(1 + i % 5)); }(i));
  ASSERT_TRUE(h.rt().run());
  EXPECT_EQ(h.rt().registry().subscription_count(), 0u);
  // Each poll waited for the nearest deadline only: at most one poll per distinct deadline group,
  // far fewer than one per timer.
  EXPECT_LE(h.rt().poll_count(), 50u);
  EXPECT_GE(h.rt().poll_count(), 1u);
}

TEST(Timer, DurationsAndDeadlinesSaturateInsteadOfWrapping) {
  rt_host h;
  EXPECT_EQ(rt::to_clock_duration(std::chrono::hours::max()), rt::clock::duration::max());
  EXPECT_EQ(rt::to_clock_duration(std::chrono::hours::min()), rt::clock::duration::min());
  EXPECT_EQ(rt::to_clock_duration(std::chrono::seconds(3)), std::chrono::nanoseconds(3'000'000'000));
  EXPECT_EQ(rt::deadline_after(rt::clock::duration::max()), rt::clock::time_point::max());
  EXPECT_EQ(rt::deadline_after(rt::clock::duration::min()), rt::clock::time_point::min());
  const auto before = rt::clock::now();
  const auto soon = rt::deadline_after(1h);
  EXPECT_GE(soon, before + 1h);
}

TEST(Timer, AnEndlessSleepWaitsUntilStopped) {
  rt_host h;
  rt::stop_source stop;
  result<void> slept = fail(errc::inval);
  h.rt().spawn([](result<void>& out) -> task<void> { out = co_await rt::sleep_for(std::chrono::hours::max()); }(slept),
               stop.token());
  auto body = [&]() -> task<result<void>> {
    co_await rt::yield();
    co_await rt::yield();
    EXPECT_EQ(h.rt().task_count(), 1u) << "a wrapped deadline ends the sleep at once";
    EXPECT_EQ(h.rt().timer_count(), 1u);
    stop.request_stop();
    co_return result<void>();
  };
  ASSERT_TRUE(h.rt().block_on(body()));
  ASSERT_TRUE(h.rt().run());
  ASSERT_FALSE(slept);
  EXPECT_EQ(slept.error(), errc::canceled);
}

TEST(Timer, AnEndlessTimeoutNeverFires) {
  rt_host h;
  auto inner = []() -> task<result<int>> {
    co_await rt::sleep_for(1ms);  // lets the runtime fire due timers before this finishes
    co_return 7;
  };
  auto body = [&]() -> task<result<int>> { co_return co_await rt::with_timeout(rt::clock::duration::max(), inner()); };
  auto r = h.rt().block_on(body());
  ASSERT_TRUE(r) << name(r.error());
  EXPECT_EQ(*r, 7);
}

TEST(Timer, WithTimeoutGivesTimedoutAndDisarmsEverything) {
  rt_host h;
  auto body = []() -> task<result<void>> { co_return co_await rt::with_timeout(5ms, rt::sleep_for(1h)); };
  auto r = h.rt().block_on(body());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::timedout);
  EXPECT_EQ(h.rt().timer_count(), 0u);
}

TEST(Timer, WithTimeoutPassesTheInnerOutcomeThroughWhenItIsFastEnough) {
  rt_host h;
  auto inner = []() -> task<result<int>> {
    co_await rt::sleep_for(1ms);
    co_return 9;
  };
  auto body = [&]() -> task<result<int>> { co_return co_await rt::with_timeout(1h, inner()); };
  auto r = h.rt().block_on(body());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 9);
}

TEST(Timer, WithTimeoutKeepsCanceledWhenTheOuterTaskWasStopped) {
  rt_host h;
  rt::stop_source stop;
  result<void> seen = fail(errc::inval);
  auto body = [&]() -> task<void> { seen = co_await rt::with_timeout(1h, rt::sleep_for(1h)); };
  h.rt().spawn(body(), stop.token());
  h.rt().spawn([](rt::stop_source& s) -> task<void> {
    co_await rt::sleep_for(1ms);
    s.request_stop();
  }(stop));
  ASSERT_TRUE(h.rt().run());
  ASSERT_FALSE(seen);
  EXPECT_EQ(seen.error(), errc::canceled);
}

class TimerOverSockets : public ::testing::TestWithParam<testbed::profile> {};

// with_timeout of a socket operation is a task; with_deadline and with_stop of one are awaiters with
// no frame of their own: the same outcomes, and nothing left armed, parked or linked afterwards.
TEST_P(TimerOverSockets, ReadWithTimeoutOrDeadlineTimesOutDisarmsAndLeavesTheStreamUsable) {
  rt_host h(GetParam(), 1);
  auto listener = h.listener();
  rt_test::client c(h.port());
  auto body = [&]() -> task<result<std::string>> {
    auto stream = co_await listener.accept();
    if (!stream) co_return fail(stream.error());
    std::array<std::byte, 16> buffer{};
    auto timed = co_await wasio::rt::with_timeout(20ms, stream->read(buffer));  // the header's example
    if (timed || timed.error() != errc::timedout) co_return fail(errc::proto);
    EXPECT_EQ(h.rt().parked_count(), 0u);
    auto got = co_await rt::with_deadline(rt::clock::now() + 20ms, stream->read(buffer));
    if (got || got.error() != errc::timedout) co_return fail(errc::proto);
    EXPECT_EQ(h.rt().parked_count(), 0u);
    EXPECT_EQ(h.rt().timer_count(), 0u);
    // A deadline already passed times out too (at the loop's next timer check).
    auto late = co_await rt::with_deadline(rt::clock::now() - 1s, stream->read(buffer));
    if (late || late.error() != errc::timedout) co_return fail(errc::proto);
    EXPECT_TRUE(c.send_all("late"));
    auto n = co_await rt::with_deadline(rt::clock::now() + 1h, stream->read_exact(std::span(buffer).first(4)));
    if (!n) co_return fail(n.error());
    EXPECT_EQ(h.rt().timer_count(), 0u);
    co_return rt_test::text_of(std::span(buffer).first(*n));
  };
  auto r = h.rt().block_on(body());
  ASSERT_TRUE(r) << name(r.error());
  EXPECT_EQ(*r, "late");
  EXPECT_TRUE(listener.close());
}

TEST_P(TimerOverSockets, ReadWithDeadlineIsCanceledByItsSecondTokenAndByTheTasksOwn) {
  rt_host h(GetParam(), 1);
  auto listener = h.listener();
  rt_test::client c(h.port());
  rt::stop_source shutdown, own;
  std::vector<errc> seen;
  auto body = [](rt::tcp_listener& l, rt::stop_source& shutdown, std::vector<errc>& seen) -> task<void> {
    auto stream = co_await l.accept();
    if (!stream) co_return;
    std::array<std::byte, 16> buffer{};
    auto first = co_await rt::with_deadline(rt::clock::now() + 1h, stream->read(buffer), shutdown.token());
    seen.push_back(first ? errc::success : first.error());
    auto second = co_await rt::with_deadline(rt::clock::now() + 1h, stream->read(buffer));
    seen.push_back(second ? errc::success : second.error());
  };
  auto stopper = [](rt::stop_source& first, rt::stop_source& second) -> task<void> {
    co_await rt::sleep_for(20ms);
    first.request_stop();
    co_await rt::sleep_for(20ms);
    second.request_stop();
  };
  h.rt().spawn(body(listener, shutdown, seen), own.token());
  h.rt().spawn(stopper(shutdown, own));
  ASSERT_TRUE(h.rt().run());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], errc::canceled);  // the second token: canceled, not timedout
  EXPECT_EQ(seen[1], errc::canceled);  // the task's own token
  EXPECT_EQ(h.rt().timer_count(), 0u);
  EXPECT_EQ(h.rt().parked_count(), 0u);
  EXPECT_TRUE(listener.close());
}

TEST_P(TimerOverSockets, WithStopOfAReadWhoseTokenAlreadyStoppedReadsNothing) {
  rt_host h(GetParam(), 1);
  auto listener = h.listener();
  rt_test::client c(h.port());
  ASSERT_TRUE(c.send_all("kept"));
  auto body = [&]() -> task<result<std::string>> {
    auto stream = co_await listener.accept();
    if (!stream) co_return fail(stream.error());
    rt::stop_source stopped;
    stopped.request_stop();
    std::array<std::byte, 16> buffer{};
    auto got = co_await rt::with_stop(stopped.token(), stream->read(buffer));
    if (got || got.error() != errc::canceled) co_return fail(errc::proto);
    auto n = co_await rt::with_stop(rt::stop_token{}, stream->read_exact(std::span(buffer).first(4)));
    if (!n) co_return fail(n.error());
    co_return rt_test::text_of(std::span(buffer).first(*n));
  };
  auto r = h.rt().block_on(body());
  ASSERT_TRUE(r) << name(r.error());
  EXPECT_EQ(*r, "kept");  // the canceled read took none of it
  EXPECT_EQ(h.rt().timer_count(), 0u);
  EXPECT_TRUE(listener.close());
}

INSTANTIATE_TEST_SUITE_P(Profiles, TimerOverSockets, ::testing::ValuesIn(rt_test::all_profiles), rt_test::profile_name);

}  // namespace
}  // namespace wasio
