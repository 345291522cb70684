// wasio_bench_wakeup: every wake strategy, natively linked (the loop on a thread of this process) and
// as wasm under wasio-run (a child process): wake-to-return latency, idle CPU, echo throughput while
// waking at several rates. Writes one CSV row per (build, strategy); see docs/wakeup.md.
//
// Usage: wasio_bench_wakeup --wasio-run PATH --module wakeup_bench_guest.wasm --csv OUT
//          [--wakes 2000] [--idle-seconds 10] [--echo-seconds 2] [--rounds 3] [--quick] [--native-only]
//          [--only LABEL]
// Latency runs --rounds times per strategy; the round with the median p99 is reported.
// Latency: closed loop, one wake at a time: t0 = CLOCK_MONOTONIC just before the trigger, t1 = the
// guest's CLOCK_MONOTONIC when its poll returned with the wake. Same-thread wakes are timed inside
// the loop (wake() then wait()).

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_loop.hpp"
#include "wasio/testbed/host.hpp"
#include "wasio/testbed/native.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

std::uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

struct strategy_spec {
  std::string label;     // in the CSV
  std::string strategy;  // bench_loop's name
  std::chrono::microseconds tick{0};
  bool native_only = false;
};

const std::vector<strategy_spec> strategies = {
    {"timed-100us", "timed", 100us},   {"timed-1ms", "timed", 1000us}, {"timed-10ms", "timed", 10000us},
    {"control-listener", "control", 0us}, {"host-channel", "host", 0us}, {"native-interrupt", "interrupt", 0us, true},
    {"same-thread", "same-thread", 0us},
};

/// Lines or values handed from a reader thread to the measuring thread.
template <class T>
class queue {
 public:
  void push(T v) {
    {
      std::lock_guard lock(mutex_);
      items_.push_back(std::move(v));
    }
    ready_.notify_one();
  }
  std::optional<T> pop(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!ready_.wait_for(lock, timeout, [&] { return !items_.empty(); })) return std::nullopt;
    T v = std::move(items_.front());
    items_.pop_front();
    return v;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    items_.clear();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<T> items_;
};

struct wake_seen {
  std::uint64_t returned_ns;
  std::uint64_t polls;
};

int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof one);
  return fd;
}

/// One running loop with one strategy.
class target {
 public:
  virtual ~target() = default;
  /// One wake from outside the loop (the strategy's waker side).
  virtual void trigger() = 0;
  virtual queue<wake_seen>& wakes() = 0;
  /// CPU the loop has used so far, in seconds.
  virtual double cpu_seconds() = 0;
  /// Polls the loop made so far, when the target can count them without waking the loop.
  virtual std::optional<std::uint64_t> polls() { return std::nullopt; }
  virtual std::uint16_t echo_port() = 0;
};

