#include "workers.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace wasio::run {
namespace {

using clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds first_delay{100};
constexpr std::chrono::milliseconds longest_delay{5'000};
constexpr std::chrono::seconds kill_margin{5};

struct worker {
  unsigned number = 0;
  pid_t pid = 0;  // 0: not running
  clock::time_point started{};
  unsigned failures = 0;                       // crashes in a row
  std::optional<clock::time_point> restart_at;  // a crash waiting for its restart
  int last_status = 0;                         // as a single wasio-run would report it
};

void say(const std::string& line) {
  std::fprintf(stderr, "wasio-run: %s\n", line.c_str());
  std::fflush(stderr);
}

std::string signal_text(int s) {
  const char* abbrev = sigabbrev_np(s);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(s);
}

std::string label(const worker& w) { return "worker " + std::to_string(w.number) + " (pid " + std::to_string(w.pid) + ")"; }

sigset_t handled_set() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&set, s);
  return set;
}

/// The child's side: its own process group, death with the supervisor, stdin from /dev/null, the
/// signal mask it had before the supervisor blocked everything; then the guest.
[[noreturn]] void become_worker(unsigned number, pid_t supervisor, const sigset_t& old_mask,
                                const std::function<int(unsigned)>& run_worker) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != supervisor) ::_exit(1);  // the supervisor died before prctl took effect
  ::setpgid(0, 0);
  if (const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC); null >= 0) {
    ::dup2(null, 0);  // dup2 clears O_CLOEXEC on fd 0
    ::close(null);
  }
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ::sigaction(SIGCHLD, &dfl, nullptr);
  ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  const int status = run_worker(number);
  std::fflush(stdout);
  std::fflush(stderr);
  ::_exit(status);
}

bool start(worker& w, const sigset_t& old_mask, const std::function<int(unsigned)>& run_worker) {
  std::fflush(stdout);
  std::fflush(stderr);  // nothing buffered is written twice
  const pid_t supervisor = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    say("cannot start worker " + std::to_string(w.number) + ": " + std::strerror(errno));
    return false;
  }
  if (pid == 0) become_worker(w.number, supervisor, old_mask, run_worker);
  w.pid = pid;
  w.started = clock::now();
  w.restart_at.reset();
  say(label(w) + " started");
  return true;
}

}  // namespace

std::chrono::milliseconds restart_delay(unsigned failures) {
  std::chrono::milliseconds delay = first_delay;
  for (unsigned i = 1; i < failures && delay < longest_delay; ++i) delay *= 2;
  return std::min(delay, longest_delay);
}

int supervise_workers(const worker_options& options, const std::function<int(unsigned)>& run_worker) {
  // Every signal the supervisor acts on waits in its mask and is taken by sigtimedwait: no handler
  // runs between a fork and the bookkeeping of its pid.
  const sigset_t handled = handled_set();
  std::signal(SIGPIPE, SIG_IGN);  // a closed stderr pipe must not end the supervisor
  sigset_t old_mask;
  ::sigprocmask(SIG_BLOCK, &handled, &old_mask);

  std::vector<worker> workers(options.count);
  for (unsigned i = 0; i < options.count; ++i) workers[i].number = i + 1;
  for (worker& w : workers)
    if (!start(w, old_mask, run_worker)) {
      w.last_status = 1;
      w.failures = 1;
      w.restart_at = clock::now() + restart_delay(1);
    }

  if (options.on_started) options.on_started();

  bool stopping = false;
  int first_signal = 0;
  std::optional<clock::time_point> kill_at;
  auto forward = [&](int s) {
    for (const worker& w : workers)
      if (w.pid != 0) ::kill(w.pid, s);
  };
  for (;;) {
    const bool any_running = std::any_of(workers.begin(), workers.end(), [](const worker& w) { return w.pid != 0; });
    const bool any_waiting =
        !stopping && std::any_of(workers.begin(), workers.end(), [](const worker& w) { return w.restart_at.has_value(); });
    if (!any_running && !any_waiting) break;

    // The next thing to do by the clock: a restart, or the backstop after a shutdown.
    std::optional<clock::time_point> next = kill_at;
    if (!stopping)
      for (const worker& w : workers)
        if (w.restart_at && (!next || *w.restart_at < *next)) next = w.restart_at;
    siginfo_t info{};
    int s;
    if (next) {
      const auto left = std::max<clock::duration>(clock::duration::zero(), *next - clock::now());
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      const timespec wait{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
      s = ::sigtimedwait(&handled, &info, &wait);
    } else {
      s = ::sigwaitinfo(&handled, &info);
    }
    if (s < 0 && errno != EAGAIN && errno != EINTR) {
      say(std::string("supervisor: sigtimedwait failed: ") + std::strerror(errno));
      forward(SIGKILL);
      stopping = true;
    }

    if (s == SIGCHLD || s < 0) {
      int status = 0;
      pid_t pid;
      while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
        auto it = std::find_if(workers.begin(), workers.end(), [pid](const worker& w) { return w.pid == pid; });
        if (it == workers.end()) continue;
        worker& w = *it;
        const bool crashed = WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0);
        w.last_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
        std::string how = WIFSIGNALED(status) ? "was killed by " + signal_text(WTERMSIG(status))
                                              : "exited with status " + std::to_string(WEXITSTATUS(status));
        const bool ran_long = clock::now() - w.started >= restart_reset_after;
        std::string line = label(w) + " " + how;
        w.pid = 0;
        if (stopping) {
          say(line);
        } else if (!crashed) {
          say(line + ": its guest ended by itself; not restarted");
        } else {
          w.failures = ran_long ? 1 : w.failures + 1;
          const auto delay = restart_delay(w.failures);
          w.restart_at = clock::now() + delay;
          say(line + ": restarting it in " + std::to_string(delay.count()) + " ms");
        }
      }
    } else if (s == SIGTERM || s == SIGINT) {
      const int running = static_cast<int>(
          std::count_if(workers.begin(), workers.end(), [](const worker& w) { return w.pid != 0; }));
      if (!stopping) {
        stopping = true;
        first_signal = s;
        kill_at = clock::now() + options.shutdown_timeout + kill_margin;
        say(signal_text(s) + ": shutting down " + std::to_string(running) +
            " worker(s); each drains as a single wasio-run does (a second signal ends them now)");
        if (options.on_stopping) options.on_stopping();
      } else {
        say("second " + signal_text(s) + ": ending every worker now");
      }
      forward(s);
    } else if (s == SIGHUP || s == SIGUSR1) {
      forward(s);
    }

    const auto now = clock::now();
    if (kill_at && now >= *kill_at) {
      say("workers still running " + std::to_string((options.shutdown_timeout + kill_margin).count()) +
          " ms after " + signal_text(first_signal) + ": killing them");
      forward(SIGKILL);
      kill_at.reset();
    }
    if (!stopping)
      for (worker& w : workers)
        if (w.restart_at && now >= *w.restart_at && !start(w, old_mask, run_worker))
          w.restart_at = now + restart_delay(++w.failures);
  }
  ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  for (const worker& w : workers)
    if (w.last_status != 0) return w.last_status;
  return 0;
}

}  // namespace wasio::run
