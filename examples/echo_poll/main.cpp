// echo_poll: an echo server on wasio's readiness API, serving every listener the host pre-opened.
//   wasio-run --tcplisten 127.0.0.1:8080 build/bin/echo_poll.wasm
//   WASIO_TCPLISTEN=127.0.0.1:8080 build/bin/echo_poll

#include <cstdio>

#include "echo_poll_server.hpp"

namespace {
int failed(const char* what, wasio::errc code) {
  const auto text = wasio::message(code);
  std::fprintf(stderr, "echo_poll: %s: %.*s\n", what, static_cast<int>(text.size()), text.data());
  return 1;
}
}  // namespace

int main() {
  auto listeners = wasio::net::preopened_listeners();
  if (!listeners) return failed("cannot look for pre-opened listeners", listeners.error());
  if (listeners->empty()) {
    std::fprintf(stderr, "echo_poll: no pre-opened listening socket (run under `wasio-run --tcplisten ADDR:PORT` "
                         "or with WASIO_TCPLISTEN=ADDR:PORT)\n");
    return 1;
  }
  std::fprintf(stderr, "echo_poll: serving %zu listener(s)\n", listeners->size());
  echo_poll::server server(std::move(*listeners));
  auto r = server.run();
  return failed("poll failed", r ? wasio::errc::success : r.error());
}