// --- Natively linked: the loop runs on a thread of this process against an installed host.
class native_target final : public target {
 public:
  native_target(const strategy_spec& spec, double self_rate, std::uint64_t self_latency,
                queue<std::uint64_t>* self_out) {
    wasio::testbed::host_config config;
    config.args = {"wakeup_bench"};
    config.listeners.push_back({"127.0.0.1", 0});
    if (spec.strategy == "control") config.listeners.push_back({"127.0.0.1", 0});
    host_ = wasio::testbed::host::create(std::move(config)).value();
    installed_.emplace(*host_);
    options_.strategy = spec.strategy;
    options_.tick = spec.tick;
    options_.echo_fd = host_->listeners()[0].fd;
    options_.self_wake_rate = self_rate;
    options_.self_latency_wakes = self_latency;
    if (spec.strategy == "control") {
      options_.wake_fd = host_->listeners()[1].fd;
      control_ = connect_loopback(host_->listeners()[1].port);
    } else if (spec.strategy == "host") {
      int pair[2];
      ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair);
      host_end_ = pair[0];
      options_.wake_fd = host_->adopt_stream(pair[1]).value();
    }
    hooks_.woke = [this](std::uint64_t t, std::uint64_t p) {
      if (report_.load()) wakes_.push({t, p});
    };
    hooks_.stop = [this] {
      polls_.fetch_add(1, std::memory_order_relaxed);
      if (!stopping_.load()) return false;
      // The loop ends now and destroys its waker: the destructor's wakes must stop using it first.
      std::lock_guard<std::mutex> hold(waker_lock_);
      waker_.store(nullptr);
      return true;
    };
    hooks_.ready = [this](wasio::waker& w) { waker_.store(&w); };
    hooks_.self_latency = [self_out](std::uint64_t ns) { self_out->push(ns); };
    loop_ = std::thread([this] {
      cpu_clock_ready_ = pthread_getcpuclockid(pthread_self(), &cpu_clock_) == 0;
      started_.store(true);
      status_ = wasio::bench::run_bench_loop(options_, hooks_);
      finished_.store(true);
    });
    while (!started_.load()) std::this_thread::sleep_for(1ms);
    if (spec.strategy == "timed" || spec.strategy == "interrupt" || spec.strategy == "same-thread")
      while (waker_.load() == nullptr && !finished_.load()) std::this_thread::sleep_for(1ms);
  }
  ~native_target() override {
    stopping_.store(true);
    while (!finished_.load()) {
      trigger_while_stopping();
      std::this_thread::sleep_for(1ms);
    }
    loop_.join();
    if (control_ >= 0) ::close(control_);
    if (host_end_ >= 0) ::close(host_end_);
    installed_.reset();
  }
  void trigger() override {
    if (control_ >= 0) {
      (void)::send(control_, "w", 1, MSG_NOSIGNAL);
    } else if (host_end_ >= 0) {
      (void)::send(host_end_, "w", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    } else if (wasio::waker* w = waker_.load()) {
      (void)w->wake();
    }
  }
  queue<wake_seen>& wakes() override { return wakes_; }
  double cpu_seconds() override {
    timespec ts{};
    if (!cpu_clock_ready_ || clock_gettime(cpu_clock_, &ts) != 0) return 0;
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  }
  std::optional<std::uint64_t> polls() override { return polls_.load(); }
  std::uint16_t echo_port() override { return host_->listeners()[0].port; }
  void set_report(bool on) { report_.store(on); }
  bool finished() const { return finished_.load(); }

 private:
  /// trigger() for the destructor: the loop may be destroying its waker right now (a dangling
  /// wake crashed the suite's run once), so the waker is only used under waker_lock_, which the
  /// stop hook takes to clear it before the loop ends.
  void trigger_while_stopping() {
    if (control_ >= 0 || host_end_ >= 0) return trigger();
    std::lock_guard<std::mutex> hold(waker_lock_);
    if (wasio::waker* w = waker_.load()) (void)w->wake();
  }

  std::mutex waker_lock_;
  std::unique_ptr<wasio::testbed::host> host_;
  std::optional<wasio::testbed::native::scoped_host> installed_;
  wasio::bench::bench_options options_;
  wasio::bench::bench_hooks hooks_;
  queue<wake_seen> wakes_;
  std::atomic<bool> report_{true}, stopping_{false}, started_{false}, finished_{false};
  std::atomic<wasio::waker*> waker_{nullptr};
  std::atomic<std::uint64_t> polls_{0};
  clockid_t cpu_clock_{};
  bool cpu_clock_ready_ = false;
  int status_ = 0;
  int control_ = -1, host_end_ = -1;
  std::thread loop_;
};

