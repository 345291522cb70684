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

/// `d` as a clock::duration, saturated at clock::duration's limits instead of overflowing:
/// std::chrono::hours::max() stays "as long as the clock can count", not a negative wait.
template <class Rep, class Period>
constexpr clock::duration to_clock_duration(std::chrono::duration<Rep, Period> d) {
  // Compared in double (native on wasm32, unlike long double): the limits are +-2^63 exactly, and a
  // value that rounds below them is at least 1024 ns inside, so the integer cast cannot overflow.
  using wide = std::chrono::duration<double, std::nano>;
  const wide ns = d;
  if (ns >= wide(clock::duration::max())) return clock::duration::max();
  if (ns <= wide(clock::duration::min())) return clock::duration::min();
  return std::chrono::duration_cast<clock::duration>(d);
}

/// from + d, saturated at the time_point limits: a huge timeout means "never", where the plain sum
/// would wrap into the past and fire at once.
constexpr clock::time_point deadline_after(clock::time_point from, clock::duration d) {
  if (d > clock::duration::zero() && d > clock::time_point::max() - from) return clock::time_point::max();
  if (d < clock::duration::zero() && d < clock::duration::min() + from.time_since_epoch()) return clock::time_point::min();
  return from + d;
}

/// clock::now() + d, saturated as above.
inline clock::time_point deadline_after(clock::duration d) { return deadline_after(clock::now(), d); }

}  // namespace wasio::rt
