// wasio::sys::poll_oneoff and interrupt_poll over wasi_snapshot_preview1.

#include "imports.hpp"
#include "wasio/sys/sys.hpp"

namespace wasio::sys {

result<std::size_t> poll_oneoff(const abi::subscription* in, abi::event* out, std::size_t count) {
  std::uint32_t nevents = 0;
  // Safety: abi::subscription and abi::event are the preview1 wire layouts (pinned in abi.hpp), so the
  // caller's arrays go to the host as they are; the host writes at most `count` events.
  if (auto r = wasi::to_result(wasi::wasio_wasi_poll_oneoff(in, out, static_cast<std::uint32_t>(count), &nevents));
      !r)
    return fail(r.error());
  return static_cast<std::size_t>(nevents);
}

// Preview1 has no way for one thread to cut another's poll_oneoff short.
result<void> interrupt_poll() { return fail(errc::notsup); }

}  // namespace wasio::sys