// --- wasm under wasio-run: a child process, woken from here.
class wasm_target final : public target {
 public:
  wasm_target(const std::string& wasio_run, const std::string& module, const strategy_spec& spec, bool report,
              double self_rate, std::uint64_t self_latency, queue<std::uint64_t>* self_out)
      : spec_(spec), self_out_(self_out) {
    std::vector<std::string> argv = {wasio_run, "--tcplisten", "127.0.0.1:0"};
    if (spec.strategy == "control") argv.insert(argv.end(), {"--tcplisten", "127.0.0.1:0"});
    if (spec.strategy == "host" || spec.strategy == "timed") argv.push_back("--waker");
    argv.insert(argv.end(), {module, spec.strategy});
    if (spec.tick.count() > 0) argv.insert(argv.end(), {"--tick-us", std::to_string(spec.tick.count())});
    if (report) argv.push_back("--report");
    if (self_rate > 0) argv.insert(argv.end(), {"--self-rate", std::to_string(self_rate)});
    if (self_latency > 0) argv.insert(argv.end(), {"--self-latency", std::to_string(self_latency)});
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) throw_up("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    out_reader_ = std::thread([this, fd = out[0]] { read_lines(fd, true); });
    err_reader_ = std::thread([this, fd = err[0]] { read_lines(fd, false); });
    std::unique_lock lock(mutex_);
    const std::size_t wanted_ports = spec.strategy == "control" ? 2 : 1;
    auto up = [&] { return ready_ && ports_.size() >= wanted_ports; };
    // A guest measuring its own wakes (--self-latency) prints its figures and exits: it may be gone
    // by the time this thread wakes, which is no failure once it got ready.
    if (!changed_.wait_for(lock, 120s, [&] { return up() || ended_; }) || !up())
      throw_up("wasio-run did not get ready");
    if (spec.strategy == "control") control_ = connect_loopback(ports_[1]);
  }
  ~wasm_target() override {
    ::kill(pid_, SIGTERM);
    int status;
    ::waitpid(pid_, &status, 0);
    out_reader_.join();
    err_reader_.join();
    if (control_ >= 0) ::close(control_);
  }
  void trigger() override {
    if (control_ >= 0)
      (void)::send(control_, "w", 1, MSG_NOSIGNAL);
    else
      ::kill(pid_, SIGUSR1);
  }
  queue<wake_seen>& wakes() override { return wakes_; }
  double cpu_seconds() override {
    // Every thread of wasio-run (the guest thread does the work; the main thread waits).
    double total = 0;
    const std::string dir = "/proc/" + std::to_string(pid_) + "/task";
    if (DIR* d = ::opendir(dir.c_str())) {
      while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;
        std::ifstream in(dir + "/" + e->d_name + "/schedstat");
        unsigned long long ns = 0;
        if (in >> ns) total += static_cast<double>(ns) / 1e9;
      }
      ::closedir(d);
    }
    return total;
  }
  std::uint16_t echo_port() override { return ports_[0]; }
  bool ended() {
    std::lock_guard lock(mutex_);
    return ended_;
  }

 private:
  [[noreturn]] void throw_up(const char* what) {
    std::fprintf(stderr, "wasio_bench_wakeup: %s (%s)\n%s", what, spec_.label.c_str(), err_text_.c_str());
    std::exit(1);
  }
  void read_lines(int fd, bool is_stdout) {
    std::string pending;
    char buf[4096];
    static const std::regex listening(R"(listening on 127\.0\.0\.1:(\d+))");
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      pending.append(buf, static_cast<std::size_t>(n));
      std::size_t eol;
      while ((eol = pending.find('\n')) != std::string::npos) {
        std::string line = pending.substr(0, eol);
        pending.erase(0, eol + 1);
        if (is_stdout) {
          unsigned long long a = 0, b = 0;
          if (std::sscanf(line.c_str(), "w %llu %llu", &a, &b) == 2) wakes_.push({a, b});
          else if (std::sscanf(line.c_str(), "l %llu", &a) == 1 && self_out_) self_out_->push(a);
          else if (line == "wakeup_bench: ready") {
            std::lock_guard lock(mutex_);
            ready_ = true;
            changed_.notify_all();
          }
        } else {
          std::smatch m;
          std::lock_guard lock(mutex_);
          if (err_text_.size() < 8192) err_text_ += line + "\n";
          if (std::regex_search(line, m, listening)) ports_.push_back(static_cast<std::uint16_t>(std::stoi(m[1])));
          changed_.notify_all();
        }
      }
    }
    ::close(fd);
    std::lock_guard lock(mutex_);
    ended_ = true;
    changed_.notify_all();
  }

  strategy_spec spec_;
  queue<std::uint64_t>* self_out_;
  pid_t pid_ = -1;
  int control_ = -1;
  std::thread out_reader_, err_reader_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool ready_ = false, ended_ = false;
  std::vector<std::uint16_t> ports_;
  std::string err_text_;
  queue<wake_seen> wakes_;
};

