// wasio::rt::task_group: join, stop forwarding, nesting, graceful join_within.

#include "wasio/rt/task_group.hpp"

#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "rt_test_support.hpp"
#include "wasio/rt/tcp_stream.hpp"
#include "wasio/rt/time.hpp"

namespace wasio {
namespace {

using namespace std::chrono_literals;
using rt_test::rt_host;

TEST(TaskGroup, JoinWaitsForEveryChild) {
  rt_host h;
  int finished = 0;
  auto child = [](int& finished, int i) -> task<void> {
    co_await rt::sleep_for(std::chrono::milliseconds(i % 3));
    ++finished;
  };
  auto parent = [&]() -> task<result<int>> {
    rt::task_group group(h.rt());
    for (int i = 0; i < 100; ++i) group.spawn(child(finished, i));
    co_await group.join();
    co_return finished;
  };
  auto r = h.rt().block_on(parent());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 100);
}

TEST(TaskGroup, JoinOfAnEmptyGroupCompletesAtOnce) {
  rt_host h;
  auto parent = [&]() -> task<void> {
    rt::task_group group(h.rt());
    co_await group.join();
  };
  EXPECT_TRUE(h.rt().block_on(parent()));
}

TEST(TaskGroup, StoppingTheOwnerWhileItJoinsStopsTheChildren) {
  rt_host h;
  int canceled = 0;
  auto child = [](int& canceled) -> task<void> {
    auto r = co_await rt::sleep_for(1h);
    if (!r && r.error() == errc::canceled) ++canceled;
  };
  auto owner = [&]() -> task<void> {
    rt::task_group group(h.rt());
    group.spawn(child(canceled));
    group.spawn(child(canceled));
    co_await group.join();
  };
  rt::stop_source stop;
  h.rt().spawn(owner(), stop.token());
  h.rt().spawn([](rt::stop_source& s) -> task<void> {
    co_await rt::sleep_for(1ms);
    s.request_stop();
  }(stop));
  ASSERT_TRUE(h.rt().run());
  EXPECT_EQ(canceled, 2);
}

task<int> nested(rt::runtime& rt, int depth, int& leaves) {
  if (depth == 0) {
    co_await rt::yield();
    ++leaves;
    co_return 1;
  }
  rt::task_group group(rt);
  for (int i = 0; i < 3; ++i) group.spawn(nested(rt, depth - 1, leaves));
  co_await group.join();
  co_return 0;
}

TEST(TaskGroup, NestedGroupsJoinInsideOut) {
  rt_host h;
  int leaves = 0;
  auto r = h.rt().block_on(nested(h.rt(), 5, leaves));
  ASSERT_TRUE(r);
  EXPECT_EQ(leaves, 243);
}

TEST(TaskGroup, NestedGroupsAreAllStoppedFromTheTop) {
  rt_host h;
  int canceled = 0;
  std::function<task<void>(int)> level;
  level = [&](int depth) -> task<void> {
    if (depth == 0) {
      auto r = co_await rt::sleep_for(1h);
      if (!r && r.error() == errc::canceled) ++canceled;
      co_return;
    }
    rt::task_group group(h.rt());
    group.spawn(level(depth - 1));
    group.spawn(level(depth - 1));
    co_await group.join();
  };
  rt::stop_source stop;
  h.rt().spawn(level(4), stop.token());
  h.rt().spawn([](rt::stop_source& s) -> task<void> {
    co_await rt::sleep_for(2ms);
    s.request_stop();
  }(stop));
  ASSERT_TRUE(h.rt().run());
  EXPECT_EQ(canceled, 16);
}

TEST(TaskGroup, JoinWithinLetsQuickChildrenFinishAndStopsTheSlowOnes) {
  rt_host h;
  int finished = 0, canceled = 0;
  auto child = [](int& finished, int& canceled, std::chrono::milliseconds d) -> task<void> {
    auto r = co_await rt::sleep_for(d);
    if (r) ++finished; else if (r.error() == errc::canceled) ++canceled;
  };
  auto parent = [&]() -> task<result<void>> {
    rt::task_group group(h.rt());
    group.spawn(child(finished, canceled, 1ms));
    group.spawn(child(finished, canceled, 1h));
    co_return co_await group.join_within(50ms);
  };
  auto r = h.rt().block_on(parent());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::timedout);
  EXPECT_EQ(finished, 1);
  EXPECT_EQ(canceled, 1);
}

TEST(TaskGroup, JoinWithinSucceedsWhenEveryChildEndsInTime) {
  rt_host h;
  auto parent = [&]() -> task<result<void>> {
    rt::task_group group(h.rt());
    group.spawn([]() -> task<void> { co_await rt::sleep_for(1ms); }());
    co_return co_await group.join_within(1h);
  };
  EXPECT_TRUE(h.rt().block_on(parent()));
}

class TaskGroupOverSockets : public ::testing::TestWithParam<testbed::profile> {};

TEST_P(TaskGroupOverSockets, HandlerStopsItsReaderAndWriterTogether) {
  rt_host h(GetParam(), 1);
  auto listener = h.listener();
  rt_test::client c(h.port());
  result<std::size_t> reader_saw = fail(errc::inval);
  result<void> writer_saw = fail(errc::inval);
  auto handler = [&](rt::tcp_stream stream) -> task<void> {
    rt::task_group group(h.rt());  // the header's example, with a reader and a writer
    std::array<std::byte, 64> in{};
    group.spawn([](rt::tcp_stream& s, std::span<std::byte> b, result<std::size_t>& out) -> task<void> {
      out = co_await s.read(b);
    }(stream, in, reader_saw));
    group.spawn([](result<void>& out) -> task<void> { out = co_await rt::sleep_for(1h); }(writer_saw));
    co_await group.join();
  };
  auto serve = [&]() -> task<result<void>> {
    auto stream = co_await listener.accept();
    if (!stream) co_return fail(stream.error());
    rt::stop_source stop;
    h.rt().spawn(handler(std::move(*stream)), stop.token());
    co_await rt::sleep_for(2ms);
    stop.request_stop();
    while (h.rt().task_count() > 0) co_await rt::yield();
    co_return result<void>();
  };
  ASSERT_TRUE(h.rt().block_on(serve()));
  ASSERT_FALSE(reader_saw);
  EXPECT_EQ(reader_saw.error(), errc::canceled);
  ASSERT_FALSE(writer_saw);
  EXPECT_EQ(writer_saw.error(), errc::canceled);
  EXPECT_TRUE(c.sees_end_of_stream()) << "the handler's stream closed when it ended";
  EXPECT_TRUE(listener.close());
}

INSTANTIATE_TEST_SUITE_P(Profiles, TaskGroupOverSockets, ::testing::ValuesIn(rt_test::all_profiles), rt_test::profile_name);

}  // namespace
}  // namespace wasio
