#pragma once
/// wasio::rt::clock: the runtime's monotonic clock (WASI's monotonic clock, through wasio::sys).
///
/// Errors: none; a host without a monotonic clock is unusable for timers and traps with a message.
/// Notes: meets the std::chrono Clock requirements, so std::chrono durations and literals work.
///
/// Example (compiled in tests/guest/rt_timer_test.cpp):
///   const auto start = wasio::rt::clock::now();
///   co_await wasio::rt::sleep_until(start + 5ms);

#include <chrono>
#include <cstdint>

namespace wasio::rt {

struct clock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<clock>;
  static constexpr bool is_steady = true;
  static time_point now();
};

}  // namespace wasio::rt
