#pragma once
/// wasio::testbed::control_channel: shutdown and reopen requests from outside, delivered to a guest.
///
/// A preview1 guest has no signals. The embedder (wasio-run, or the native front-end for a natively
/// linked guest) turns the process's signals into bytes on a stream the guest reads (docs/shutdown.md):
/// one end of a socketpair(2) is adopted into the host as a guest fd (announced as WASIO_CONTROL_FD),
/// the other stays here, watched by one thread of this class.
///
/// Protocol (one byte per message, both directions; unknown bytes are ignored by both sides):
///   host -> guest: 'T' shutdown requested (SIGTERM, SIGINT), 'H' reopen requested (SIGHUP).
///   guest -> host: 'S' "I drain on shutdown", 'R' "I reopen on SIGHUP". A guest that closes its end
///   unsubscribes from both.
/// Signals, once handle_signals() ran:
///   - SIGTERM / SIGINT, first one: a guest that sent 'S' gets 'T' and `shutdown_timeout` to end by
///     itself; `on_shutdown` runs (sd_notify STOPPING=1). A guest that never sent 'S' is ended at once.
///   - a second SIGTERM / SIGINT, or the timeout passing: the process ends at once, status
///     128 + the first signal's number (143 for SIGTERM, 130 for SIGINT), with one line on stderr.
///   - SIGHUP: 'H' to a guest that sent 'R'; ignored otherwise.
///   - SIGQUIT keeps its default action (core dump): the operator's "now, with a core".
/// Errors (create): the socketpair(2) errno as errc (mfile, nfile, nomem); those of host::adopt_stream.
/// Notes: one channel handles signals per process. The handler only writes the signal number to a
/// pipe (async-signal-safe); everything else runs on the channel's thread, which never touches the
/// host (the guest thread owns it): it talks to the guest only through its end of the pair.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "wasio/result.hpp"
#include "wasio/sys/abi.hpp"
#include "wasio/testbed/host.hpp"

namespace wasio::testbed {

/// The guest's environment variables for the channel.
inline constexpr const char* control_fd_variable = "WASIO_CONTROL_FD";
inline constexpr const char* shutdown_timeout_variable = "WASIO_SHUTDOWN_TIMEOUT_MS";
/// The grace period when nobody says otherwise (docker stop's default).
inline constexpr std::chrono::milliseconds default_shutdown_timeout{10'000};

/// "10", "10s", "2500ms", "0" (seconds when no unit); at most a day. Errors: inval.
result<std::chrono::milliseconds> parse_shutdown_timeout(std::string_view text);

class control_channel {
 public:
  struct options {
    std::chrono::milliseconds shutdown_timeout = default_shutdown_timeout;
    /// Prefix of the channel's stderr lines ("wasio-run", "wasio").
    std::string program = "wasio-run";
    /// Runs on the channel's thread when a drain starts (the guest got 'T').
    std::function<void()> on_shutdown;
    /// Ends the process with `status` (tests replace it; default _exit after flushing stderr).
    std::function<void(int status)> end_process;
  };

  /// Makes the pair and hands one end to `h` as its next guest fd.
  static result<std::unique_ptr<control_channel>> create(host& h, options opts);
  ~control_channel();
  control_channel(const control_channel&) = delete;
  control_channel& operator=(const control_channel&) = delete;

  /// The guest fd of the channel (the value of WASIO_CONTROL_FD).
  abi::fd guest_fd() const { return guest_fd_; }
  /// Routes SIGTERM, SIGINT and SIGHUP to this channel until release_signals() or destruction.
  void handle_signals();
  /// SIGTERM, SIGINT and SIGHUP are ignored from now on (a late signal must not replace the
  /// guest's exit status), never back to their default action.
  void release_signals();
  /// What a signal would do, without one (tests): `signal_number` is SIGTERM, SIGINT or SIGHUP.
  void deliver(int signal_number);

  bool guest_drains() const { return drains_.load(); }
  bool guest_reopens() const { return reopens_.load(); }
  bool shutdown_started() const { return shutdown_started_.load(); }

 private:
  control_channel(int host_end, abi::fd guest_fd, options opts);
  void watch();
  void on_signal(int signal_number, std::chrono::steady_clock::time_point& deadline, int& first_signal);
  void send(char byte);
  void end(int status, const std::string& why);

  int host_end_;
  abi::fd guest_fd_;
  options opts_;
  int pipe_[2] = {-1, -1};  // signal numbers, written by the handler and deliver(); 0 ends watch()
  std::atomic<bool> drains_{false}, reopens_{false}, shutdown_started_{false};
  std::thread watcher_;
};

}  // namespace wasio::testbed