struct settings {
  std::string wasio_run, module, csv;
  std::uint64_t wakes = 2000;
  double idle_seconds = 10, echo_seconds = 2;
  bool native_only = false;
  std::string only;  // --only LABEL: one strategy
  int rounds = 3;     // latency rounds per strategy; the round with the median p99 is reported
};

struct row {
  std::string build, strategy;
  std::vector<std::uint64_t> latencies;
  double idle_cpu_percent = -1;
  double idle_polls_per_second = -1;
  double echo_mib_s[3] = {-1, -1, -1};
};
constexpr double wake_rates[3] = {0, 100, 10000};

std::unique_ptr<target> start(const settings& s, const std::string& build, const strategy_spec& spec, bool report,
                              double self_rate = 0, std::uint64_t self_latency = 0,
                              queue<std::uint64_t>* self_out = nullptr) {
  if (build == "native") return std::make_unique<native_target>(spec, self_rate, self_latency, self_out);
  return std::make_unique<wasm_target>(s.wasio_run, s.module, spec, report, self_rate, self_latency, self_out);
}

std::uint64_t wakes_for(const settings& s, const strategy_spec& spec) {
  if (spec.tick.count() == 0) return s.wakes;
  // Each timed wake costs about half a tick: cap a strategy's latency run at about 3 s.
  const std::uint64_t affordable = static_cast<std::uint64_t>(6s / spec.tick);
  return std::max<std::uint64_t>(50, std::min(s.wakes, affordable));
}

void measure_latency(const settings& s, const std::string& build, const strategy_spec& spec, row& r) {
  const std::uint64_t n = wakes_for(s, spec);
  if (spec.strategy == "same-thread") {
    queue<std::uint64_t> got;
    auto t = start(s, build, spec, false, 0, n, &got);
    for (std::uint64_t i = 0; i < n; ++i) {
      auto v = got.pop(30s);
      if (!v) break;
      r.latencies.push_back(*v);
    }
    return;
  }
  auto t = start(s, build, spec, true);
  std::mt19937 random(42);
  const auto spread = std::max<std::chrono::microseconds>(spec.tick, 50us);
  std::uniform_int_distribution<long> pause(0, spread.count());
  for (std::uint64_t i = 0; i < n; ++i) {
    std::this_thread::sleep_for(std::chrono::microseconds(pause(random)));  // decorrelates from ticks
    t->wakes().clear();
    const std::uint64_t t0 = now_ns();
    t->trigger();
    auto seen = t->wakes().pop(10s);
    if (!seen) {
      std::fprintf(stderr, "wasio_bench_wakeup: %s/%s: a wake was lost\n", build.c_str(), spec.label.c_str());
      break;
    }
    r.latencies.push_back(seen->returned_ns > t0 ? seen->returned_ns - t0 : 0);
  }
}

