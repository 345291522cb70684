#pragma once
/// kv::aof: the append-only file, in Redis's single-file format (RESP commands, as Redis before 7
/// wrote it and redis-check-aof checks), free of I/O of its own: it works on a kv::aof_directory
/// and is driven by the server's loop (kv_server.cpp), one call per phase:
///
/// - log(): the engine reports a change; it is appended to an in-memory buffer (and, while a
///   rewrite runs, to the rewrite's tail). The first command after start or a rewrite is
///   preceded by SELECT 0, as Redis does when the database changes.
/// - flush(): once per loop turn, before the replies of the turn go out (Redis's beforeSleep):
///   one write of the whole buffer, then with `always` one fsync (group commit: a pipelined batch
///   of any size costs one fsync). With `everysec`, the fsync follows when the last one is a second
///   old, or earlier once 4 MiB are dirty, so no single fsync has much to write back.
/// - acknowledged(): how many logged bytes a reply may rely on: written (everysec, no) or written
///   and synced (always). A client whose batch logged up to position P gets its replies once
///   acknowledged() >= P, so nothing acknowledged is ever lost to a crash of the process (nor, with
///   `always`, of the machine).
/// - tick(): every 100 ms: the everysec fsync, retrying after a disk error, starting an automatic
///   rewrite (auto-aof-rewrite-percentage / -min-size).
/// - rewrite_step(): one bounded step of a rewrite (while busy()): up to 256 hash buckets of the key space
///   encoded as SET / PEXPIREAT into a temporary file, written in 64 KiB pieces (fsynced every
///   4 MiB); then the commands logged meanwhile, then fsync, rename over the AOF, fsync of the
///   directory; then the replaced file is cut down 8 MiB a step before it is closed (freeing a
///   large file's blocks at once stalls for tens of ms). Commands are logged in absolute forms (persistence.hpp), so keys that change while
///   the scan runs come out right when the tail is replayed after them: no snapshot needed.
///
/// Errors: a failed write or fsync (nospc, io ...) puts the AOF in the error state: write_refusal()
/// is Redis's "MISCONF Errors writing to the AOF file: <reason>", INFO says aof_last_write_status:err,
/// the buffer is kept (a short write continues where it stopped, so the file stays whole) and retried
/// every tick; the state clears once everything buffered is written. With `always`, a failed fsync
/// ends the process (as Redis does): after a failed fsync the kernel may have dropped the pages, and
/// nothing not durable may be acknowledged. A failed rewrite leaves the old file in place
/// (aof_last_bgrewrite_status:err) and is retried no sooner than 10 s later.
///
/// Example (compiled in tests/e2e/kv/aof_test.cpp):
///   kv::aof log(options, dir, store, engine, limits);
///   if (auto error = log.start(now_ms); !error.empty()) die(error);   // loads the file
///   ... engine.execute(...) logs changes ...
///   log.flush(now_ms);                       // once a turn
///   if (log.acknowledged() >= batch_end) send_replies();

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "aof_options.hpp"
#include "aof_storage.hpp"
#include "command_engine.hpp"
#include "kv_store.hpp"
#include "persistence.hpp"
#include "resp_parser.hpp"
#include "wasio/errc.hpp"

namespace kv {

/// Appends `args` as one RESP multibulk command ("*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n").
void append_command(std::string& out, std::span<const std::string_view> args);

class aof final : public persistence {
 public:
  static constexpr std::int64_t tick_ms = 100;
  static constexpr std::uint64_t everysec_dirty_limit = 4u << 20;
  static constexpr std::size_t rewrite_bucket_budget = 256;
  static constexpr std::size_t rewrite_write_size = 64u << 10;
  static constexpr std::uint64_t rewrite_sync_interval = 1u << 20;
  static constexpr std::int64_t rewrite_retry_delay_ms = 10 * 1000;
  static constexpr std::uint64_t retire_chunk = 8u << 20;

  aof(aof_options options, aof_directory& dir, kv_store& store, command_engine& engine, request_limits limits);
  ~aof() override;
  aof(const aof&) = delete;
  aof& operator=(const aof&) = delete;

  /// Loads the file (when enabled), repairs a truncated tail by rewriting the file, opens it for
  /// appending and attaches to the engine. Returns the error that must stop the server (corruption,
  /// a truncated file with aof-load-truncated no, a file that cannot be opened), empty on success.
  /// Warnings (a truncated tail loaded anyway) go to `warnings`.
  std::string start(std::int64_t now_ms, std::string& warnings);

