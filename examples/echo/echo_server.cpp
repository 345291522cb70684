// The echo server's tasks: an accept loop per listener and a handler per connection.

#include "echo_server.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <span>
#include <utility>

#include "wasio/rt/time.hpp"

namespace echo {
namespace {

using wasio::errc;

void report(const char* what, errc code) {
  const auto text = wasio::message(code);
  std::fprintf(stderr, "echo: %s: %.*s\n", what, static_cast<int>(text.size()), text.data());
}

bool out_of_resources(errc code) {
  return code == errc::mfile || code == errc::nfile || code == errc::nobufs || code == errc::nomem;
}

}  // namespace

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

wasio::task<void> accept_loop(wasio::rt::runtime& rt, wasio::rt::tcp_listener& listener) {
  for (;;) {
    auto stream = co_await listener.accept();
    if (stream) {
      rt.spawn(serve_connection(std::move(*stream)));
      continue;
    }
    const errc code = stream.error();
    if (code == errc::canceled || code == errc::badf) co_return;
    if (code == errc::connaborted) continue;  // that client is gone; the next one is not
    report("accept failed", code);
    // Out of descriptors (or a host hiccup): give connections a moment to close, then go on.
    if (out_of_resources(code) || code == errc::io) {
      (void)co_await wasio::rt::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    co_return;
  }
}

}  // namespace echo
