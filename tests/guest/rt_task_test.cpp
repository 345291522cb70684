// wasio::task: laziness, values, symmetric transfer, lifetimes, the frame allocator hook.

#include "wasio/rt/task.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <type_traits>

#include "rt_test_support.hpp"
#include "wasio/rt/frame_allocator.hpp"

namespace wasio {
namespace {

using rt_test::rt_host;

static_assert(!std::is_copy_constructible_v<task<int>>, "tasks are move-only");
static_assert(std::is_nothrow_move_constructible_v<task<int>>);

task<int> answer() { co_return 42; }  // the header's example
task<result<int>> twice() {
  const int a = co_await answer();
  co_return a * 2;
}

TEST(Task, BlockOnGivesTheResultOfTheHeaderExample) {
  rt_host h;
  auto r = h.rt().block_on(twice());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 84);
}

TEST(Task, IsLazyUntilAwaited) {
  rt_host h;
  int started = 0;
  auto body = [&]() -> task<void> {
    ++started;
    co_return;
  };
  {
    task<void> t = body();
    EXPECT_EQ(started, 0);
  }
  EXPECT_EQ(started, 0) << "a task destroyed unawaited never ran";
  auto t = body();
  EXPECT_EQ(started, 0);
  ASSERT_TRUE(h.rt().block_on(std::move(t)));
  EXPECT_EQ(started, 1);
}

TEST(Task, FailedResultsTravelAsValues) {
  rt_host h;
  auto failing = []() -> task<result<std::string>> { co_return fail(errc::connreset); };
  auto outer = [&]() -> task<result<std::size_t>> {
    auto got = co_await failing();
    if (!got) co_return fail(got.error());
    co_return got->size();
  };
  auto r = h.rt().block_on(outer());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::connreset);
}

TEST(Task, MoveOnlyValuesComeBackIntact) {
  rt_host h;
  auto make = []() -> task<std::unique_ptr<int>> { co_return std::make_unique<int>(7); };
  auto r = h.rt().block_on(make());
  ASSERT_TRUE(r);
  ASSERT_NE(r->get(), nullptr);
  EXPECT_EQ(**r, 7);
}

task<int> one() { co_return 1; }

TEST(Task, AwaitingTenThousandFinishedTasksInALoopUsesConstantStack) {
#if defined(__SANITIZE_ADDRESS__) && !defined(__clang__)
  // GCC emits no tail call for a symmetric transfer under AddressSanitizer, at any -O level, so
  // this property exists only in the normal build, which runs this test.
  GTEST_SKIP() << "GCC with ASan does not tail-call symmetric transfers";
#endif
  rt_host h;
  // A chain of non-symmetric resumes would need ~10^5 nested frames here and overflow the stack.
  auto sum = []() -> task<long> {
    long total = 0;
    for (int i = 0; i < 1'000'000; ++i) total += co_await one();
    co_return total;
  };
  auto r = h.rt().block_on(sum());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 1'000'000);
}

struct lifetime_counter {
  static inline int alive = 0;
  lifetime_counter() { ++alive; }
  lifetime_counter(const lifetime_counter&) { ++alive; }
  ~lifetime_counter() { --alive; }
};

TEST(Task, FramesAndTheirLocalsAreDestroyedExactlyOnce) {
  rt_host h;
  lifetime_counter::alive = 0;
  auto inner = [](lifetime_counter) -> task<int> {
    lifetime_counter local;
    co_return 3;
  };
  auto outer = [&]() -> task<int> {
    lifetime_counter local;
    int a = co_await inner(lifetime_counter{});
    int b = co_await inner(lifetime_counter{});
    co_return a + b;
  };
  {
    auto never_started = outer();
    EXPECT_EQ(lifetime_counter::alive, 0);
  }
  auto r = h.rt().block_on(outer());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 6);
  EXPECT_EQ(lifetime_counter::alive, 0);
}

struct counting_state {
  std::size_t allocations = 0, deallocations = 0, live_bytes = 0;
};
void* count_allocate(void* context, std::size_t size) {
  auto& s = *static_cast<counting_state*>(context);
  ++s.allocations;
  s.live_bytes += size;
  return ::operator new(size);
}
void count_deallocate(void* context, void* frame, std::size_t size) {
  auto& s = *static_cast<counting_state*>(context);
  ++s.deallocations;
  s.live_bytes -= size;
  ::operator delete(frame, size);
}

TEST(Task, FramesComeFromTheInstalledFrameAllocator) {
  rt_host h;
  counting_state state;
  wasio::rt::frame_allocator counting{&state, &count_allocate, &count_deallocate};  // the header's example
  auto previous = wasio::rt::set_frame_allocator(&counting);
  {
    auto r = h.rt().block_on(twice());
    ASSERT_TRUE(r);
  }
  wasio::rt::set_frame_allocator(previous);
  // twice() and answer(); a compiler may elide the inlined child's frame (clang's HALO).
  EXPECT_GE(state.allocations, 1u);
  EXPECT_LE(state.allocations, 2u);
  EXPECT_EQ(state.deallocations, state.allocations);
  EXPECT_EQ(state.live_bytes, 0u);
  EXPECT_EQ(wasio::rt::current_frame_allocator(), previous);
}

TEST(Task, BlockOnAVoidTaskGivesAnEmptySuccess) {
  rt_host h;
  bool ran = false;
  auto body = [&]() -> task<void> {
    ran = true;
    co_return;
  };
  EXPECT_TRUE(h.rt().block_on(body()));
  EXPECT_TRUE(ran);
}

TEST(TaskDeathTest, AwaitingAMovedFromTaskTraps) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        rt_host h;
        auto t = answer();
        auto moved = std::move(t);
        (void)h.rt().block_on(std::move(t));
      },
      "empty");
}

TEST(TaskDeathTest, AwaitingATaskTwiceTraps) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        rt_host h;
        auto t = answer();
        auto twice = [](task<int>& once) -> task<int> {
          const int a = co_await std::move(once);
          const int b = co_await std::move(once);  // the frame already ran to its end
          co_return a + b;
        };
        (void)h.rt().block_on(twice(t));
      },
      "awaited already");
}

TEST(Task, AwaitingConsumesTheTask) {
  rt_host h;
  auto t = answer();
  auto body = [](task<int>& once) -> task<int> { co_return co_await std::move(once); };
  auto r = h.rt().block_on(body(t));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 42);
  EXPECT_FALSE(t.valid()) << "the awaiter owns the frame once awaited";
}

}  // namespace
}  // namespace wasio
