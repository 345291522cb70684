// echo: serves every listening socket the host pre-opened, echoing each connection byte for byte.
//   wasio-run --tcplisten 127.0.0.1:8080 build/bin/echo.wasm
//   WASIO_TCPLISTEN=127.0.0.1:8080 build/bin/echo

#include <cstdio>

#include "echo_server.hpp"
#include "wasio/sys/listeners.hpp"

int main() {
  auto listeners = wasio::sys::find_listeners();
  if (!listeners) {
    const auto text = wasio::message(listeners.error());
    std::fprintf(stderr, "echo: cannot look for pre-opened sockets: %.*s\n", static_cast<int>(text.size()), text.data());
    return 1;
  }
  if (listeners->empty()) {
    std::fprintf(stderr, "echo: no pre-opened listening socket (run under `wasio-run --tcplisten ADDR:PORT` or "
                         "with WASIO_TCPLISTEN=ADDR:PORT)\n");
    return 1;
  }
  std::fprintf(stderr, "echo: serving %zu listener(s), first fd %u\n", listeners->size(),
               static_cast<unsigned>(listeners->front()));
  echo::echo_server server(std::move(*listeners));
  const wasio::errc stopped = server.run();
  const auto text = wasio::message(stopped);
  std::fprintf(stderr, "echo: poll_oneoff failed: %.*s\n", static_cast<int>(text.size()), text.data());
  return 1;
}
