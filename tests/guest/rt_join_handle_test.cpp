// rt::join_handle: awaiting a spawned task's outcome, cancel, detach, runtime::current(); every
// test under the three profiles and quiescent at its end (rt_host checks).

#include "wasio/rt/join_handle.hpp"

#include <gtest/gtest.h>

#include <string>

#include "rt_test_support.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/time.hpp"

namespace wasio {
namespace {

using namespace std::chrono_literals;
using rt_test::rt_host;

class JoinHandle : public ::testing::TestWithParam<testbed::profile> {};

task<result<int>> resolve(std::string name) {
  co_await rt::sleep_for(1ms);
  if (name.empty()) co_return fail(errc::noent);
  co_return static_cast<int>(name.size());
}
task<void> background_work(int& done) {
  co_await rt::sleep_for(2ms);
  ++done;
}

TEST_P(JoinHandle, HeaderExampleAwaitsOneAndDetachesTheOther) {
  rt_host h(GetParam());
  int done = 0;
  auto main_task = [&]() -> task<result<int>> {
    rt::runtime& rt = rt::runtime::current();
    auto lookup = rt.spawn(resolve("localhost"));      // join_handle<result<int>>
    auto other = rt.spawn(background_work(done));      // dropped at the end of this task
    if (auto port = co_await lookup; port) co_return *port * 10;
    co_return fail(errc::io);
  };
  auto r = h.rt().block_on(main_task());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 90);
  ASSERT_TRUE(h.rt().run());  // the detached one finishes on its own
  EXPECT_EQ(done, 1);
}

TEST_P(JoinHandle, GivesTheTasksOwnErrorAndPlainValues) {
  rt_host h(GetParam());
  auto main_task = [&]() -> task<result<std::string>> {
    auto failing = h.rt().spawn(resolve(""));
    auto plain = h.rt().spawn([]() -> task<std::string> { co_return "plain"; }());
    auto nothing = h.rt().spawn([]() -> task<void> { co_return; }());
    result<int> f = co_await failing;
    if (f || f.error() != errc::noent) co_return fail(errc::inval);
    result<void> v = co_await std::move(nothing);
    if (!v) co_return fail(v.error());
    co_return co_await plain;
  };
  auto r = h.rt().block_on(main_task());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "plain");
}

TEST_P(JoinHandle, AwaitingAFinishedTaskCompletesAtOnceAndEmptiesTheHandle) {
  rt_host h(GetParam());
  auto main_task = [&]() -> task<result<int>> {
    auto quick = h.rt().spawn([]() -> task<int> { co_return 7; }());
    co_await rt::sleep_for(1ms);  // it runs and ends meanwhile
    if (!quick.finished()) co_return fail(errc::inval);
    auto got = co_await quick;
    if (quick.valid()) co_return fail(errc::inval);  // its outcome was handed over once
    co_return got;
  };
  auto r = h.rt().block_on(main_task());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 7);
}

TEST_P(JoinHandle, CancelStopsTheTaskWhichReportsCanceled) {
  rt_host h(GetParam());
  auto main_task = [&]() -> task<result<void>> {
    auto sleeper = h.rt().spawn([]() -> task<result<void>> { co_return co_await rt::sleep_for(1h); }());
    co_await rt::yield();  // let it start and park on its timer
    sleeper.cancel();
    co_return co_await sleeper;
  };
  auto r = h.rt().block_on(main_task());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::canceled);
}

TEST_P(JoinHandle, CancelBeforeTheTaskStartedAndAfterItFinishedIsHarmless) {
  rt_host h(GetParam());
  auto main_task = [&]() -> task<result<int>> {
    auto early = h.rt().spawn([]() -> task<result<void>> { co_return co_await rt::sleep_for(1h); }());
    early.cancel();  // not started yet: it starts stopped
    auto first = co_await early;
    if (first || first.error() != errc::canceled) co_return fail(errc::inval);
    auto late = h.rt().spawn([]() -> task<int> { co_return 3; }());
    co_await rt::sleep_for(1ms);
    late.cancel();  // finished already: nothing to stop, the value stays
    co_return co_await late;
  };
  auto r = h.rt().block_on(main_task());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 3);
}

