// echo: serves every listening socket the host pre-opened, echoing each connection byte for byte,
// on the coroutine runtime.
//   wasio-run --tcplisten 127.0.0.1:8080 build/bin/echo.wasm
//   WASIO_TCPLISTEN=127.0.0.1:8080 build/bin/echo

#include <cstdio>
#include <string>

#include "echo_server.hpp"

int main() {
  wasio::rt::error_log log("echo");  // Lifetime: before the runtime, whose accept loops report to it
  wasio::rt::runtime rt;
  // SIGTERM / SIGINT (through wasio-run's control stream, or natively) start a drain.
  auto svc = wasio::rt::service::open(rt);
  if (!svc) {
    wasio::report("echo: cannot listen for shutdown requests", svc.error());
    return 1;
  }
  auto listeners = wasio::rt::tcp_listener::preopened(rt);
  if (!listeners) {
    wasio::report("echo: cannot look for pre-opened sockets", listeners.error());
    return 1;
  }
  if (listeners->empty()) {
    std::fprintf(stderr, "echo: no pre-opened listening socket (run under `wasio-run --tcplisten ADDR:PORT` or "
                         "with WASIO_TCPLISTEN=ADDR:PORT)\n");
    return 1;
  }
  // The host's names (systemd's FileDescriptorName=, --tcplisten NAME=ADDR:PORT), as fd=name.
  std::string named;
  for (const auto& l : *listeners)
    if (!l.name().empty()) named += " " + std::to_string(l.socket().raw_fd()) + "=" + l.name();
  std::fprintf(stderr, "echo: serving %zu listener(s), first fd %u%s%s\n", listeners->size(),
               static_cast<unsigned>(listeners->front().socket().raw_fd()), named.empty() ? "" : ", named:",
               named.c_str());
  auto done = rt.block_on(echo::serve(rt, **svc, *listeners, log));
  if (!done) {
    wasio::report(done.error() == wasio::errc::timedout ? "echo: drain timed out" : "echo: runtime stopped", done.error());
    return 1;
  }
  std::fprintf(stderr, "echo: shut down cleanly\n");
  return 0;
}
