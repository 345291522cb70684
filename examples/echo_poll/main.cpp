// echo_poll: an echo server on wasio's readiness API, serving every listener the host pre-opened.
//   wasio-run --tcplisten 127.0.0.1:8080 build/bin/echo_poll.wasm
//   WASIO_TCPLISTEN=127.0.0.1:8080 build/bin/echo_poll

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "echo_poll_server.hpp"
#include "wasio/sys/listeners.hpp"

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
  // SIGTERM / SIGINT arrive on the host's control stream (docs/shutdown.md); without one, serve on.
  auto control = wasio::control_stream::from_environment();
  if (!control) return failed("cannot look for the control stream", control.error());
  if (!*control) {
    auto r = server.run();
    return failed("poll failed", r ? wasio::errc::success : r.error());
  }
  if (auto subscribed = (*control)->subscribe(true, false); !subscribed)
    return failed("cannot subscribe to shutdown requests", subscribed.error());
  const auto grace = std::chrono::milliseconds(wasio::sys::shutdown_timeout_ms_from_environment().value_or(std::nullopt).value_or(10000));
  auto r = server.run_until_shutdown(**control, grace - std::min(grace / 10, std::chrono::milliseconds(1000)));
  if (!r) return failed(r.error() == wasio::errc::timedout ? "drain timed out" : "poll failed", r.error());
  std::fprintf(stderr, "echo_poll: shut down cleanly\n");
  return 0;
}
