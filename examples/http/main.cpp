// http: an HTTP/1.1 server on wasio's coroutine runtime, serving every listening socket the host
// pre-opened. GET / says "Hello, World!", POST /echo returns the body, GET /stats gives counters.
//   wasio-run --tcplisten 127.0.0.1:8080 build/bin/http.wasm [--max-body-bytes=N ...]
//   WASIO_TCPLISTEN=127.0.0.1:8080 build/bin/http [--max-body-bytes=N ...]
// `http --help` lists the limits, their WASIO_HTTP_* environment variables and defaults.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http_server.hpp"
#include "server_config.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/tcp_listener.hpp"

namespace {

const char* from_environment(const char* name, void*) { return std::getenv(name); }

void report(const char* what, wasio::errc code) {
  const auto text = wasio::message(code);
  std::fprintf(stderr, "http: %s: %.*s\n", what, static_cast<int>(text.size()), text.data());
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> arguments(argv + (argc > 0 ? 1 : 0), argv + argc);
  std::string error;
  std::string help;
  const auto config = http::parse_server_config(arguments, &from_environment, nullptr, error, help);
  if (!config) {
    if (!help.empty()) {
      std::fputs(help.c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "http: %s\n", error.c_str());
    return 2;
  }

  wasio::rt::runtime rt;
  // SIGTERM / SIGINT (through wasio-run's control stream, or natively) start a drain.
  auto svc = wasio::rt::service::open(rt);
  if (!svc) {
    report("cannot listen for shutdown requests", svc.error());
    return 1;
  }
  auto listeners = wasio::rt::tcp_listener::preopened(rt);
  if (!listeners) {
    report("cannot look for pre-opened sockets", listeners.error());
    return 1;
  }
  if (listeners->empty()) {
    std::fprintf(stderr, "http: no pre-opened listening socket (run under `wasio-run --tcplisten ADDR:PORT` or "
                         "with WASIO_TCPLISTEN=ADDR:PORT)\n");
    return 1;
  }
  http::http_server server(rt, *config);
  std::fprintf(stderr, "http: serving %zu listener(s); limits: %s\n", listeners->size(), config->describe().c_str());
  const auto served = rt.block_on(server.run(*listeners, **svc));
  if (!served) {
    report(served.error() == wasio::errc::timedout ? "drain timed out, connections stopped" : "runtime stopped",
           served.error());
    return 1;
  }
  std::fprintf(stderr, "http: shut down cleanly (%llu requests)\n", static_cast<unsigned long long>(server.stats().requests));
  return 0;
}
