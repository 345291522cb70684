// wasio::rt::clock over WASI's monotonic clock.

#include "wasio/rt/clock.hpp"

#include <cstdio>
#include <cstdlib>

#include "wasio/sys/sys.hpp"

namespace wasio::rt {

clock::time_point clock::now() {
  auto t = sys::clock_time_get(abi::clockid::monotonic);
  if (!t) {
    const auto text = name(t.error());
    std::fprintf(stderr, "wasio: the host has no monotonic clock (%.*s); timers cannot work\n",
                 static_cast<int>(text.size()), text.data());
    std::abort();
  }
  return time_point(duration(static_cast<rep>(*t)));
}

}  // namespace wasio::rt
