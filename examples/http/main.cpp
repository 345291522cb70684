// http: an HTTP/1.1 server on wasio's coroutine runtime, serving every listening socket the host
// pre-opened. GET / says "Hello, World!", POST /echo returns the body, GET /stats gives counters.
//   wasio-run --tcplisten 127.0.0.1:8080 build/bin/http.wasm [--max-body-bytes=N ...]
//   WASIO_TCPLISTEN=127.0.0.1:8080 build/bin/http [--max-body-bytes=N ...]
// HTTPS done by the guest itself (any preview1 host; docs/tls.md "In-guest TLS"):
//   wasio-run --tcplisten 127.0.0.1:8443 --dir-ro ./certs::/certs build/bin/http.wasm
//     --tls-cert=/certs/cert.pem --tls-key=/certs/key.pem
// `http --help` lists the limits, their WASIO_HTTP_* environment variables and defaults.

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http_server.hpp"
#include "static_files.hpp"
#include "static_fs_wasio.hpp"
#include "server_config.hpp"
#include "tls_arguments.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/tcp_listener.hpp"
#if WASIO_HAVE_GUEST_TLS
#include "wasio/tls/server_config.hpp"
#endif

namespace {

const char* from_environment(const char* name, void*) { return std::getenv(name); }

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> arguments(argv + (argc > 0 ? 1 : 0), argv + argc);
  std::string error;
  std::string help;
  std::vector<http::static_mount> mounts;  // --static PREFIX=DIR, taken out before the limits are read
  if (!http::take_static_mounts(arguments, mounts, error)) {
    std::fprintf(stderr, "http: %s\n", error.c_str());
    return 2;
  }
  examples::tls_arguments tls_files;  // --tls-cert/--tls-key: in-guest TLS
  if (!examples::take_tls_arguments(arguments, tls_files, error)) {
    std::fprintf(stderr, "http: %s\n", error.c_str());
    return 2;
  }
  const auto config = http::parse_server_config(arguments, &from_environment, nullptr, error, help);
  if (!config) {
    if (!help.empty()) {
      std::fputs(help.c_str(), stdout);
      std::fputs("Static files (repeatable; docs/http.md):\n"
                 "  --static URL_PREFIX=GUEST_DIR  GET/HEAD files under GUEST_DIR (a pre-opened directory)\n"
                 "In-guest TLS (docs/tls.md): HTTPS on every listener, done by the guest itself\n"
                 "  --tls-cert=GUEST_PATH  the certificate chain (PEM, leaf first) in a pre-opened directory\n"
                 "  --tls-key=GUEST_PATH   its unencrypted private key (PEM; EC or RSA)\n",
                 stdout);
      return 0;
    }
    std::fprintf(stderr, "http: %s\n", error.c_str());
    return 2;
  }

  wasio::rt::runtime rt;
  // SIGTERM / SIGINT (through wasio-run's control stream, or natively) start a drain.
  auto svc = wasio::rt::service::open(rt);
  if (!svc) {
    wasio::report("http: cannot listen for shutdown requests", svc.error());
    return 1;
  }
  auto listeners = wasio::rt::tcp_listener::preopened(rt);
  if (!listeners) {
    wasio::report("http: cannot look for pre-opened sockets", listeners.error());
    return 1;
  }
  if (listeners->empty()) {
    std::fprintf(stderr, "http: no pre-opened listening socket (run under `wasio-run --tcplisten ADDR:PORT` or "
                         "with WASIO_TCPLISTEN=ADDR:PORT)\n");
    return 1;
  }
  http::http_server server(rt, *config);
  std::string tls_note;
#if WASIO_HAVE_GUEST_TLS
  std::optional<wasio::tls::server_config> tls;  // Lifetime: as the server's
  if (tls_files.given()) {
    wasio::tls::settings settings;
    settings.protocols = {"http/1.1"};
    auto loaded = wasio::tls::server_config::load(tls_files.cert, tls_files.key, std::move(settings));
    if (!loaded) {
      std::fprintf(stderr, "http: TLS: %s\n", wasio::tls::server_config::error_detail());
      return 1;
    }
    tls.emplace(std::move(*loaded));
    // Every connection and refusal also holds a TLS engine: the limits must still fit the guest.
    const std::uint64_t tls_bytes = (config->max_connections + http::refusal_count_limit) *
                                    static_cast<std::uint64_t>(tls->bytes_per_connection()) +
                                    tls->session_cache_bytes();
    if (http::guest_bytes_needed(*config) + tls_bytes > http::guest_memory_budget) {
      std::fprintf(stderr, "http: max-connections=%zu with in-guest TLS (%zu more bytes per connection) needs %llu MiB, "
                           "more than the %llu MiB the server allows itself\n",
                   config->max_connections, tls->bytes_per_connection(),
                   static_cast<unsigned long long>((http::guest_bytes_needed(*config) + tls_bytes) >> 20),
                   static_cast<unsigned long long>(http::guest_memory_budget >> 20));
      return 2;
    }
    server.serve_tls(*tls);
    tls_note = "; in-guest TLS 1.2 (" + std::string(tls->key_kind()) + " key, " +
               std::to_string(tls->bytes_per_connection()) + " B per connection)";
  }
#else
  if (tls_files.given()) {
    std::fprintf(stderr, "http: --tls-cert/--tls-key: this build has no in-guest TLS (BearSSL was missing at "
                         "configure time; see scripts/setup.sh)\n");
    return 2;
  }
#endif
  http::wasio_static_fs static_fs;
  std::optional<http::static_files> files;  // Lifetime: as the server's
  std::string static_mounts;
  if (!mounts.empty()) {
    for (const auto& m : mounts) static_mounts += " " + m.url_prefix + "=" + m.guest_dir;
    files.emplace(static_fs, std::move(mounts));
    server.serve_static(*files);
  }
  std::string named;  // the host's listener names (docs/systemd.md), as fd=name
  for (const auto& l : *listeners)
    if (!l.name().empty()) named += " " + std::to_string(l.socket().raw_fd()) + "=" + l.name();
  std::fprintf(stderr, "http: serving %zu listener(s)%s%s; limits: %s%s%s%s\n", listeners->size(),
               named.empty() ? "" : ", named:", named.c_str(), config->describe().c_str(),
               static_mounts.empty() ? "" : "; static:", static_mounts.c_str(), tls_note.c_str());
  const auto served = rt.block_on(server.run(*listeners, **svc));
  if (!served) {
    wasio::report(served.error() == wasio::errc::timedout ? "http: drain timed out, connections stopped"
                                                          : "http: runtime stopped",
                  served.error());
    return 1;
  }
  std::fprintf(stderr, "http: shut down cleanly (%llu requests)\n", static_cast<unsigned long long>(server.stats().requests));
  return 0;
}