void measure_idle(const settings& s, const std::string& build, const strategy_spec& spec, row& r) {
  auto t = start(s, build, spec, true);
  std::this_thread::sleep_for(200ms);
  std::optional<std::uint64_t> polls_before = t->polls();
  const bool external = spec.strategy != "same-thread" && build == "wasm";
  if (external && !polls_before) {  // learn the poll count from a wake before and after
    t->trigger();
    if (auto w = t->wakes().pop(10s)) polls_before = w->polls;
  }
  const double cpu0 = t->cpu_seconds();
  const auto started = clock_type::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(s.idle_seconds));
  const double cpu1 = t->cpu_seconds();
  const double seconds = std::chrono::duration<double>(clock_type::now() - started).count();
  std::optional<std::uint64_t> polls_after = t->polls();
  if (external && polls_before) {
    t->wakes().clear();
    t->trigger();
    if (auto w = t->wakes().pop(10s)) polls_after = w->polls - 1;  // not counting the wake's own poll
  }
  r.idle_cpu_percent = 100.0 * (cpu1 - cpu0) / seconds;
  if (polls_before && polls_after) r.idle_polls_per_second = static_cast<double>(*polls_after - *polls_before) / seconds;
}

/// Bytes per second echoed through 4 connections, each keeping 64 KiB in flight.
double echo_throughput(std::uint16_t port, double seconds) {
  constexpr int clients = 4;
  constexpr std::size_t in_flight = 65536, chunk = 16384;
  std::vector<int> fds;
  std::vector<std::size_t> outstanding(clients, 0);
  for (int i = 0; i < clients; ++i) {
    int fd = connect_loopback(port);
    if (fd < 0) return -1;
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
    fds.push_back(fd);
  }
  std::vector<char> out(chunk, 'x'), in(65536);
  std::uint64_t echoed = 0;
  const auto begin = clock_type::now();
  const auto end = begin + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(seconds));
  while (clock_type::now() < end) {
    std::vector<pollfd> p(clients);
    for (int i = 0; i < clients; ++i)
      p[i] = {fds[i], static_cast<short>(POLLIN | (outstanding[i] + chunk <= in_flight ? POLLOUT : 0)), 0};
    if (::poll(p.data(), p.size(), 100) < 0) break;
    for (int i = 0; i < clients; ++i) {
      if (p[i].revents & POLLOUT) {
        ssize_t n = ::send(fds[i], out.data(), chunk, MSG_NOSIGNAL);
        if (n > 0) outstanding[i] += static_cast<std::size_t>(n);
      }
      if (p[i].revents & POLLIN) {
        ssize_t n = ::recv(fds[i], in.data(), in.size(), 0);
        if (n > 0) {
          outstanding[i] -= std::min(outstanding[i], static_cast<std::size_t>(n));
          echoed += static_cast<std::uint64_t>(n);
        }
      }
    }
  }
  const double took = std::chrono::duration<double>(clock_type::now() - begin).count();
  for (int fd : fds) ::close(fd);
  return static_cast<double>(echoed) / took;
}

void measure_echo(const settings& s, const std::string& build, const strategy_spec& spec, row& r) {
  for (int k = 0; k < 3; ++k) {
    const double rate = wake_rates[k];
    const bool self = spec.strategy == "same-thread";
    auto t = start(s, build, spec, false, self ? rate : 0);
    if (auto* n = dynamic_cast<native_target*>(t.get())) n->set_report(false);
    std::atomic<bool> done{false};
    std::thread waker;
    if (!self && rate > 0) {
      waker = std::thread([&] {
        const auto period = std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(1.0 / rate));
        auto next = clock_type::now();
        while (!done.load()) {
          t->trigger();
          next += period;
          std::this_thread::sleep_until(next);
        }
      });
    }
    r.echo_mib_s[k] = echo_throughput(t->echo_port(), s.echo_seconds) / (1024.0 * 1024.0);
    done.store(true);
    if (waker.joinable()) waker.join();
  }
}

