// wasio::rt::runtime: spawn, run, block_on, quiescence, deadlock detection, fairness budgets.

#include "wasio/rt/runtime.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "rt_test_support.hpp"
#include "wasio/rt/task_group.hpp"
#include "wasio/rt/time.hpp"

namespace wasio {
namespace {

using namespace std::chrono_literals;
using rt_test::rt_host;

task<void> worker(int& done) {
  co_await rt::yield();
  ++done;
}

task<result<int>> main_task(rt::runtime& rt, int& done) {
  rt.spawn(worker(done));
  co_await rt::yield();
  co_return 5;
}

TEST(Runtime, HeaderExampleSpawnsBlocksOnAndRuns) {
  rt_host h;
  rt::runtime& rt = h.rt();
  int done = 0;
  rt.spawn(worker(done));                          // detached; the runtime tracks it
  auto r = rt.block_on(main_task(rt, done));       // result<...> of main_task
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 5);
  ASSERT_TRUE(rt.run());
  EXPECT_EQ(done, 2);
}

TEST(Runtime, TenThousandConcurrentTasksAllFinishAndLeaveItQuiescent) {
  rt_host h;
  constexpr int n = 10'000;
  int finished = 0;
  auto sleeper = [](int& finished, int i) -> task<void> {
    co_await rt::sleep_for(std::chrono::microseconds(i % 7));
    co_await rt::yield();
    ++finished;
  };
  for (int i = 0; i < n; ++i) h.rt().spawn(sleeper(finished, i));
  EXPECT_EQ(h.rt().task_count(), static_cast<std::size_t>(n));
  ASSERT_TRUE(h.rt().run());
  EXPECT_EQ(finished, n);
}

TEST(Runtime, RunReturnsAtOnceWithNothingToDoAndNeverPolls) {
  rt_host h;
  ASSERT_TRUE(h.rt().run());
  EXPECT_EQ(h.rt().poll_count(), 0u);
}

TEST(Runtime, TasksThatOnlyYieldNeverPoll) {
  rt_host h;
  int done = 0;
  for (int i = 0; i < 100; ++i) h.rt().spawn(worker(done));
  ASSERT_TRUE(h.rt().run());
  EXPECT_EQ(done, 100);
  EXPECT_EQ(h.rt().poll_count(), 0u) << "no socket await was parked: a poll could tell nothing";
}

TEST(Runtime, ReportsDeadlockWhenNothingCanEverResumeTheTasks) {
  rt_host h;
  rt::task_group group(h.rt());
  // A child joining its own group waits for itself: no timer, socket or ready task can end that.
  group.spawn([](rt::task_group& own) -> task<void> { co_await own.join(); }(group));
  auto r = h.rt().run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::deadlk);
  EXPECT_EQ(h.rt().task_count(), 1u);
}

TEST(Runtime, DestroyingTheRuntimeDestroysTasksStillSuspended) {
  testbed::host_config config;
  config.args = {"rt_test"};
  auto host = testbed::host::create(std::move(config)).value();
  testbed::native::scoped_host installed(*host);
  int destroyed = 0;
  struct on_exit {
    int& n;
    ~on_exit() { ++n; }
  };
  auto forever = [](int& destroyed) -> task<void> {
    on_exit guard{destroyed};
    co_await rt::sleep_for(std::chrono::hours(1));
  };
  {
    rt::runtime rt;
    for (int i = 0; i < 3; ++i) rt.spawn(forever(destroyed));
    auto tick = []() -> task<void> { co_await rt::yield(); };
    ASSERT_TRUE(rt.block_on(tick()));  // lets the spawned tasks start and arm their timers
    EXPECT_EQ(rt.timer_count(), 3u);
  }
  EXPECT_EQ(destroyed, 3);
}

TEST(Runtime, ABusyTaskYieldsAfterItsOperationBudgetSoOthersRun) {
  rt_host h(testbed::profile::strict, 0, rt::runtime::options{.tick_budget = 256, .op_budget = 16});
  // Tasks that never wait would run to the end in one turn; the budget applies to socket
  // operations, so here a ticker and a sleeper show the turn structure through yields and timers.
  int ticks = 0;
  bool timer_fired_first = false;
  bool busy_done = false;
  auto ticker = [&]() -> task<void> {
    while (!busy_done) {
      ++ticks;
      co_await rt::yield();
    }
  };
  auto sleeper = [&]() -> task<void> {
    co_await rt::sleep_for(1ns);
    timer_fired_first = !busy_done;
  };
  auto busy = [&]() -> task<void> {
    for (int i = 0; i < 2000; ++i) co_await rt::yield();
    busy_done = true;
  };
  h.rt().spawn(ticker());
  h.rt().spawn(sleeper());
  h.rt().spawn(busy());
  ASSERT_TRUE(h.rt().run());
  EXPECT_TRUE(timer_fired_first) << "a busy task kept timers from firing";
  EXPECT_GE(ticks, 1000);
}

}  // namespace
}  // namespace wasio
