// The echo server's tasks: an accept loop per listener and a handler per connection.

#include "echo_server.hpp"

#include <array>
#include <span>
#include <utility>

#include "wasio/rt/accept_loop.hpp"

namespace echo {

wasio::task<void> serve_connection(wasio::rt::tcp_stream stream) {
  std::array<std::byte, read_buffer_size> buffer;
  for (;;) {
    auto n = co_await stream.read(buffer);
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

}  // namespace echo
