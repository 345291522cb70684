#include "clocks.hpp"

#include <time.h>

#include "host_impl.hpp"
#include "trace.hpp"

namespace wasio::testbed {

errc host::clock_time_get(abi::clockid clock, abi::timestamp precision, abi::timestamp& now) {
  now = 0;
  auto id = host_clock(static_cast<std::uint32_t>(clock));
  errc result = errc::success;
  if (!id) {
    result = errc::inval;
  } else {
    // Without the fault layer the guest's realtime is the host's (guest_realtime_ns adds nothing).
    now = *id == CLOCK_REALTIME && impl_->faults_ ? impl_->guest_realtime_ns() : read_clock_ns(*id);
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
