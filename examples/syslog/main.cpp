// syslog_receiver: a TCP syslog receiver (RFC 6587 framing; RFC 5424 and RFC 3164 messages) writing
// one JSON line per message to stdout, or with --output to a log file (docs/syslog.md), and a summary
// line to stderr when it stops.
//   wasio-run --tcplisten 127.0.0.1:6514 build/bin/syslog_receiver.wasm [--max-messages N] [--idle-exit-ms MS]
//   WASIO_TCPLISTEN=127.0.0.1:6514 build/bin/syslog_receiver --idle-exit-ms 2000
// A wasm guest receives no signals: it stops after --max-messages frames, or --idle-exit-ms after
// its last connection closed (once it served one). Without either it runs until killed.

#include <charconv>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "log_file_fs.hpp"
#include "output_options.hpp"
#include "syslog_server.hpp"

namespace {

int failed(const char* what, wasio::errc code) {
  const auto text = wasio::message(code);
  std::fprintf(stderr, "syslog: %s: %.*s\n", what, static_cast<int>(text.size()), text.data());
  return 1;
}

bool parse_count(std::string_view text, std::uint64_t& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out > 0;
}

}  // namespace

int main(int argc, char** argv) {
  syslog::server_options options;
  syslog::output_request output;
  for (int i = 1; i < argc; i += 2) {  // FLAG VALUE pairs
    const std::string_view flag = argv[i];
    std::string error;
    if (syslog::take_output_option(flag, i + 1 < argc ? argv[i + 1] : "", output, error)) {
      if (error.empty()) continue;
      std::fprintf(stderr, "syslog: %s\n", error.c_str());
      return 2;
    }
    std::uint64_t value = 0;
    const bool valued = i + 1 < argc && parse_count(argv[i + 1], value);
    if (valued && flag == "--max-messages") options.max_messages = value;
    else if (valued && flag == "--idle-exit-ms") options.idle_exit = std::chrono::milliseconds(value);
    else if (valued && flag == "--max-message-length") options.max_message_length = static_cast<std::size_t>(value);
    else if (valued && flag == "--max-connections") options.max_connections = static_cast<std::size_t>(value);
    else if (valued && flag == "--idle-timeout-ms") options.idle_timeout = std::chrono::milliseconds(value);
    else if (valued && flag == "--frame-timeout-ms") options.frame_timeout = std::chrono::milliseconds(value);
    else {
      std::fprintf(stderr, "usage: syslog_receiver [--max-messages N] [--idle-exit-ms MS] [--max-message-length BYTES]\n"
                           "                       [--max-connections N] [--idle-timeout-ms MS] [--frame-timeout-ms MS]\n"
                           "                       [--output PATH [--flush-ms N] [--flush-bytes N] [--fsync POLICY] ...]\n%.*s",
                   static_cast<int>(syslog::output_usage().size()), syslog::output_usage().data());
      return 2;
    }
  }
  if (output.tuned && !output.wanted) {
    std::fprintf(stderr, "syslog: --flush-ms, --flush-bytes, --fsync, --fsync-ms, --rotate-* and --buffer-bytes need --output\n");
    return 2;
  }
  syslog::syslog_server server(options);  // Lifetime: before the runtime, whose tasks use it
  syslog::fs_log_directory directory;
  std::optional<syslog::log_file_sink> file;  // Lifetime: as the server's
  if (output.wanted) {
    file.emplace(directory, output.options,
                 [&server](std::string_view what, std::string_view detail) { server.log().report(what, detail); });
    if (auto opened = file->open(); !opened) {
      const std::string what = "cannot open --output " + output.options.path;
      return failed(what.c_str(), opened.error());
    }
    server.write_to(*file);
  }
  wasio::rt::runtime rt;
  // SIGTERM / SIGINT stop the receiver (the summary and the file's last lines follow); SIGHUP reopens
  // the --output file. Lifetime: destroyed before the runtime.
  auto svc = wasio::rt::service::open(rt);
  if (!svc) return failed("cannot listen for shutdown and reopen requests", svc.error());
  auto listeners = wasio::rt::tcp_listener::preopened(rt);
  if (!listeners) return failed("cannot look for pre-opened listeners", listeners.error());
  if (listeners->empty()) {
    std::fprintf(stderr, "syslog: no pre-opened listening socket (run under `wasio-run --tcplisten ADDR:PORT` or "
                         "with WASIO_TCPLISTEN=ADDR:PORT)\n");
    return 1;
  }
  std::fprintf(stderr, "syslog: receiving on %zu listener(s)\n", listeners->size());
  for (auto& listener : *listeners) rt.spawn(server.accept_loop(rt, listener));
  rt.spawn(server.idle_watch(rt));
  rt.spawn(server.file_ticker(rt));
  rt.spawn(server.reopen_on_request(**svc));
  rt.spawn(server.stop_on_shutdown(rt, **svc));
  auto done = rt.run();
  auto flushed = server.finish();
  const std::string summary = syslog::format_summary(server.stats());
  std::fprintf(stderr, "%s\n", summary.c_str());
  if (file) std::fprintf(stderr, "%s\n", file->summary().c_str());
  if (!done) return failed("runtime stopped", done.error());
  return flushed ? 0 : 1;
}
