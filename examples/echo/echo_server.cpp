// The echo server's tasks: an accept loop per listener and a handler per connection.

#include "echo_server.hpp"

#include <array>
#include <cstdio>
#include <span>
#include <utility>

#include "wasio/rt/accept_loop.hpp"
#include "wasio/rt/with_stop.hpp"

namespace echo {
namespace {

using wasio::errc;

void report(const char* what, errc code) {
  const auto text = wasio::message(code);
  std::fprintf(stderr, "echo: %s: %.*s\n", what, static_cast<int>(text.size()), text.data());
}

}  // namespace

wasio::task<void> serve_connection(wasio::rt::tcp_stream stream, wasio::rt::stop_token shutdown) {
  std::array<std::byte, read_buffer_size> buffer;
  for (;;) {
    // Only the read waits for the shutdown: bytes already read are written back in full.
    auto n = shutdown.stop_possible() ? co_await wasio::rt::with_stop(shutdown, stream.read(buffer))
                                      : co_await stream.read(buffer);
    if (!n && n.error() == errc::canceled && shutdown.stop_requested()) break;  // shutting down
    if (!n) co_return;      // reset or failed: the stream closes when the frame goes
    if (*n == 0) break;     // the peer finished sending and got everything back
    if (!co_await stream.write_all(std::span(buffer).first(*n))) co_return;
  }
  (void)stream.shutdown(wasio::net::shutdown_how::write);
}

wasio::task<void> accept_loop(wasio::rt::runtime& rt, wasio::rt::tcp_listener& listener) {
  return wasio::rt::accept_loop(
      listener, [&rt](wasio::rt::tcp_stream stream) { rt.spawn(serve_connection(std::move(stream))); },
      [](errc code) { report("accept failed", code); });
}

wasio::task<wasio::result<void>> serve(wasio::rt::runtime& rt, wasio::rt::service& svc,
                                       std::vector<wasio::rt::tcp_listener>& listeners) {
  const wasio::rt::stop_token shutdown = svc.shutdown_token();
  co_return co_await wasio::rt::serve_until_shutdown(
      rt, svc, listeners, [shutdown](wasio::rt::tcp_stream s) { return serve_connection(std::move(s), shutdown); },
      [](errc code) { report("accept failed", code); });
}

}  // namespace echo
