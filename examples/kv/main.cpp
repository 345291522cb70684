// kv: an in-memory key-value server speaking RESP2 on every listener the host pre-opened.
//   wasio-run --tcplisten 127.0.0.1:6379 build/bin/kv.wasm [--max-bulk BYTES] [--max-args N] [--max-request BYTES]
//             [--maxmemory BYTES] [--maxmemory-policy P] [--client-output-buffer-limit "normal H S SECONDS"] ...
//   WASIO_TCPLISTEN=127.0.0.1:6379 build/bin/kv
// Every parameter CONFIG SET can change is also an option `--NAME VALUE`, as redis-server takes them.

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "kv_server.hpp"

namespace {

int failed(const char* what, wasio::errc code) {
  const auto text = wasio::message(code);
  std::fprintf(stderr, "kv: %s: %.*s\n", what, static_cast<int>(text.size()), text.data());
  return 1;
}

bool parse_size(const char* text, std::size_t& out) {
  std::int64_t value = 0;
  if (!kv::parse_int64(text, value) || value <= 0) return false;
  out = static_cast<std::size_t>(value);
  return true;
}

int usage() {
  std::fprintf(stderr, "usage: kv [--max-bulk BYTES] [--max-args N] [--max-request BYTES] [--maxmemory BYTES]\n"
                       "          [--maxmemory-policy noeviction|allkeys-lru|allkeys-random] [--maxmemory-samples N]\n"
                       "          [--client-output-buffer-limit \"normal HARD SOFT SECONDS\"]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  kv::server_config config;
  kv::request_limits& limits = config.requests;
  for (int i = 1; i < argc; i += 2) {  // FLAG VALUE pairs
    const std::string_view flag = argv[i];
    if (i + 1 >= argc || flag.substr(0, 2) != "--") return usage();
    std::size_t* target = flag == "--max-bulk"      ? &limits.max_bulk_length
                          : flag == "--max-args"    ? &limits.max_arguments
                          : flag == "--max-request" ? &limits.max_request_length
                                                    : nullptr;
    if (target != nullptr) {
      if (!parse_size(argv[i + 1], *target)) return usage();
      continue;
    }
    const kv::config_parameter* p = kv::find_config_parameter(flag.substr(2));
    if (p == nullptr || p->set == nullptr) return usage();
    if (auto error = p->set(config, argv[i + 1])) {
      std::fprintf(stderr, "kv: %s: %.*s\n", argv[i], static_cast<int>(error->size()), error->data());
      return 2;
    }
  }
  kv::kv_server server(config);  // Lifetime: before the runtime, whose tasks use it
  wasio::rt::runtime rt;
  auto listeners = wasio::rt::tcp_listener::preopened(rt);
  if (!listeners) return failed("cannot look for pre-opened listeners", listeners.error());
  if (listeners->empty()) {
    std::fprintf(stderr, "kv: no pre-opened listening socket (run under `wasio-run --tcplisten ADDR:PORT` or with "
                         "WASIO_TCPLISTEN=ADDR:PORT)\n");
    return 1;
  }
  std::fprintf(stderr, "kv: serving %zu listener(s)\n", listeners->size());
  for (auto& listener : *listeners) rt.spawn(server.accept_loop(rt, listener));
  rt.spawn(server.expire_keys(rt));
  auto done = rt.run();
  return failed("runtime stopped", done ? wasio::errc::success : done.error());
}
