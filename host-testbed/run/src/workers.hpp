#pragma once
// wasio-run --workers N: N guest instances in N processes sharing the pre-opened listeners, under
// one supervisor process (docs/workers.md).
//
// The supervisor is the wasio-run process itself, after the module is loaded and the host has
// bound every listener: each worker is a fork(2) of it, so it inherits the listening sockets (the
// kernel hands each new connection to whichever worker's accept takes it), the loaded module (no
// compile, no cache read per worker) and stdout/stderr. Only the supervisor sees the operator's
// signals (each worker leads its own process group, so a terminal's Ctrl-C or a kill of the
// supervisor's group reaches only it) and it:
//   - restarts a worker that crashed (nonzero exit, or killed by a signal), after a delay that
//     starts at 100 ms and doubles up to 5 s; it starts again from 100 ms once a worker has run
//     10 s; a worker whose guest ends with status 0 by itself is not restarted;
//   - forwards SIGTERM / SIGINT to every worker, which drains exactly as a single wasio-run does
//     (its own control channel); a second one is forwarded too, and ends every worker at once;
//     no worker is restarted from the first one on; if workers are still there --shutdown-timeout
//     plus 5 s after it, they get SIGKILL;
//   - forwards SIGHUP (reopen) and SIGUSR1 (--waker) to every worker;
//   - logs every start, exit and restart on stderr with the worker's number and pid.
// A worker dies with the supervisor (PR_SET_PDEATHSIG SIGKILL): a killed supervisor leaves no
// orphans serving the port.
// Exit status: 0 when every worker's last run ended with 0 (a clean drain, or a guest that
// returned); otherwise the status of the lowest-numbered worker that did not, as a single
// wasio-run would have reported it (its exit code, 128 + the signal that killed it; 143 when a
// second SIGTERM or the drain timeout ended it). A worker waiting for its restart when the
// shutdown came counts with the status of the crash it is waiting after.

#include <chrono>
#include <functional>

namespace wasio::run {

struct worker_options {
  unsigned count = 1;
  std::chrono::milliseconds shutdown_timeout{10'000};  // the workers' grace; the supervisor's backstop
  /// In the supervisor, once the first N workers were started (sd_notify READY=1).
  std::function<void()> on_started;
  /// In the supervisor, at the first SIGTERM / SIGINT, before it is passed on (STOPPING=1).
  std::function<void()> on_stopping;
};

/// The most --workers accepts.
inline constexpr unsigned max_workers = 256;

/// Forks options.count workers, each running run_worker(number) (1-based) in the child and exiting
/// with what it returns; supervises them as described above and returns the exit status. The
/// calling process must not have other threads (fork copies only the caller's).
int supervise_workers(const worker_options& options, const std::function<int(unsigned worker)>& run_worker);

/// The delay before restarting a worker after `failures` crashes in a row (1: the first).
std::chrono::milliseconds restart_delay(unsigned failures);

/// How long a worker must run before its crash counts as the first in a row again.
inline constexpr std::chrono::seconds restart_reset_after{10};

}  // namespace wasio::run
