#pragma once
// Host errno -> WASI errno.

#include "wasio/errc.hpp"

namespace wasio::testbed {

/// The WASI errno for a Linux errno value; io for anything WASI has no name for.
errc from_errno(int host_errno);

}  // namespace wasio::testbed
