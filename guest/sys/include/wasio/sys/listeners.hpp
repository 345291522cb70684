#pragma once
/// Discovery of the listening sockets a host pre-opened for the guest.
///
/// Preview1 has no preopen type for sockets (HOST-SEMANTICS.md 1): hosts such as wasmtime's
/// `--tcplisten` and wasio-run hand listeners over as fd 3, 4, ... and the guest finds them by probing.
/// A probe sees only "socket_stream", which a connected socket is too: wasio-run --waker pre-opens
/// one after the listeners (its host wake channel, named by WASIO_WAKER_FD). Discovery tells them
/// apart two ways: it skips the fd WASIO_WAKER_FD names, and when the host reports rights per socket
/// (at least one probed socket has the sock_accept right), it keeps only the sockets with that right,
/// which tells them apart where the host gives it to listeners only (wasio-run's strict profile).
/// Hosts that report the same rights for every socket (wasmtime's legacy host: 0x42, never
/// sock_accept; uvwasi: 0x3820004a, accept included) keep every socket.
///
/// Errors: whatever fd_fdstat_get returns for a probed fd other than badf (badf ends the scan); inval
///   when WASIO_WAKER_FD is set but is not a decimal fd number; those of environ_sizes_get/environ_get.
/// Notes: call it at startup, before the program accepts anything: an accepted connection is a
/// socket_stream too and, on a host that reports no rights, would be taken for a listener.
///
/// Example (compiled in examples/wakeup/main.cpp):
///   auto listeners = wasio::sys::find_listeners();
///   if (!listeners || listeners->empty()) { /* nothing to serve */ }

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "wasio/result.hpp"
#include "wasio/sys/sys.hpp"

namespace wasio::sys {

/// The first fd a host pre-opens after stdin, stdout and stderr.
inline constexpr fd_t first_preopened_fd = 3;
/// A host that never answers badf cannot keep the scan going forever.
inline constexpr std::size_t max_probed_fds = 4096;
/// The environment variable in which wasio-run --waker names the guest fd of its wake channel.
inline constexpr const char* waker_fd_variable = "WASIO_WAKER_FD";

/// The environment variable in which wasio-run (and the native front-end) names the guest fd of the
/// control stream that carries shutdown and reopen requests (docs/shutdown.md).
inline constexpr const char* control_fd_variable = "WASIO_CONTROL_FD";
/// The environment variable giving the host's grace period after a shutdown request, in ms.
inline constexpr const char* shutdown_timeout_variable = "WASIO_SHUTDOWN_TIMEOUT_MS";

/// The fd WASIO_CONTROL_FD names, nullopt when it is not set.
/// Errors: inval (not a decimal fd number); those of environ_sizes_get / environ_get.
result<std::optional<fd_t>> control_fd_from_environment();
/// The milliseconds in WASIO_SHUTDOWN_TIMEOUT_MS, nullopt when it is not set.
/// Errors: inval (not a decimal number); those of environ_sizes_get / environ_get.
result<std::optional<std::uint64_t>> shutdown_timeout_ms_from_environment();

/// The fd WASIO_WAKER_FD names, nullopt when it is not set.
/// Errors: inval (not a decimal fd number); those of environ_sizes_get / environ_get.
result<std::optional<fd_t>> waker_fd_from_environment();

/// Every fd from `first_preopened_fd` up to the first badf that is a listener (never the fds
/// WASIO_WAKER_FD and WASIO_CONTROL_FD name), as far as the host lets
/// the guest tell (see above), in fd order.
result<std::vector<fd_t>> find_listeners();

}  // namespace wasio::sys
