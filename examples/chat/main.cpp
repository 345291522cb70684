// chat: a line-based chat server on the coroutine runtime. Each line a client sends goes to every
// other client as "NICK: line"; /nick NAME, /who, /quit, /help; joins and leaves are announced.
//   wasio-run --tcplisten 127.0.0.1:7000 build/bin/chat.wasm       then: nc 127.0.0.1 7000
//   WASIO_TCPLISTEN=127.0.0.1:7000 build/bin/chat
// Options: --max-line BYTES (1024), --backlog LINES (256), --max-clients N (1024),
//          --write-timeout-ms MS (5000); see chat_server.hpp for what each bounds.

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "chat_server.hpp"

namespace {

bool parse_size(std::string_view text, std::size_t low, std::size_t high, std::size_t& out) {
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < low || value > high) return false;
  out = value;
  return true;
}

bool parse_arguments(int argc, char** argv, chat::settings& config) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view option = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "chat: %s needs a value\n", argv[i]);
      return false;
    }
    const std::string_view value = argv[++i];
    std::size_t n = 0;
    bool ok = true;
    if (option == "--max-line") ok = parse_size(value, 16, 1 << 20, config.room.max_line);
    else if (option == "--backlog") ok = parse_size(value, 1, 1 << 16, config.room.backlog);
    else if (option == "--max-clients") ok = parse_size(value, 1, 1 << 20, config.room.max_clients);
    else if (option == "--write-timeout-ms") {
      ok = parse_size(value, 1, 3'600'000, n);
      config.write_timeout = std::chrono::milliseconds(n);
    } else {
      std::fprintf(stderr, "chat: unknown option %s (--max-line, --backlog, --max-clients, --write-timeout-ms)\n", argv[i - 1]);
      return false;
    }
    if (!ok) {
      std::fprintf(stderr, "chat: bad value for %.*s: %.*s\n", static_cast<int>(option.size()), option.data(),
                   static_cast<int>(value.size()), value.data());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  chat::settings config;
  if (!parse_arguments(argc, argv, config)) return 2;
  wasio::rt::error_log log("chat");  // Lifetime: before the runtime, whose accept loops report to it
  chat::room room(config.room);      // Lifetime: before the runtime too: its tasks hold inboxes of it
  wasio::rt::runtime rt;
  auto svc = wasio::rt::service::open(rt);
  if (!svc) {
    wasio::report("chat: cannot listen for shutdown requests", svc.error());
    return 1;
  }
  auto listeners = wasio::rt::tcp_listener::preopened(rt);
  if (!listeners) {
    wasio::report("chat: cannot look for pre-opened sockets", listeners.error());
    return 1;
  }
  if (listeners->empty()) {
    std::fprintf(stderr, "chat: no pre-opened listening socket (run under `wasio-run --tcplisten ADDR:PORT` or "
                         "with WASIO_TCPLISTEN=ADDR:PORT)\n");
    return 1;
  }
  std::fprintf(stderr, "chat: serving %zu listener(s); max-line %zu, backlog %zu, max-clients %zu, write-timeout-ms %lld\n",
               listeners->size(), config.room.max_line, config.room.backlog, config.room.max_clients,
               static_cast<long long>(config.write_timeout.count()));
  auto done = rt.block_on(chat::serve(rt, **svc, *listeners, room, config, log));
  if (!done) {
    wasio::report(done.error() == wasio::errc::timedout ? "chat: drain timed out" : "chat: runtime stopped",
                  done.error());
    return 1;
  }
  std::fprintf(stderr, "chat: shut down cleanly (%llu lines)\n", static_cast<unsigned long long>(room.lines_sent()));
  return 0;
}
