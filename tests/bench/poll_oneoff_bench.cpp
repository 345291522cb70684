// Cost of one poll_oneoff call with N subscribed connected sockets of which one is ready, against a
// plain ppoll(2) over the same host sockets, measured side by side in one run.
//
//   wasio_bench_poll_oneoff           1, 100 and 10,000 sockets
//   wasio_bench_poll_oneoff --quick   1, 100 and 1,000 sockets, few iterations (the ctest smoke run)
//
// The clients live in a child process so that 10,000 connections fit the descriptor limit twice.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "wasio/testbed/host.hpp"

namespace {

using namespace wasio;
using namespace wasio::testbed;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "wasio_bench_poll_oneoff: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) die("getrlimit");
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) die("setrlimit");
}

/// The child: connects `count` clients to `port`, sends one byte on the first, reports on `done`
/// and keeps everything open until the parent closes `hold`.
[[noreturn]] void run_clients(std::uint16_t port, std::size_t count, int done, int hold) {
  std::vector<int> clients;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (std::size_t i = 0; i < count; ++i) {
    int client = ::socket(AF_INET, SOCK_STREAM, 0);
    if (client < 0 || ::connect(client, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      die("client connect");
    }
    clients.push_back(client);
  }
  if (::send(clients.front(), "x", 1, 0) != 1) die("client send");
  char byte = 'r';
  if (::write(done, &byte, 1) != 1) die("report");
  ::read(hold, &byte, 1);  // returns 0 when the parent closes its end
  ::_exit(0);
}

double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

template <class Call>
double microseconds_per_call(std::size_t iterations, Call&& call) {
  auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < iterations; ++i) call();
  std::chrono::duration<double, std::micro> spent = std::chrono::steady_clock::now() - start;
  return spent.count() / static_cast<double>(iterations);
}

struct row {
  std::size_t sockets;
  double strict_us, legacy_us, ppoll_us;
};

row measure(std::size_t sockets, bool quick) {
  row result{sockets, 0, 0, 0};
  for (profile p : {profile::strict, profile::wasmtime_legacy}) {
    host_config config;
    config.semantics = p;
    config.listeners.push_back(listen_spec{"127.0.0.1", 0});
    config.max_open_fds = sockets + 16;
    auto created = host::create(config);
    if (!created) die("host::create");
    host& h = **created;
    const std::uint16_t port = h.listeners().front().port;

    int done[2], hold[2];
    if (::pipe(done) != 0 || ::pipe(hold) != 0) die("pipe");
    pid_t child = ::fork();
    if (child < 0) die("fork");
    if (child == 0) {
      ::close(done[0]);
      ::close(hold[1]);
      run_clients(port, sockets, done[1], hold[0]);
    }
    ::close(done[1]);
    ::close(hold[0]);

    // Accept while the child connects (the backlog is smaller than 10,000).
    std::vector<abi::fd> streams;
    std::vector<abi::event> events(sockets + 1);
    while (streams.size() < sockets) {
      abi::subscription wait{};
      wait.tag = static_cast<std::uint8_t>(abi::eventtype::fd_read);
      wait.u.fd_readwrite.file_descriptor = 3;
      std::uint32_t n = 0;
      h.poll_oneoff({&wait, 1}, {events.data(), 1}, n);
      abi::fd accepted = 0;
      while (streams.size() < sockets && h.sock_accept(3, abi::fdflag_nonblock, accepted) == errc::success) {
        streams.push_back(accepted);
      }
    }
    char byte = 0;
    if (::read(done[0], &byte, 1) != 1) die("child report");

    std::vector<abi::subscription> subscriptions(sockets);
    for (std::size_t i = 0; i < sockets; ++i) {
      subscriptions[i].user = i;
      subscriptions[i].tag = static_cast<std::uint8_t>(abi::eventtype::fd_read);
      subscriptions[i].u.fd_readwrite.file_descriptor = streams[i];
    }
    // Wait for the one byte: from here on every call finds exactly one ready socket.
    std::uint32_t n = 0;
    h.poll_oneoff(subscriptions, events, n);

    // The same sockets as the host sees them: every descriptor whose local port is the listener's.
    std::vector<pollfd> fds;
    for (int fd = 0; fd < 65536 && fds.size() < sockets; ++fd) {
      sockaddr_in local{};
      socklen_t length = sizeof local;
      int listening = 0;
      socklen_t flag_length = sizeof listening;
      if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) continue;
      if (local.sin_family != AF_INET || ntohs(local.sin_port) != port) continue;
      if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &flag_length) == 0 && listening) continue;
      fds.push_back(pollfd{fd, POLLIN, 0});
    }

    const std::size_t iterations = quick ? 20 : std::max<std::size_t>(200, 2'000'000 / sockets);
    std::uint32_t reported = 0;
    int ppoll_ready = 0;
    double best_host = 1e30, best_ppoll = 1e30;
    // Interleaved rounds, best of each: both sides see the same machine noise.
    for (int round = 0; round < (quick ? 1 : 5); ++round) {
      best_host = std::min(best_host, microseconds_per_call(iterations, [&] {
        h.poll_oneoff(subscriptions, events, reported);
      }));
      best_ppoll = std::min(best_ppoll, microseconds_per_call(iterations, [&] {
        timespec zero{};
        ppoll_ready = ::ppoll(fds.data(), fds.size(), &zero, nullptr);
      }));
    }
    const std::uint32_t expected_events = p == profile::strict ? 1u : static_cast<std::uint32_t>(sockets);
    if (reported != expected_events || ppoll_ready != 1 || fds.size() != sockets) {
      std::fprintf(stderr, "wasio_bench_poll_oneoff: %zu sockets (%s): %u events, ppoll %d of %zu fds\n",
                   sockets, std::string(name(p)).c_str(), reported, ppoll_ready, fds.size());
      std::exit(1);
    }
    (p == profile::strict ? result.strict_us : result.legacy_us) = best_host;
    result.ppoll_us = p == profile::strict ? best_ppoll : std::min(result.ppoll_us, best_ppoll);

    for (abi::fd fd : streams) h.fd_close(fd);
    ::close(hold[1]);
    ::close(done[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
  }
  return result;
}