TEST_P(JoinHandle, StoppingTheAwaiterLeavesTheTaskRunningAndTheHandleValid) {
  rt_host h(GetParam());
  auto main_task = [&]() -> task<result<int>> {
    auto slow = h.rt().spawn([]() -> task<int> {
      (void)co_await rt::sleep_for(5ms);
      co_return 11;
    }());
    auto waited = co_await rt::with_timeout(1ms, slow.operator co_await());
    if (waited || waited.error() != errc::timedout) co_return fail(errc::inval);
    if (!slow.valid() || slow.finished()) co_return fail(errc::inval);
    co_return co_await slow;  // the same handle, awaited again to the end
  };
  auto r = h.rt().block_on(main_task());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 11);
}

TEST_P(JoinHandle, ASecondConcurrentAwaiterGetsBusy) {
  rt_host h(GetParam());
  auto racing = [&]() -> task<result<void>> {
    auto slow = h.rt().spawn([]() -> task<int> {
      (void)co_await rt::sleep_for(2ms);
      co_return 5;
    }());
    // Lifetime: the handle goes in as a parameter (kept in the frame), not as a lambda capture (kept
    // in the closure, which dies at the end of this statement): docs/runtime.md, rules of lifetime.
    auto first = h.rt().spawn([](rt::join_handle<int>& s) -> task<result<int>> { co_return co_await s; }(slow));
    co_await rt::yield();
    auto again = co_await slow;  // `first` is parked on it already
    if (again || again.error() != errc::busy) co_return fail(errc::inval);
    auto from_first = co_await first;
    if (!from_first || *from_first != 5) co_return fail(errc::inval);
    co_return result<void>();
  };
  EXPECT_TRUE(h.rt().block_on(racing()));
}

TEST_P(JoinHandle, ATaskDestroyedBeforeItFinishedReportsCanceled) {
  rt_host h(GetParam());
  rt::join_handle<int> orphan;
  {
    rt::runtime other;
    orphan = other.spawn([]() -> task<int> {
      (void)co_await rt::sleep_for(1h);
      co_return 1;
    }());
    // `other` is destroyed with the task still parked: the handle learns it is gone.
  }
  EXPECT_TRUE(orphan.finished());
  auto main_task = [&]() -> task<result<int>> { co_return co_await orphan; };
  auto r = h.rt().block_on(main_task());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::canceled);
}

TEST_P(JoinHandle, DetachAndDropLetTheTaskRunToItsEnd) {
  rt_host h(GetParam());
  int done = 0;
  {
    auto handle = h.rt().spawn(background_work(done));
    handle.detach();
    EXPECT_FALSE(handle.valid());
    (void)h.rt().spawn(background_work(done));  // the handle is dropped at once
  }
  ASSERT_TRUE(h.rt().run());
  EXPECT_EQ(done, 2);
}

TEST_P(JoinHandle, TheSpawnTokenStillReachesTasksSpawnedWithAHandle) {
  rt_host h(GetParam());
  rt::stop_source outer;
  auto handle = h.rt().spawn([]() -> task<result<void>> { co_return co_await rt::sleep_for(1h); }(), outer.token());
  auto main_task = [&]() -> task<result<void>> {
    co_await rt::yield();
    outer.request_stop();
    co_return co_await handle;
  };
  auto r = h.rt().block_on(main_task());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::canceled);
}

TEST_P(JoinHandle, CurrentIsTheRunningRuntimeAndNullOutsideALoop) {
  rt_host h(GetParam());
  EXPECT_EQ(rt::runtime::current_or_null(), nullptr);
  auto main_task = [&]() -> task<bool> { co_return &rt::runtime::current() == &h.rt(); };
  auto r = h.rt().block_on(main_task());
  ASSERT_TRUE(r);
  EXPECT_TRUE(*r);
  EXPECT_EQ(rt::runtime::current_or_null(), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Profiles, JoinHandle, ::testing::ValuesIn(rt_test::all_profiles), rt_test::profile_name);

}  // namespace
}  // namespace wasio
