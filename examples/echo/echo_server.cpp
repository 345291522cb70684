// The echo server's tasks: an accept loop per listener and a handler per connection.

#include "echo_server.hpp"

#include <array>
#include <span>
#include <utility>

#include "wasio/rt/accept_loop.hpp"
#include "wasio/rt/with_stop.hpp"

namespace echo {

wasio::task<void> serve_connection(wasio::rt::tcp_stream stream, wasio::rt::stop_token shutdown) {
  std::array<std::byte, read_buffer_size> buffer;
  for (;;) {
    // Only the read waits for the shutdown: bytes already read are written back in full.
    // (Two statements rather than ?: around co_await, which GCC 12 gets wrong.)
    wasio::result<std::size_t> n = wasio::fail(wasio::errc::canceled);
    if (shutdown.stop_possible()) n = co_await wasio::rt::with_stop(shutdown, stream.read(buffer));
    else n = co_await stream.read(buffer);
    if (!n && n.error() == wasio::errc::canceled && shutdown.stop_requested()) break;  // shutting down
    if (!n) co_return;      // reset or failed: the stream closes when the frame goes
    if (*n == 0) break;     // the peer finished sending and got everything back
    if (!co_await stream.write_all(std::span(buffer).first(*n))) co_return;
  }
  (void)stream.shutdown(wasio::net::shutdown_how::write);
}

wasio::task<void> accept_loop(wasio::rt::runtime& rt, wasio::rt::tcp_listener& listener, wasio::rt::error_log& log) {
  return wasio::rt::accept_loop(
      listener, [&rt](wasio::rt::tcp_stream stream) { rt.spawn(serve_connection(std::move(stream))); }, log);
}

wasio::task<wasio::result<void>> serve(wasio::rt::runtime& rt, wasio::rt::service& svc,
                                       std::vector<wasio::rt::tcp_listener>& listeners, wasio::rt::error_log& log) {
  const wasio::rt::stop_token shutdown = svc.shutdown_token();
  co_return co_await wasio::rt::serve_until_shutdown(
      rt, svc, listeners, [shutdown](wasio::rt::tcp_stream s) { return serve_connection(std::move(s), shutdown); },
      [&log](wasio::errc code) { log.report("accept failed", code); });
}

}  // namespace echo
