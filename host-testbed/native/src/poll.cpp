// wasio::sys::poll_oneoff and interrupt_poll for natively linked guests.

#include "wasio/sys/sys.hpp"
#include "wasio/testbed/native.hpp"

namespace wasio::sys {

result<std::size_t> poll_oneoff(const abi::subscription* in, abi::event* out, std::size_t count) {
  if (count != 0 && (in == nullptr || out == nullptr)) return fail(errc::fault);
  std::uint32_t nevents = 0;
  // Safety: the contract gives `count` entries at both `in` and `out`; empty spans for count 0 let
  // the host give its own answer (inval) instead of us guessing it.
  const auto code = testbed::native::current().poll_oneoff(std::span<const abi::subscription>(in, count),
                                                           std::span<abi::event>(out, count), nevents);
  if (code != errc::success) return fail(code);
  return static_cast<std::size_t>(nevents);
}

result<void> interrupt_poll() {
  testbed::native::current().wake();
  return {};
}

}  // namespace wasio::sys
