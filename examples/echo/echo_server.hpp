#pragma once
/// echo_server: a byte-exact TCP echo server on the coroutine runtime (wasio::rt).
///
/// One accept loop per pre-opened listener; one task per connection that reads into a buffer in
/// its own frame and writes it all back before reading again, so a client that stops reading
/// stalls only itself and memory per connection stays one buffer. When the peer half-closes, the
/// handler shuts down its own sending side once everything was echoed; a reset ends the handler.
///
/// Notes: the runtime's fairness budgets keep a chatty connection from starving the acceptors.

#include <cstddef>
#include <vector>

#include "wasio/rt/error_log.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/task.hpp"
#include "wasio/rt/tcp_listener.hpp"
#include "wasio/rt/tcp_stream.hpp"

namespace echo {

/// Bytes each connection reads at a time (the buffer lives in the handler's frame).
inline constexpr std::size_t read_buffer_size = 4096;

/// Echoes `stream` until the peer finishes or fails; closes it at the end.
wasio::task<void> serve_connection(wasio::rt::tcp_stream stream);

/// Accepts on `listener` and spawns serve_connection for each client, until stopped or the
/// listener fails for good. Accept errors go to `log` (rate-limited), which must outlive the loop.
wasio::task<void> accept_loop(wasio::rt::runtime& rt, wasio::rt::tcp_listener& listener, wasio::rt::error_log& log);

}  // namespace echo
