#include "clocks.hpp"

#include <time.h>

#include "host_impl.hpp"
#include "trace.hpp"

namespace wasio::testbed {

std::optional<int> host_clock(std::uint32_t wasi_clock_id) {
  switch (wasi_clock_id) {
    case 0: return CLOCK_REALTIME;
    case 1: return CLOCK_MONOTONIC;
    case 2: return CLOCK_PROCESS_CPUTIME_ID;
    case 3: return CLOCK_THREAD_CPUTIME_ID;
    default: return std::nullopt;
  }
}

std::uint64_t read_clock_ns(int host_clock_id) {
  timespec ts{};
  ::clock_gettime(host_clock_id, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t monotonic_ns() { return read_clock_ns(CLOCK_MONOTONIC); }
std::uint64_t realtime_ns() { return read_clock_ns(CLOCK_REALTIME); }

errc host::clock_time_get(abi::clockid clock, abi::timestamp precision, abi::timestamp& now) {
  now = 0;
  auto id = host_clock(static_cast<std::uint32_t>(clock));
  errc result = errc::success;
  if (!id) {
    result = errc::inval;
  } else {
    now = *id == CLOCK_REALTIME ? impl_->guest_realtime_ns() : read_clock_ns(*id);
  }
  impl_->trace_call("clock_time_get", result, "clock=", clock, ", precision=", precision);
  return result;
}

errc host::clock_res_get(abi::clockid clock, abi::timestamp& resolution) {
  resolution = 0;
  auto id = host_clock(static_cast<std::uint32_t>(clock));
  errc result = errc::success;
  timespec ts{};
  if (!id || ::clock_getres(*id, &ts) != 0) {
    result = errc::inval;
  } else {
    resolution = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
  }
  impl_->trace_call("clock_res_get", result, "clock=", clock);
  return result;
}

}  // namespace wasio::testbed
