#pragma once
/// wasio::rt::error_log: error lines on stderr, rate-limited per kind, so a condition that repeats
/// (out of descriptors in an accept loop, a flood of resets) costs one line per interval, not one
/// line per occurrence.
///
/// A kind is the pair (`what`, errc) of report(what, code), or `what` alone for report(what, detail).
/// - The first report of a kind is printed at once: `echo: accept failed: too many open files`.
/// - Reports of the same kind within `interval` of the last printed one are held back and counted.
/// - The first report after the interval is printed with that count:
///   `echo: accept failed: too many open files (and 412 more in the last 10.0 s)`.
/// - A count still held when the condition stops is printed by the next report of any kind after
///   the interval, by tick() (a server's periodic task may call it), by flush(), and at destruction.
///   So every occurrence is either printed or counted in a printed line, and a flood of one kind
///   prints about one line per interval.
///
/// Errors: none; writing to stderr is best effort (a failing stderr loses the line, never the server).
/// Notes:
/// - Memory is bounded: at most `max_kinds` kinds are tracked; a new kind beyond that replaces the
///   one printed longest ago (its held count is printed first). `what` and details are truncated to
///   `max_text` bytes.
/// - Single-threaded like the runtime: use one error_log per runtime thread.
/// - The clock and the line sink can be replaced (tests pass their own); by default rt::clock and stderr.
///
/// Example (compiled in examples/echo/echo_server.cpp):
///   wasio::rt::error_log log("echo");
///   rt.spawn(wasio::rt::accept_loop(listener, on_accept,
///                                   [&log](wasio::errc code) { log.report("accept failed", code); }));

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "wasio/errc.hpp"
#include "wasio/rt/clock.hpp"

namespace wasio::rt {

class error_log {
 public:
  static constexpr std::size_t max_kinds = 16;
  static constexpr std::size_t max_text = 200;
  static constexpr clock::duration default_interval = std::chrono::seconds(10);

  /// Receives each finished line (without its newline).
  using sink_fn = void (*)(std::string_view line, void* context);
  using now_fn = clock::time_point (*)();

  /// Lines start with "`program`: ". The default sink writes each line to stderr in one write.
  explicit error_log(std::string_view program, clock::duration interval = default_interval,
                     sink_fn sink = nullptr, void* sink_context = nullptr, now_fn now = nullptr);
  error_log(const error_log&) = delete;
  error_log& operator=(const error_log&) = delete;
  /// Prints what is still held (flush()).
  ~error_log();

  /// "program: what: <message of code>", rate-limited per (what, code).
  void report(std::string_view what, errc code);
  /// "program: what: detail", rate-limited per `what` (the held count's line shows the latest detail).
  void report(std::string_view what, std::string_view detail);

  /// Prints the held counts of kinds whose interval has passed.
  void tick();
  /// Prints every held count now.
  void flush();

  /// Lines printed so far, and reports held back (each of which a printed line counted or will count).
  std::uint64_t lines_printed() const { return printed_; }
  std::uint64_t reports_held() const { return held_total_; }

 private:
  struct kind {
    bool used = false;
    bool has_code = false;
    errc code{};
    std::string what;
    std::string detail;            // the latest one, for the held count's line
    clock::time_point printed_at{};  // when this kind's last line went out: its interval's start
    std::uint64_t held = 0;
  };

  void report_kind(std::string_view what, bool has_code, errc code, std::string_view detail);
  kind& slot_for(std::string_view what, bool has_code, errc code, clock::time_point now, bool& fresh);
  void print(kind& k, clock::time_point now);
  clock::time_point now() const;

  std::string program_;
  clock::duration interval_;
  sink_fn sink_;
  void* sink_context_;
  now_fn now_;
  std::array<kind, max_kinds> kinds_;
  std::string line_;  // reused for every line
  std::uint64_t printed_ = 0;
  std::uint64_t held_total_ = 0;
};

}  // namespace wasio::rt