  const aof_options& options() const { return options_; }
  bool enabled() const { return options_.enabled; }

  // --- the loop's calls (see the header comment)
  /// Total bytes logged so far (a position in the log).
  std::uint64_t logged() const { return logged_; }
  /// The position up to which replies may go out.
  std::uint64_t acknowledged() const {
    return options_.fsync == fsync_policy::always ? synced_ : written_;
  }
  /// Writes the buffer (and fsyncs as the policy says). Returns true when acknowledged() moved.
  bool flush(std::int64_t now_ms);
  /// The periodic work; returns true when acknowledged() moved.
  bool tick(std::int64_t now_ms);
  bool rewrite_in_progress() const { return rewrite_ != nullptr; }
  /// A rewrite runs, or the file it replaced is still being cut down: call rewrite_step each turn.
  bool busy() const { return rewrite_ != nullptr || retired_ != nullptr; }
  /// One bounded rewrite step; returns true when acknowledged() moved (the rewrite finished).
  bool rewrite_step(std::int64_t now_ms);
  /// Shutdown: writes and fsyncs everything logged (abandoning a rewrite); false when that failed.
  bool finish(std::int64_t now_ms);
  /// An fsync failed under `always`: the server must stop (without acknowledging what is pending).
  bool fatal() const { return fatal_; }

  // --- persistence
  void log(std::span<const std::string_view> args) override;
  std::string_view write_refusal() const override { return refusal_; }
  void info(std::string& text) override;
  std::string rewrite() override;
  std::string save() override;
  std::string config_value(std::string_view option) const override;

  // --- for tests and INFO
  std::uint64_t current_size() const { return current_size_; }
  std::uint64_t fsync_count() const { return fsyncs_; }
  std::uint64_t fsync_max_us() const { return fsync_max_us_; }
  std::uint64_t rewrites() const { return rewrites_; }
  /// Microseconds clock used to time fsyncs and rewrite steps; the server sets a real one.
  void set_microsecond_clock(std::int64_t (*clock)()) { clock_us_ = clock; }

 private:
  struct rewrite_state;

  enum class failure : std::uint8_t { none, write, sync };
  bool write_buffer();
  std::int64_t micros() const;
  bool sync_file(std::int64_t now_ms);
  void set_error(wasio::errc code, const char* what);
  void clear_error();
  std::string start_rewrite(std::int64_t now_ms);
  void abort_rewrite(std::int64_t now_ms, wasio::errc code, const char* what);
  bool finish_rewrite(std::int64_t now_ms);
  void retire_step();
  std::string temp_name() const { return "temp-rewriteaof-" + options_.filename; }

  aof_options options_;
  aof_directory& dir_;
  kv_store& store_;
  command_engine& engine_;
  request_limits limits_;
  std::unique_ptr<aof_file> file_;
  std::string buffer_;             // logged, not yet written
  std::uint64_t logged_ = 0;
  std::uint64_t written_ = 0;
  std::uint64_t synced_ = 0;
  std::int64_t last_sync_ms_ = 0;
  bool selected_ = false;          // SELECT 0 is in the current file already
  std::uint64_t current_size_ = 0;
  std::uint64_t base_size_ = 0;    // size after the last rewrite (or at start), for auto rewrite
  std::string refusal_;            // non-empty: the MISCONF error
  wasio::errc last_error_ = wasio::errc::success;
  failure failed_ = failure::none;
  bool fatal_ = false;
  std::int64_t now_ms_ = 0;             // the latest time the loop passed in
  std::int64_t first_unsynced_ms_ = 0;  // when the oldest write not yet fsynced was made
  std::unique_ptr<rewrite_state> rewrite_;
  std::unique_ptr<aof_file> retired_;  // the file a rewrite replaced, cut down before it is closed
  std::uint64_t retired_size_ = 0;
  bool rewrite_scheduled_ = false;
  bool last_rewrite_ok_ = true;
  std::int64_t rewrite_not_before_ms_ = 0;
  std::int64_t last_rewrite_secs_ = -1;
  std::uint64_t rewrites_ = 0;
  std::uint64_t fsyncs_ = 0;
  std::uint64_t fsync_max_us_ = 0;
  std::uint64_t fsync_last_us_ = 0;
  std::uint64_t rewrite_step_max_us_ = 0;
  std::uint64_t loaded_commands_ = 0;
  std::int64_t (*clock_us_)() = nullptr;
};

}  // namespace kv
