#pragma once
/// syslog::log_file_sink: JSON lines into a log file, batched, rotated, never a partial line by design.
///
/// Lines are accepted into one buffer and written out
/// - as soon as flush_bytes are waiting (on_input, after each read of a connection), and
/// - by on_tick, which the receiver calls every flush_interval: everything waiting is written, so
///   an accepted line reaches the file within flush_interval unless writes are failing.
///
/// Whole lines: every write call carries whole lines only (a write ends at a LF), and no write
/// crosses a 4 KiB boundary of the file offset unless one line alone does. Linux copies a buffered
/// write page by page and stops between pages when a fatal signal (SIGKILL) is pending, so a
/// write that stays inside one page is all-or-nothing even under kill -9; only a line that itself
/// straddles a page boundary (written alone) can be cut there. A short write (disk full, quota,
/// file size limit) leaves a partial line in the file: its rest stays first in the buffer and is
/// written before anything else once writes succeed again (the line is completed, never
/// duplicated). When the sink opens a file that does not end with a LF (a previous run died with a
/// partial line), it first ends that fragment with a LF (counted as repaired_tails) so the next
/// line stays valid.
///
/// Rotation (rotate_bytes > 0): before a line that would take the file past rotate_bytes (and the
/// file is not empty), the file is rotated as logrotate's numbered scheme does: PATH.K-1 -> PATH.K
/// (PATH.K, the oldest, is removed first), ..., PATH -> PATH.1, then a new PATH. A file is larger
/// than rotate_bytes only when one line alone is. rotate_keep = 0 removes PATH instead.
///
/// Reopen (SIGHUP, for an external logrotate that renamed the file): what is waiting is written to
/// the old file first, then PATH is opened (created) again.
///
/// Failures never lose an accepted line: a failed write, open or rotation is counted and logged
/// once (then once more when writes work again); the lines stay in the buffer and are retried on
/// the next tick. While at least buffer_bytes / 2 wait, backpressure() tells the receiver to stop
/// reading from its clients (their TCP windows close, their sends block). Only a line that would
/// take the buffer past buffer_bytes is dropped, counted (dropped_lines, dropped_bytes) and
/// logged: that happens only when many connections each deliver a read's worth after the
/// backpressure mark.
///
/// fsync policy: never (the OS writes back when it likes), always (fdatasync after every flush
/// that wrote, and before a rotation), interval (fdatasync on a tick when something was written
/// and fsync_interval has passed since the last one; also before a rotation and in finish()).
///
/// Errors: open() returns the first open's failure (the receiver then refuses to start);
/// finish() returns a failure when lines are still unwritten (their count is in the summary).
/// Notes: single-threaded, like the receiver.
///
/// Example (compiled in tests/e2e/syslog/log_file_sink_test.cpp):
///   syslog::log_file_sink sink(directory, options, log);
///   if (auto r = sink.open(); !r) fail(r.error());
///   sink.accept(json_lines, now);  // whole lines, each ending in LF
///   sink.on_input(now);            // writes once flush_bytes wait
///   sink.on_tick(now);             // every flush_interval: writes the rest, fsyncs per policy
///   sink.finish(now);

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "log_file.hpp"
#include "wasio/errc.hpp"
#include "wasio/result.hpp"