double percentile(std::vector<std::uint64_t> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
  return static_cast<double>(v[i]) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (word == "--wasio-run") s.wasio_run = next();
    else if (word == "--module") s.module = next();
    else if (word == "--csv") s.csv = next();
    else if (word == "--wakes") s.wakes = std::stoull(next());
    else if (word == "--idle-seconds") s.idle_seconds = std::stod(next());
    else if (word == "--echo-seconds") s.echo_seconds = std::stod(next());
    else if (word == "--native-only") s.native_only = true;
    else if (word == "--only") s.only = next();
    else if (word == "--rounds") s.rounds = std::max(1, std::stoi(next()));
    else if (word == "--quick") s.wakes = 100, s.idle_seconds = 0.3, s.echo_seconds = 0.3, s.rounds = 1;
    else {
      std::fprintf(stderr, "usage: wasio_bench_wakeup --wasio-run P --module M --csv OUT [--wakes N] [--idle-seconds S] "
                           "[--echo-seconds S] [--rounds N] [--quick] [--native-only] [--only LABEL]\n");
      return 2;
    }
  }
  ::signal(SIGPIPE, SIG_IGN);
  std::vector<row> rows;
  for (const std::string build : {"native", "wasm"}) {
    if (build == "wasm" && (s.native_only || s.module.empty() || s.wasio_run.empty())) continue;
    for (const strategy_spec& spec : strategies) {
      if (build == "wasm" && spec.native_only) continue;
      if (!s.only.empty() && spec.label != s.only) continue;
      row r{build, spec.label};
      // Other work on a shared machine lands in some rounds and not others: rounds run apart in
      // time, and the one with the median p99 stands for the strategy (all are printed).
      std::vector<row> rounds(static_cast<std::size_t>(s.rounds), r);
      for (row& round : rounds) measure_latency(s, build, spec, round);
      std::sort(rounds.begin(), rounds.end(), [](const row& a, const row& b) {
        return percentile(a.latencies, 0.99) < percentile(b.latencies, 0.99);
      });
      std::fprintf(stderr, "%-6s %-17s p99 by round:", build.c_str(), spec.label.c_str());
      for (const row& round : rounds) std::fprintf(stderr, " %.1f", percentile(round.latencies, 0.99));
      std::fprintf(stderr, " us\n");
      r.latencies = rounds[rounds.size() / 2].latencies;
      measure_idle(s, build, spec, r);
      measure_echo(s, build, spec, r);
      std::fprintf(stderr, "%-6s %-17s p50 %8.1f us  p99 %8.1f us  max %9.1f us  idle %6.2f%% CPU %8.1f polls/s  echo %.0f/%.0f/%.0f MiB/s\n",
                   build.c_str(), spec.label.c_str(), percentile(r.latencies, 0.5), percentile(r.latencies, 0.99),
                   percentile(r.latencies, 1.0), r.idle_cpu_percent, r.idle_polls_per_second, r.echo_mib_s[0],
                   r.echo_mib_s[1], r.echo_mib_s[2]);
      rows.push_back(std::move(r));
    }
  }
  std::FILE* out = s.csv.empty() ? stdout : std::fopen(s.csv.c_str(), "w");
  if (out == nullptr) return 1;
  std::fprintf(out, "build,strategy,wakes,p50_us,p99_us,max_us,idle_cpu_percent,idle_polls_per_s,echo_mib_s_0,echo_mib_s_100,echo_mib_s_10000\n");
  bool complete = true;
  for (const row& r : rows) {
    complete = complete && !r.latencies.empty() && r.echo_mib_s[0] > 0;
    std::fprintf(out, "%s,%s,%zu,%.1f,%.1f,%.1f,%.3f,%.1f,%.1f,%.1f,%.1f\n", r.build.c_str(), r.strategy.c_str(),
                 r.latencies.size(), percentile(r.latencies, 0.5), percentile(r.latencies, 0.99),
                 percentile(r.latencies, 1.0), r.idle_cpu_percent, r.idle_polls_per_second, r.echo_mib_s[0],
                 r.echo_mib_s[1], r.echo_mib_s[2]);
  }
  if (out != stdout) std::fclose(out);
  return complete ? 0 : 1;
}
