#pragma once
// The four WASI clocks read through clock_gettime(2).

#include <time.h>

#include <cstdint>
#include <optional>

#include "wasio/sys/abi.hpp"

namespace wasio::testbed {

// Inline: a guest reads a clock several times per request (clock_time_get, every poll_oneoff),
// and the out-of-line calls cost as much as the vDSO read itself.

/// The host clock behind a WASI clock id; nullopt for an id outside 0..3 (hostile input).
inline std::optional<int> host_clock(std::uint32_t wasi_clock_id) {
  switch (wasi_clock_id) {
    case 0: return CLOCK_REALTIME;
    case 1: return CLOCK_MONOTONIC;
    case 2: return CLOCK_PROCESS_CPUTIME_ID;
    case 3: return CLOCK_THREAD_CPUTIME_ID;
    default: return std::nullopt;
  }
}

/// Nanoseconds on `host_clock_id` (a valid CLOCK_* value).
inline std::uint64_t read_clock_ns(int host_clock_id) {
  timespec ts{};
  ::clock_gettime(host_clock_id, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

inline std::uint64_t monotonic_ns() { return read_clock_ns(CLOCK_MONOTONIC); }
inline std::uint64_t realtime_ns() { return read_clock_ns(CLOCK_REALTIME); }

}  // namespace wasio::testbed
