// echo: serves every listening socket the host pre-opened, echoing each connection byte for byte,
// on the coroutine runtime.
//   wasio-run --tcplisten 127.0.0.1:8080 build/bin/echo.wasm
//   WASIO_TCPLISTEN=127.0.0.1:8080 build/bin/echo

#include <cstdio>

#include "echo_server.hpp"

int main() {
  wasio::rt::error_log log("echo");  // Lifetime: before the runtime, whose accept loops report to it
  wasio::rt::runtime rt;
  // SIGTERM / SIGINT (through wasio-run's control stream, or natively) start a drain.
  auto svc = wasio::rt::service::open(rt);
  if (!svc) {
    const auto text = wasio::message(svc.error());
    std::fprintf(stderr, "echo: cannot listen for shutdown requests: %.*s\n", static_cast<int>(text.size()), text.data());
    return 1;
  }
  auto listeners = wasio::rt::tcp_listener::preopened(rt);
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
               static_cast<unsigned>(listeners->front().socket().raw_fd()));
  auto done = rt.block_on(echo::serve(rt, **svc, *listeners, log));
  if (!done) {
    const auto text = wasio::message(done.error());
    std::fprintf(stderr, "echo: %s: %.*s\n", done.error() == wasio::errc::timedout ? "drain timed out" : "runtime stopped",
                 static_cast<int>(text.size()), text.data());
    return 1;
  }
  std::fprintf(stderr, "echo: shut down cleanly\n");
  return 0;
}
