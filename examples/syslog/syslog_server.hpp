#pragma once
/// syslog::syslog_server: receives syslog over TCP on the coroutine runtime and writes one JSON line
/// per message to stdout (fd 1), or with write_to() to a log_file_sink (--output): an accept loop
/// per pre-opened listener, a task per connection.
///
/// Backpressure: JSON lines wait in one buffer. It is written to stdout completely (fd_write blocks
/// the guest while stdout is slow; a non-blocking stdout that says would_block is waited for with a
/// poll on fd 1) once it passes `flush_threshold`, and otherwise once every task that was ready got
/// its turn. Nothing is read meanwhile, so a slow stdout stalls the clients' sends through their
/// full socket buffers: no accepted message is dropped.
///
/// With a file, lines go to the sink after each read (it batches; see log_file_sink.hpp), a
/// connection waits before reading while the sink asks for backpressure, and file_ticker /
/// reopen_on_request drive its periodic writes and SIGHUP reopens.
///
/// Shutdown: stop_on_shutdown stops the runtime on SIGTERM / SIGINT (rt::service); the receiver
/// also stops by itself when told to:
/// - `max_messages`: once that many frames (messages plus malformed) have been taken in;
/// - `idle_exit`: once at least one connection was served and none has been open for that long.
/// Then the runtime's tasks are stopped: each connection delivers the frames it already decoded
/// (finish), run() returns, and the caller calls finish() and prints format_summary(stats()).
///
/// Errors: finish() returns stdout's failure (e.g. pipe), which also stops the receiver.
/// Lifetime: the syslog_server must outlive the runtime's tasks: construct it before the runtime.
///
/// Example (compiled in examples/syslog/main.cpp):
///   syslog::syslog_server server(options);
///   wasio::rt::runtime rt;
///   for (auto& l : *listeners) rt.spawn(server.accept_loop(rt, l));
///   rt.spawn(server.idle_watch(rt));
///   rt.run();
///   server.finish();

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "frame_decoder.hpp"
#include "json_sink.hpp"
#include "log_file_sink.hpp"
#include "wasio/rt/error_log.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/service.hpp"
#include "wasio/rt/task.hpp"
#include "wasio/rt/tcp_listener.hpp"
#include "wasio/rt/tcp_stream.hpp"

namespace syslog {

/// Limits on what clients can make the receiver hold (docs/syslog.md "Hostile senders"):
/// - max_connections: past it a new connection is closed at once (counted as refused);
/// - idle_timeout: a connection that sends nothing for that long is closed (timed_out);
/// - frame_timeout: a frame (or line) begun must end within it, counted from its first byte and not
///   renewed by bytes trickling in; past it the frame counts as malformed and the connection closes
///   (timed_out). Slow senders and octet counts that promise more than arrives end there.
struct server_options {
  std::optional<std::uint64_t> max_messages;
  std::optional<std::chrono::milliseconds> idle_exit;
  std::size_t max_message_length = frame_decoder::default_max_message_length;
  std::size_t max_connections = 1024;
  std::chrono::milliseconds idle_timeout{300000};
  std::chrono::milliseconds frame_timeout{30000};
};

class syslog_server {
 public:
  static constexpr std::size_t read_size = 16u << 10;
  /// Reads between frames of a quiet connection use a buffer this small, in the task's frame.
  static constexpr std::size_t idle_read_size = 1024;
  static constexpr std::size_t flush_threshold = 64u << 10;
  /// How often a connection held back by the file's backpressure looks again.
  static constexpr std::chrono::milliseconds backpressure_pause{20};

  explicit syslog_server(server_options options) : options_(options) {}
  syslog_server(const syslog_server&) = delete;
  syslog_server& operator=(const syslog_server&) = delete;

  wasio::task<void> accept_loop(wasio::rt::runtime& rt, wasio::rt::tcp_listener& listener);
  wasio::task<void> receive(wasio::rt::runtime& rt, wasio::rt::tcp_stream stream);
  /// Stops the runtime after `idle_exit` without connections (returns at once without the option).
  wasio::task<void> idle_watch(wasio::rt::runtime& rt);
  /// Writes what is still queued. Errors: stdout's (also any earlier one); with a file, the sink's
  /// finish() (lines it could not write).
  wasio::result<void> finish();

  /// Sends the JSON lines to `file` instead of stdout (see log_file_sink.hpp). Connections then
  /// hold back their reads while file.backpressure() says so. `file` must outlive the tasks.
  void write_to(log_file_sink& file) { file_ = &file; }
  /// With a file: calls its on_tick every flush interval until the runtime stops.
  wasio::task<void> file_ticker(wasio::rt::runtime& rt);
  /// With a file: reopens it at each reopen request (SIGHUP) until the runtime stops.
  wasio::task<void> reopen_on_request(wasio::rt::service& svc);
  /// Stops the runtime once shutdown is requested (SIGTERM, SIGINT): connections then deliver what
  /// they decoded, run() returns, and the caller's finish() writes (and fsyncs) the rest.
  wasio::task<void> stop_on_shutdown(wasio::rt::runtime& rt, wasio::rt::service& svc);

  const receiver_stats& stats() const { return stats_; }
  /// The receiver's rate-limited error lines (the file sink reports through it too).
  wasio::rt::error_log& log() { return log_; }

 private:
  wasio::task<void> flush_after_turn(wasio::rt::runtime& rt);
  /// Writes the queued lines: all of them, however long stdout takes.
  wasio::result<void> flush_stdout();
  void after_input(wasio::rt::runtime& rt);
  bool limit_reached() const;

  server_options options_;
  wasio::rt::error_log log_{"syslog"};  // rate-limited error lines: accept and read failures, stdout
  std::string lines_;
  receiver_stats stats_;
  json_sink sink_{lines_, stats_};
  std::size_t open_ = 0;
  std::optional<std::chrono::steady_clock::time_point> idle_since_;
  bool flush_scheduled_ = false;
  std::optional<wasio::errc> stdout_error_;
  log_file_sink* file_ = nullptr;
};

}  // namespace syslog
