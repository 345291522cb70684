#pragma once
/// Discovery of the listening sockets a host pre-opened for the guest.
///
/// Preview1 has no preopen type for sockets (HOST-SEMANTICS.md 1): hosts such as wasmtime's
/// `--tcplisten` and wasio-run hand listeners over as fd 3, 4, ... and the guest finds them by probing.
///
/// Errors: whatever fd_fdstat_get returns for a probed fd other than badf (badf ends the scan).
/// Notes: call it at startup, before the program accepts anything: an accepted connection is a
/// socket_stream too and would be taken for a listener.
///
/// Example (compiled in examples/echo/main.cpp):
///   auto listeners = wasio::sys::find_listeners();
///   if (!listeners || listeners->empty()) { /* nothing to serve */ }

#include <cstddef>
#include <vector>

#include "wasio/result.hpp"
#include "wasio/sys/sys.hpp"

namespace wasio::sys {

/// The first fd a host pre-opens after stdin, stdout and stderr.
inline constexpr fd_t first_preopened_fd = 3;
/// A host that never answers badf cannot keep the scan going forever.
inline constexpr std::size_t max_probed_fds = 4096;

/// Every fd from `first_preopened_fd` up to the first badf whose filetype is socket_stream, in fd order.
result<std::vector<fd_t>> find_listeners();

}  // namespace wasio::sys
