// echo_poll: an echo server on wasio's readiness API, serving every listener the host pre-opened.
//   wasio-run --tcplisten 127.0.0.1:8080 build/bin/echo_poll.wasm
//   WASIO_TCPLISTEN=127.0.0.1:8080 build/bin/echo_poll

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "echo_poll_server.hpp"
#include "wasio/sys/listeners.hpp"

namespace {
}  // namespace

int main() {
  auto listeners = wasio::net::preopened_listeners();
  if (!listeners) {
    wasio::report("echo_poll: cannot look for pre-opened listeners", listeners.error());
    return 1;
  }
  if (listeners->empty()) {
    std::fprintf(stderr, "echo_poll: no pre-opened listening socket (run under `wasio-run --tcplisten ADDR:PORT` "
                         "or with WASIO_TCPLISTEN=ADDR:PORT)\n");
    return 1;
  }
  std::fprintf(stderr, "echo_poll: serving %zu listener(s)\n", listeners->size());
  echo_poll::server server(std::move(*listeners));
  // SIGTERM / SIGINT arrive on the host's control stream (docs/shutdown.md); without one, serve on.
  auto control = wasio::control_stream::from_environment();
  if (!control) {
    wasio::report("echo_poll: cannot look for the control stream", control.error());
    return 1;
  }
  if (!*control) {
    auto r = server.run();
    wasio::report("echo_poll: poll failed", r ? wasio::errc::success : r.error());
    return 1;
  }
  if (auto subscribed = (*control)->subscribe(true, false); !subscribed) {
    wasio::report("echo_poll: cannot subscribe to shutdown requests", subscribed.error());
    return 1;
  }
  const auto grace = std::chrono::milliseconds(wasio::sys::shutdown_timeout_ms_from_environment().value_or(std::nullopt).value_or(10000));
  auto r = server.run_until_shutdown(**control, grace - std::min(grace / 10, std::chrono::milliseconds(1000)));
  if (!r) {
    wasio::report(r.error() == wasio::errc::timedout ? "echo_poll: drain timed out" : "echo_poll: poll failed", r.error());
    return 1;
  }
  std::fprintf(stderr, "echo_poll: shut down cleanly\n");
  return 0;
}
