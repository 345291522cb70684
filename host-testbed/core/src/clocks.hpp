#pragma once
// The four WASI clocks read through clock_gettime(2).

#include <cstdint>
#include <optional>

#include "wasio/sys/abi.hpp"

namespace wasio::testbed {

/// The host clock behind a WASI clock id; nullopt for an id outside 0..3 (hostile input).
std::optional<int> host_clock(std::uint32_t wasi_clock_id);
/// Nanoseconds on `host_clock_id` (a valid CLOCK_* value).
std::uint64_t read_clock_ns(int host_clock_id);
std::uint64_t monotonic_ns();
std::uint64_t realtime_ns();

}  // namespace wasio::testbed