namespace syslog {

enum class fsync_policy : std::uint8_t { never, always, interval };

/// "never", "always", "interval".
std::string_view name(fsync_policy policy);

struct file_sink_options {
  std::string path;                                 // a guest path
  std::size_t flush_bytes = 64u << 10;              // write as soon as this much waits
  std::chrono::milliseconds flush_interval{500};    // and at least this often
  fsync_policy fsync = fsync_policy::interval;
  std::chrono::milliseconds fsync_interval{1000};
  std::uint64_t rotate_bytes = 0;                   // 0: never rotate
  unsigned rotate_keep = 5;                         // rotated files kept: PATH.1 .. PATH.keep
  std::size_t buffer_bytes = 8u << 20;              // the bound on lines waiting; past it lines drop
};

struct file_sink_stats {
  std::uint64_t lines_written = 0;
  std::uint64_t bytes_written = 0;
  std::uint64_t writes = 0;           // write calls that wrote something
  std::uint64_t short_writes = 0;
  std::uint64_t write_errors = 0;     // failed write calls
  std::uint64_t open_errors = 0;
  std::uint64_t rotations = 0;
  std::uint64_t rotate_errors = 0;    // a rename or remove of the rotation failed
  std::uint64_t reopens = 0;
  std::uint64_t fsyncs = 0;
  std::uint64_t fsync_errors = 0;
  std::uint64_t dropped_lines = 0;    // lines refused because the buffer was at its bound
  std::uint64_t dropped_bytes = 0;
  std::uint64_t repaired_tails = 0;   // files found ending in a partial line, ended with a LF
  std::uint64_t backpressure_waits = 0;  // reads the receiver held back (counted by the receiver)
};

class log_file_sink {
 public:
  using clock = std::chrono::steady_clock;
  /// Page size the writes are kept within (see the header comment).
  static constexpr std::uint64_t page_bytes = 4096;

  /// `log(what, detail)` gets the sink's few lines (a run of failures beginning and ending, drops
  /// beginning and ending, a repaired file): the receiver hands them to its rt::error_log.
  log_file_sink(log_directory& directory, file_sink_options options,
                std::function<void(std::string_view what, std::string_view detail)> log);
  log_file_sink(const log_file_sink&) = delete;
  log_file_sink& operator=(const log_file_sink&) = delete;

  /// Opens PATH. Errors: the open's (nothing is retried: a receiver should not start without its file).
  wasio::result<void> open();

  /// Takes `lines` (whole lines, each ending in a LF) within the buffer bound; drops the lines
  /// that do not fit (counted, logged).
  void accept(std::string_view lines, clock::time_point now);
  /// After input: writes when flush_bytes are waiting (and writes are not failing: a failing file is
  /// retried on ticks only).
  void on_input(clock::time_point now);
  /// Every flush_interval: writes everything waiting (retrying after failures), fsyncs per policy.
  void on_tick(clock::time_point now);
  /// Writes what waits to the current file, then opens PATH again.
  void reopen(clock::time_point now);
  /// Writes what waits and fsyncs (unless the policy is never). Errors: the last write or open
  /// error when lines remain unwritten.
  wasio::result<void> finish(clock::time_point now);

  /// True while the receiver should not read more (buffer_bytes / 2 or more waiting).
  bool backpressure() const { return pending() >= options_.buffer_bytes / 2; }
  std::size_t pending() const { return buffer_.size() - head_; }
  const file_sink_stats& stats() const { return stats_; }
  file_sink_stats& stats() { return stats_; }
  const file_sink_options& options() const { return options_; }

  /// "syslog: output: path=... lines=N bytes=N writes=N ... unwritten=N".
  std::string summary() const;

 private:
  /// Writes what waits, rotating as needed; stops at the first failure.
  void write_pending();
  /// Opens PATH and prepares the offset (and the repair of a partial last line).
  wasio::result<void> open_file();
  void rotate();
  void sync_now();
  /// Bytes of the next write call from the buffer's head (see "whole lines" above).
  std::size_t next_chunk() const;
  void compact();
  void failed(const char* what, wasio::errc code);
  void recovered();

  log_directory& directory_;
  file_sink_options options_;
  std::function<void(std::string_view, std::string_view)> log_;
  std::unique_ptr<log_file> file_;
  std::uint64_t offset_ = 0;      // the file's size as this sink wrote it
  bool line_open_ = false;        // a short write left the file inside a line
  bool dirty_ = false;            // written since the last fsync
  bool rotation_failed_ = false;  // PATH could not be moved away: no new attempt before the next tick
  clock::time_point last_sync_{};
  std::string buffer_;            // lines waiting from head_ on
  std::size_t head_ = 0;
  std::optional<wasio::errc> failing_;  // the failure of the last attempt, until one succeeds
  std::uint64_t failed_attempts_ = 0;
  bool dropping_ = false;
  std::uint64_t dropped_in_run_ = 0;
  file_sink_stats stats_;
};

}  // namespace syslog
