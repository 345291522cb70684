#pragma once
/// echo_server: a byte-exact TCP echo server on the coroutine runtime (wasio::rt).
///
/// One accept loop per pre-opened listener; one task per connection that reads into a buffer in
/// its own frame and writes it all back before reading again, so a client that stops reading
/// stalls only itself and memory per connection stays one buffer. When the peer half-closes, the
/// handler shuts down its own sending side once everything was echoed; a reset ends the handler.
///
/// Shutdown (rt::service): the accept loops end and the listeners close; each connection stops
/// reading, finishes writing back what it read, shuts down its sending side and closes; connections
/// still busy after the drain timeout are stopped.
/// Notes: the runtime's fairness budgets keep a chatty connection from starving the acceptors.

#include <chrono>
#include <cstddef>
#include <vector>

#include "wasio/rt/error_log.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/service.hpp"
#include "wasio/rt/task.hpp"
#include "wasio/rt/tcp_listener.hpp"
#include "wasio/rt/tcp_stream.hpp"
#if WASIO_HAVE_GUEST_TLS
#include "wasio/tls/stream.hpp"
#endif

namespace wasio::tls {
class server_config;  // wasio/tls/server_config.hpp (when this build has in-guest TLS)
}

namespace echo {

/// Bytes each connection reads at a time (the buffer lives in the handler's frame).
inline constexpr std::size_t read_buffer_size = 4096;

/// Echoes `stream` until the peer finishes or fails, or `shutdown` stops; closes it at the end.
wasio::task<void> serve_connection(wasio::rt::tcp_stream stream, wasio::rt::stop_token shutdown = {});

/// Accepts on `listener` and spawns serve_connection for each client, until stopped or the
/// listener fails for good. Accept errors go to `log` (rate-limited), which must outlive the loop.
wasio::task<void> accept_loop(wasio::rt::runtime& rt, wasio::rt::tcp_listener& listener, wasio::rt::error_log& log);

#if WASIO_HAVE_GUEST_TLS
/// The same echo over in-guest TLS (`echo --tls-cert --tls-key`, docs/tls.md): a handshake within
/// handshake_timeout, the echo, then close_notify. `tls` must outlive the connection.
/// Notes: a peer's close_notify ends the echo as a FIN does; BearSSL answers it with its own at
/// once, so bytes read before it are echoed but nothing can follow it (TLS 1.2 has no half-close).
inline constexpr std::chrono::seconds handshake_timeout{10};
wasio::task<void> serve_tls_connection(wasio::rt::tcp_stream stream, wasio::tls::server_config& tls,
                                       wasio::rt::stop_token shutdown = {});
#endif

/// Serves every listener until `svc` says shutdown, then drains (see above). Errors: timedout when
/// connections had to be stopped after svc.drain_timeout().
/// With `tls`, every connection is served by serve_tls_connection.
wasio::task<wasio::result<void>> serve(wasio::rt::runtime& rt, wasio::rt::service& svc,
                                       std::vector<wasio::rt::tcp_listener>& listeners, wasio::rt::error_log& log,
                                       wasio::tls::server_config* tls = nullptr);

}  // namespace echo