/// CPU time a guest blocked in poll_oneoff costs over a 200 ms clock (the no-spinning claim).
double blocked_poll_cpu_microseconds(abi::timestamp wait_ns) {
  host_config config;
  auto created = host::create(config);
  if (!created) die("host::create");
  abi::subscription clock{};
  clock.tag = static_cast<std::uint8_t>(abi::eventtype::clock);
  clock.u.clock.id = static_cast<std::uint32_t>(abi::clockid::monotonic);
  clock.u.clock.timeout = wait_ns;
  abi::event event{};
  std::uint32_t n = 0;
  double before = cpu_seconds();
  (*created)->poll_oneoff({&clock, 1}, {&event, 1}, n);
  return (cpu_seconds() - before) * 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string_view(argv[1]) == "--quick";
  raise_descriptor_limit();
  std::vector<std::size_t> sizes = quick ? std::vector<std::size_t>{1, 100, 1000}
                                         : std::vector<std::size_t>{1, 100, 10000};
  std::printf("poll_oneoff cost, one ready socket among N subscribed (microseconds per call, best of rounds)\n\n");
  std::printf("| sockets | strict poll_oneoff | wasmtime-legacy poll_oneoff | ppoll(2) | strict / ppoll | legacy / ppoll |\n");
  std::printf("|--------:|-------------------:|----------------------------:|---------:|---------------:|---------------:|\n");
  for (std::size_t sockets : sizes) {
    row r = measure(sockets, quick);
    std::printf("| %7zu | %18.2f | %27.2f | %8.2f | %14.2f | %14.2f |\n", r.sockets, r.strict_us, r.legacy_us,
                r.ppoll_us, r.strict_us / r.ppoll_us, r.legacy_us / r.ppoll_us);
    std::fflush(stdout);
  }
  const abi::timestamp wait_ns = quick ? 20'000'000 : 200'000'000;
  std::printf("\nCPU time of one poll_oneoff blocked on a %llu ms clock: %.0f us\n",
              static_cast<unsigned long long>(wait_ns / 1'000'000), blocked_poll_cpu_microseconds(wait_ns));
  return 0;
}
