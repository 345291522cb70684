// clock_time_get, clock_res_get, random_get, sched_yield, proc_exit.
#include <algorithm>

#include "test_support.hpp"

namespace wasio::testbed {
namespace {

using test::harness;

constexpr abi::clockid all_clocks[] = {abi::clockid::realtime, abi::clockid::monotonic,
                                       abi::clockid::process_cputime, abi::clockid::thread_cputime};

TEST(ClockTimeGet, ReadsEveryClock) {
  harness t;
  for (abi::clockid clock : all_clocks) {
    abi::timestamp now = 0;
    EXPECT_EQ(t.h().clock_time_get(clock, 1, now), errc::success);
    EXPECT_GT(now, 0u);
  }
}

TEST(ClockTimeGet, MonotonicNeverGoesBack) {
  harness t;
  abi::timestamp first = 0, second = 0;
  ASSERT_EQ(t.h().clock_time_get(abi::clockid::monotonic, 1, first), errc::success);
  ASSERT_EQ(t.h().clock_time_get(abi::clockid::monotonic, 1, second), errc::success);
  EXPECT_GE(second, first);
}

TEST(ClockTimeGet, RealtimeIsAfter2020) {
  harness t;
  abi::timestamp now = 0;
  ASSERT_EQ(t.h().clock_time_get(abi::clockid::realtime, 1, now), errc::success);
  EXPECT_GT(now, 1'577'836'800ull * 1'000'000'000ull);
}

TEST(ClockTimeGet, RejectsAnUnknownClockWithInval) {
  harness t;
  for (std::uint32_t id : {4u, 5u, 0xffffffffu}) {
    abi::timestamp now = 7;
    EXPECT_EQ(t.h().clock_time_get(static_cast<abi::clockid>(id), 1, now), errc::inval);
  }
}

TEST(ClockResGet, ReportsAPositiveResolutionForEveryClock) {
  harness t;
  for (abi::clockid clock : all_clocks) {
    abi::timestamp resolution = 0;
    EXPECT_EQ(t.h().clock_res_get(clock, resolution), errc::success);
    EXPECT_GT(resolution, 0u);
  }
}

TEST(ClockResGet, RejectsAnUnknownClockWithInval) {
  harness t;
  abi::timestamp resolution = 0;
  EXPECT_EQ(t.h().clock_res_get(static_cast<abi::clockid>(9), resolution), errc::inval);
}

TEST(RandomGet, FillsTheWholeBuffer) {
  harness t;
  std::vector<std::byte> bytes(4096, std::byte{0});
  ASSERT_EQ(t.h().random_get(bytes), errc::success);
  // 4096 random bytes are all zero with probability 2^-32768.
  EXPECT_NE(std::count(bytes.begin(), bytes.end(), std::byte{0}), 4096);
}

TEST(RandomGet, TwoCallsGiveDifferentBytes) {
  harness t;
  std::vector<std::byte> a(32), b(32);
  ASSERT_EQ(t.h().random_get(a), errc::success);
  ASSERT_EQ(t.h().random_get(b), errc::success);
  EXPECT_NE(a, b);
}

TEST(RandomGet, AcceptsAnEmptyBuffer) {
  harness t;
  EXPECT_EQ(t.h().random_get({}), errc::success);
}

TEST(SchedYield, Succeeds) {
  harness t;
  EXPECT_EQ(t.h().sched_yield(), errc::success);
}

TEST(ProcExit, RecordsTheExitCode) {
  harness t;
  EXPECT_EQ(t.h().exit_code(), std::nullopt);
  t.h().proc_exit(42);
  EXPECT_EQ(t.h().exit_code(), 42u);
}

}  // namespace
}  // namespace wasio::testbed
