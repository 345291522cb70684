// kv: an in-memory key-value server speaking RESP2 on every listener the host pre-opened.
//   wasio-run --tcplisten 127.0.0.1:6379 build/bin/kv.wasm [--max-bulk BYTES] [--max-args N] [--max-request BYTES]
//             [--maxmemory BYTES] [--maxmemory-policy P] [--client-output-buffer-limit "normal H S SECONDS"] ...
//   WASIO_TCPLISTEN=127.0.0.1:6379 build/bin/kv
// Every parameter CONFIG SET can change is also an option `--NAME VALUE`, as redis-server takes them.
// Persistence (docs/kv.md): --appendonly yes [--appendfsync always|everysec|no] [--dir PATH]
//   [--appendfilename NAME] [--auto-aof-rewrite-percentage N] [--auto-aof-rewrite-min-size BYTES]
//   [--aof-load-truncated yes|no], or the same in the environment as KV_APPENDONLY=yes ...

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "aof_fs_directory.hpp"
#include "kv_server.hpp"
#include "wasio/sys/sys.hpp"

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
                       "          [--maxmemory-clients BYTES]\n"
                       "          [--client-output-buffer-limit \"normal HARD SOFT SECONDS\"]\n"
                       "          [--appendonly yes|no] [--appendfsync always|everysec|no] [--dir PATH]\n"
                       "          [--appendfilename NAME] [--auto-aof-rewrite-percentage N]\n"
                       "          [--auto-aof-rewrite-min-size BYTES] [--aof-load-truncated yes|no]\n"
                       "       (the persistence options also in the environment: KV_APPENDONLY=yes ...)\n");
  return 2;
}

// The guest's environment as NAME=VALUE strings (through sys: wasi-libc's getenv is not there natively).
std::vector<std::string> environment() {
  std::vector<std::string> out;
  auto sizes = wasio::sys::environ_sizes_get();
  if (!sizes || sizes->count == 0) return out;
  std::vector<char*> pointers(sizes->count);
  std::vector<char> buffer(sizes->buffer_size);
  if (!wasio::sys::environ_get(pointers.data(), buffer.data())) return out;
  for (const char* entry : pointers) out.emplace_back(entry);
  return out;
}

// KV_APPENDONLY=yes ... ; false (after saying why) on a bad value.
bool persistence_from_environment(kv::aof_options& options) {
  for (const std::string& entry : environment()) {
    for (auto n = kv::aof_options::names_begin(); n != kv::aof_options::names_end(); ++n) {
      const std::string name = kv::aof_options::environment_name(*n);
      if (entry.size() <= name.size() || !entry.starts_with(name) || entry[name.size()] != '=') continue;
      if (const std::string e = options.set(*n, std::string_view(entry).substr(name.size() + 1)); !e.empty()) {
        std::fprintf(stderr, "kv: %s: %s\n", name.c_str(), e.c_str());
        return false;
      }
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  kv::server_config config;
  kv::request_limits& limits = config.requests;
  kv::aof_options persistence;
  if (!persistence_from_environment(persistence)) return 2;
  for (int i = 1; i < argc; i += 2) {  // FLAG VALUE pairs
    const std::string_view flag = argv[i];
    if (i + 1 >= argc || flag.substr(0, 2) != "--") return usage();
    if (kv::aof_options::known(flag.substr(2))) {  // arguments win over the environment
      if (const std::string e = persistence.set(flag.substr(2), argv[i + 1]); !e.empty()) {
        std::fprintf(stderr, "kv: %s %s: %s\n", argv[i], argv[i + 1], e.c_str());
        return 2;
      }
      continue;
    }
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
  kv::aof_fs_directory directory(persistence.dir);  // Lifetime: outlives the server's AOF
  kv::kv_server server(config);  // Lifetime: before the runtime, whose tasks use it
  wasio::rt::runtime rt;
  auto listeners = wasio::rt::tcp_listener::preopened(rt);
  if (!listeners) return failed("cannot look for pre-opened listeners", listeners.error());
  if (listeners->empty()) {
    std::fprintf(stderr, "kv: no pre-opened listening socket (run under `wasio-run --tcplisten ADDR:PORT` or with "
                         "WASIO_TCPLISTEN=ADDR:PORT)\n");
    return 1;
  }
  // SIGTERM / SIGINT (wasio-run's control stream, or natively) start a drain; subscribed before the
  // AOF is loaded, so one arriving meanwhile is a drain right after it.
  auto svc = wasio::rt::service::open(rt);
  if (!svc) return failed("cannot listen for shutdown requests", svc.error());
  std::fprintf(stderr, "kv: persistence: %s\n", persistence.describe().c_str());
  if (persistence.enabled) {
    // Loaded before the first accept: clients connecting meanwhile wait in the listen backlog.
    if (auto ok = directory.check(); !ok) {
      const auto text = wasio::message(ok.error());
      std::fprintf(stderr, "kv: dir %s: %.*s (it must be a directory inside one the host pre-opened: wasio-run --dir "
                           "HOST::GUEST, or WASIO_DIR natively)\n",
                   persistence.dir.c_str(), static_cast<int>(text.size()), text.data());
      return 1;
    }
    std::string warnings;
    if (const std::string e = server.enable_persistence(persistence, directory, warnings); !e.empty()) {
      std::fprintf(stderr, "kv: %s\n", e.c_str());
      return 1;
    }
    if (!warnings.empty()) std::fprintf(stderr, "kv: %s", warnings.c_str());
    std::fprintf(stderr, "kv: DB loaded from append only file: %llu bytes\n",
                 static_cast<unsigned long long>(server.persistence()->current_size()));
    rt.spawn(server.flush_aof());
    rt.spawn(server.aof_timer());
  }
  std::fprintf(stderr, "kv: serving %zu listener(s)\n", listeners->size());
  rt.spawn(server.expire_keys(rt));
  auto done = rt.block_on(server.serve(rt, **svc, *listeners));
  // Redis's prepareForShutdown: whatever is logged is written and fsynced before the exit.
  const bool persisted = server.finish_persistence();
  if (!done) {
    if (done.error() != wasio::errc::timedout) return failed("runtime stopped", done.error());
    std::fprintf(stderr, "kv: drain timed out: clients still busy were closed%s\n",
                 persisted ? "; the AOF is written and fsynced" : "");
    return 1;
  }
  if (!persisted) return 1;
  std::fprintf(stderr, "kv: shut down cleanly (%llu commands)%s\n",
               static_cast<unsigned long long>(server.stats().total_commands_processed),
               persistence.enabled ? ", the AOF written and fsynced" : "");
  return 0;
}
