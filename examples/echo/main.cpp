// echo: serves every listening socket the host pre-opened, echoing each connection byte for byte,
// on the coroutine runtime.
//   wasio-run --tcplisten 127.0.0.1:8080 build/bin/echo.wasm
//   WASIO_TCPLISTEN=127.0.0.1:8080 build/bin/echo
// Over TLS done by the guest itself (docs/tls.md "In-guest TLS"):
//   wasio-run --tcplisten 127.0.0.1:8443 --dir-ro ./certs::/certs build/bin/echo.wasm
//     --tls-cert=/certs/cert.pem --tls-key=/certs/key.pem

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "echo_server.hpp"
#include "tls_arguments.hpp"
#if WASIO_HAVE_GUEST_TLS
#include "wasio/tls/server_config.hpp"
#endif

int main(int argc, char** argv) {
  std::vector<std::string_view> arguments(argv + (argc > 0 ? 1 : 0), argv + argc);
  examples::tls_arguments tls_files;
  std::string error;
  if (!examples::take_tls_arguments(arguments, tls_files, error) || !arguments.empty()) {
    if (error.empty()) error = "unknown argument " + std::string(arguments.front());
    std::fprintf(stderr, "echo: %s (echo takes only --tls-cert=GUEST_PATH --tls-key=GUEST_PATH)\n", error.c_str());
    return 2;
  }
  wasio::tls::server_config* tls_config = nullptr;
  std::string tls_note;
#if WASIO_HAVE_GUEST_TLS
  std::optional<wasio::tls::server_config> tls;  // Lifetime: as the runtime's connections
  if (tls_files.given()) {
    auto loaded = wasio::tls::server_config::load(tls_files.cert, tls_files.key);
    if (!loaded) {
      std::fprintf(stderr, "echo: TLS: %s\n", wasio::tls::server_config::error_detail());
      return 1;
    }
    tls.emplace(std::move(*loaded));
    tls_config = &*tls;
    tls_note = ", in-guest TLS 1.2 (" + std::string(tls->key_kind()) + " key)";
  }
#else
  if (tls_files.given()) {
    std::fprintf(stderr, "echo: --tls-cert/--tls-key: this build has no in-guest TLS (BearSSL was missing at "
                         "configure time; see scripts/setup.sh)\n");
    return 2;
  }
#endif
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
  std::fprintf(stderr, "echo: serving %zu listener(s), first fd %u%s%s%s\n", listeners->size(),
               static_cast<unsigned>(listeners->front().socket().raw_fd()), named.empty() ? "" : ", named:",
               named.c_str(), tls_note.c_str());
  auto done = rt.block_on(echo::serve(rt, **svc, *listeners, log, tls_config));
#if WASIO_HAVE_GUEST_TLS
  if (tls) std::fprintf(stderr, "echo: tls: %s\n", wasio::tls::describe(tls->stats()).c_str());
#endif
  if (!done) {
    wasio::report(done.error() == wasio::errc::timedout ? "echo: drain timed out" : "echo: runtime stopped", done.error());
    return 1;
  }
  std::fprintf(stderr, "echo: shut down cleanly\n");
  return 0;
}
