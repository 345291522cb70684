// A minimal server on wasio's runtime: every pre-opened listener is served, and each connection gets
// every byte it sends back, upper-cased, until it closes. Replace serve() with your protocol.
//   wasio-run --tcplisten 127.0.0.1:8080 build-wasm/starter_server.wasm
//   WASIO_TCPLISTEN=127.0.0.1:8080 build/starter_server

#include <array>
#include <cctype>
#include <cstdio>
#include <span>
#include <utility>

#include "wasio/rt/accept_loop.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/tcp_listener.hpp"
#include "wasio/rt/tcp_stream.hpp"

namespace {

wasio::task<void> serve(wasio::rt::tcp_stream stream) {
  std::array<std::byte, 4096> buffer;
  for (;;) {
    auto n = co_await stream.read(buffer);
    if (!n || *n == 0) co_return;  // an error, or the peer finished: the stream closes with the frame
    for (std::byte& b : std::span(buffer).first(*n)) {
      b = static_cast<std::byte>(std::toupper(static_cast<unsigned char>(b)));
    }
    if (!co_await stream.write_all(std::span(buffer).first(*n))) co_return;
  }
}

}  // namespace

int main() {
  wasio::rt::runtime rt;
  auto listeners = wasio::rt::tcp_listener::preopened(rt);
  if (!listeners || listeners->empty()) {
    std::fprintf(stderr, "starter_server: no pre-opened listener (wasio-run --tcplisten ADDR:PORT, "
                         "or WASIO_TCPLISTEN=ADDR:PORT natively)\n");
    return 1;
  }
  for (auto& listener : *listeners) {
    rt.spawn(wasio::rt::accept_loop(
        listener, [&rt](wasio::rt::tcp_stream s) { rt.spawn(serve(std::move(s))); },
        [](wasio::errc code) {
          const auto text = wasio::message(code);
          std::fprintf(stderr, "starter_server: accept failed: %.*s\n", static_cast<int>(text.size()), text.data());
        }));
  }
  std::fprintf(stderr, "starter_server: serving %zu listener(s)\n", listeners->size());
  return rt.run() ? 0 : 1;
}
