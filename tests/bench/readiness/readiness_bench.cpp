// readiness_bench: guest-side CPU per poll of wasio's registry against mio's WASI design.
//
//   wasio_bench_readiness [--quick]
//
// 1. Registrations: 10, 1,000 and 10,000 registrations of which 4 are ready (level-triggered, timeout 0).
//    wasio's registry hands the host its persistent array; the baseline rebuilds and resubmits it on
//    every poll and maps each event back by userdata.
// 2. Echo: 5,000 open connections of which 64 ping-pong 64-byte messages, served by examples/echo_poll
//    (edge-triggered, persistent array) and by the baseline echo loop (rebuilt array, level-triggered),
//    one after the other in this run: guest CPU per poll and messages per second.
// Guest CPU is measured around every poll_oneoff (guest_cpu_meter.hpp); the host (natively linked, the
// testbed's strict profile) is excluded. Figures are printed side by side; nothing is asserted.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "baseline_echo_server.hpp"
#include "echo_poll_server.hpp"
#include "guest_cpu_meter.hpp"
#include "wasio/io/poll.hpp"
#include "wasio/io/waker.hpp"
#include "wasio/net/tcp_listener.hpp"
#include "wasio/testbed/host.hpp"
#include "wasio/testbed/native.hpp"

namespace readiness_bench {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

struct settings {
  std::vector<std::size_t> registrations{10, 1000, 10000};
  std::size_t distinct_idle = 2000;  // idle registrations share these connections (fd limit)
  std::size_t polls = 20000;
  std::size_t echo_connections = 5000;
  std::size_t echo_active = 64;
  std::chrono::milliseconds echo_duration{3000};
};

settings quick_settings() {
  settings s;
  s.registrations = {10, 100};
  s.distinct_idle = 50;
  s.polls = 200;
  s.echo_connections = 200;
  s.echo_active = 16;
  s.echo_duration = 200ms;
  return s;
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "readiness_bench: %s\n", what);
  std::exit(1);
}

int connect_client(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    die("cannot connect a client (fd limit?)");
  return fd;
}

struct installed {
  std::unique_ptr<wasio::testbed::host> host;
  std::unique_ptr<wasio::testbed::native::scoped_host> scope;
  std::uint16_t port = 0;
  wasio::sys::fd_t listener = 0;
};

installed install_host() {
  wasio::testbed::host_config config;
  config.semantics = wasio::testbed::profile::strict;
  config.args = {"readiness_bench"};
  config.listeners.push_back({"127.0.0.1", 0});
  installed i;
  i.host = wasio::testbed::host::create(std::move(config)).value();
  i.scope = std::make_unique<wasio::testbed::native::scoped_host>(*i.host);
  i.port = i.host->listeners().at(0).port;
  i.listener = i.host->listeners().at(0).fd;
  return i;
}

// ---------------------------------------------------------------------------------------------
// 1. Guest work per poll against the number of registrations.

struct per_poll {
  double guest_ns;
  double host_ns;
  double events;
};

// Runs `polls` polls in 10 batches and keeps the median batch: other work on a shared machine
// preempts the guest thread now and then, and the meter reads wall time (guest_cpu_meter.cpp).
template <class OnePoll>
per_poll median_of_batches(std::size_t polls, OnePoll one_poll) {
  constexpr std::size_t batches = 10;
  std::vector<per_poll> results;
  for (std::size_t b = 0; b < batches; ++b) {
    const guest_cpu before = meter_snapshot();
    for (std::size_t i = 0; i < polls / batches; ++i) one_poll();
    const guest_cpu spent = meter_snapshot() - before;
    results.push_back({double(spent.guest_ns) / double(spent.polls), double(spent.host_ns) / double(spent.polls), 0});
  }
  std::sort(results.begin(), results.end(), [](const per_poll& a, const per_poll& b) { return a.guest_ns < b.guest_ns; });
  return results[batches / 2];
}

per_poll measure_registry(const std::vector<wasio::sys::fd_t>& fds, std::size_t polls) {
  wasio::poll poll;
  std::vector<wasio::source> sources;
  sources.reserve(fds.size());
  for (wasio::sys::fd_t fd : fds) {
    sources.emplace_back(fd);
    if (!poll.registry().register_source(sources.back(), wasio::interest::readable)) die("register failed");
  }
  wasio::events events(64);
  std::size_t seen = 0;
  for (std::size_t i = 0; i < polls / 10; ++i) (void)poll.wait(events, 0ns);  // warm-up
  const per_poll result = median_of_batches(polls, [&] {
    if (!poll.wait(events, 0ns)) die("poll failed");
    seen += events.size();
  });
  for (auto& s : sources) (void)poll.registry().deregister(s);
  return {result.guest_ns, result.host_ns, double(seen) / double(polls)};
}

per_poll measure_rebuild(const std::vector<wasio::sys::fd_t>& fds, std::size_t polls) {
  // mio on WASI: a table of registrations, turned into a fresh subscription array on every poll,
  // events mapped back by userdata.
  struct registration { wasio::sys::fd_t fd; bool readable; };
  std::vector<registration> table;
  for (wasio::sys::fd_t fd : fds) table.push_back({fd, true});
  std::vector<wasio::abi::subscription> subs;
  std::vector<wasio::abi::event> raw;
  std::vector<std::size_t> ready;
  std::size_t seen = 0;
  auto one_poll = [&] {
    subs.clear();
    for (std::size_t i = 0; i < table.size(); ++i) {
      wasio::abi::subscription s{};
      s.user = i;
      s.tag = static_cast<std::uint8_t>(table[i].readable ? wasio::abi::eventtype::fd_read : wasio::abi::eventtype::fd_write);
      s.u.fd_readwrite.file_descriptor = table[i].fd;
      subs.push_back(s);
    }
    wasio::abi::subscription clock{};
    clock.user = UINT64_MAX;
    clock.tag = static_cast<std::uint8_t>(wasio::abi::eventtype::clock);
    clock.u.clock.id = static_cast<std::uint32_t>(wasio::abi::clockid::monotonic);
    subs.push_back(clock);
    raw.resize(subs.size());
    auto n = wasio::sys::poll_oneoff(subs.data(), raw.data(), subs.size());
    if (!n) die("poll failed");
    ready.clear();
    for (std::size_t k = 0; k < *n; ++k)
      if (raw[k].user < table.size()) ready.push_back(raw[k].user);
    seen += ready.size();
  };
  for (std::size_t i = 0; i < polls / 10; ++i) one_poll();
  seen = 0;
  const per_poll result = median_of_batches(polls, one_poll);
  return {result.guest_ns, result.host_ns, double(seen) / double(polls)};
}

void registrations_bench(const settings& cfg) {
  std::printf("1. guest CPU per poll vs registrations (4 ready, level, timeout 0; strict profile)\n");
  std::printf("%14s %22s %22s %10s %16s\n", "registrations", "wasio guest ns/poll", "rebuild guest ns/poll", "ratio",
              "host ns/poll");
  for (std::size_t n : cfg.registrations) {
    installed h = install_host();
    auto listener = wasio::net::tcp_listener::from_preopened(h.listener).value();
    constexpr std::size_t ready_count = 4;
    const std::size_t distinct = std::min(n - ready_count, cfg.distinct_idle) + ready_count;
    std::vector<int> clients;
    std::vector<wasio::net::tcp_stream> streams;
    for (std::size_t i = 0; i < distinct; ++i) {
      clients.push_back(connect_client(h.port));
      for (;;) {
        auto s = listener.accept();
        if (s) { streams.push_back(std::move(*s)); break; }
        if (s.error() != wasio::would_block) die("accept failed");
      }
    }
    for (std::size_t i = 0; i < ready_count; ++i) (void)::send(clients[i], "x", 1, 0);  // never read: stays ready
    // n registrations: the 4 ready streams once each, the idle ones round robin over the rest.
    std::vector<wasio::sys::fd_t> fds;
    for (std::size_t i = 0; i < n; ++i)
      fds.push_back(i < ready_count ? streams[i].raw_fd() : streams[ready_count + (i - ready_count) % (distinct - ready_count)].raw_fd());
    std::this_thread::sleep_for(20ms);  // let the 4 bytes land before measuring
    const per_poll ours = measure_registry(fds, cfg.polls);
    const per_poll theirs = measure_rebuild(fds, cfg.polls);
    std::printf("%14zu %22.0f %22.0f %9.1fx %16.0f   (events/poll %.1f / %.1f)\n", n, ours.guest_ns, theirs.guest_ns,
                theirs.guest_ns / ours.guest_ns, ours.host_ns, ours.events, theirs.events);
    streams.clear();
    for (int fd : clients) ::close(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Echo at many connections, few active.

struct echo_figures {
  double guest_ns_per_poll;
  double guest_ns_per_message;
  double polls_per_message;
  double messages_per_second;
};

// Opens `total` clients, proves each is served (one byte echoed), then ping-pongs 64-byte messages on
// the first `active` ones for `duration`. Returns messages and the meter snapshots of the phase.
struct client_result {
  std::uint64_t messages = 0;
  guest_cpu spent;
  double seconds = 0;
};

client_result drive_clients(std::uint16_t port, std::size_t total, std::size_t active, std::chrono::milliseconds duration) {
  client_result out;
  std::vector<int> fds;
  for (std::size_t i = 0; i < total; ++i) fds.push_back(connect_client(port));
  char byte = 'x';
  for (int fd : fds) {
    if (::send(fd, &byte, 1, 0) != 1 || ::recv(fd, &byte, 1, MSG_WAITALL) != 1) die("a client was not served");
  }
  constexpr std::size_t message = 64;
  char payload[message];
  std::memset(payload, 'm', message);
  std::vector<std::size_t> received(active, 0);
  std::vector<pollfd> waits(active);
  for (std::size_t i = 0; i < active; ++i) {
    waits[i] = {fds[i], POLLIN, 0};
    if (::send(fds[i], payload, message, 0) != message) die("send failed");
  }
  const guest_cpu before = meter_snapshot();
  const auto start = clock_type::now();
  const auto end = start + duration;
  char sink[message];
  while (clock_type::now() < end) {
    if (::poll(waits.data(), waits.size(), 100) < 0) die("client poll failed");
    for (std::size_t i = 0; i < active; ++i) {
      if ((waits[i].revents & POLLIN) == 0) continue;
      const ssize_t n = ::recv(fds[i], sink, message - received[i], MSG_DONTWAIT);
      if (n <= 0) die("server closed an active client");
      received[i] += static_cast<std::size_t>(n);
      if (received[i] == message) {
        received[i] = 0;
        ++out.messages;
        if (::send(fds[i], payload, message, 0) != message) die("send failed");
      }
    }
  }
  out.spent = meter_snapshot() - before;
  out.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  for (std::size_t i = 0; i < active; ++i) {  // drain the last echo so nothing is in flight
    while (received[i] < message) {
      const ssize_t n = ::recv(fds[i], sink, message - received[i], 0);
      if (n <= 0) break;
      received[i] += static_cast<std::size_t>(n);
    }
  }
  for (int fd : fds) ::close(fd);
  return out;
}

echo_figures figures(const client_result& r) {
  return {double(r.spent.guest_ns) / double(r.spent.polls), double(r.spent.guest_ns) / double(r.messages),
          double(r.spent.polls) / double(r.messages),
          double(r.messages) / r.seconds};
}

echo_figures echo_poll_run(const settings& cfg) {
  installed h = install_host();
  std::vector<wasio::net::tcp_listener> listeners;
  listeners.push_back(wasio::net::tcp_listener::from_preopened(h.listener).value());
  echo_poll::server server(std::move(listeners));
  auto stop = wasio::waker::create(server.registry()).value();
  client_result result;
  std::thread clients([&] {
    result = drive_clients(h.port, cfg.echo_connections, cfg.echo_active, cfg.echo_duration);
    (void)stop.wake();
  });
  if (!server.run(stop.token())) die("echo_poll server failed");
  clients.join();
  return figures(result);
}

echo_figures baseline_run(const settings& cfg) {
  installed h = install_host();
  baseline_echo_server server(wasio::net::tcp_listener::from_preopened(h.listener).value());
  client_result result;
  std::thread clients([&] {
    result = drive_clients(h.port, cfg.echo_connections, cfg.echo_active, cfg.echo_duration);
    server.request_stop();
  });
  if (!server.run()) die("baseline server failed");
  clients.join();
  return figures(result);
}

void echo_bench(const settings& cfg) {
  std::printf("\n2. echo, %zu open connections, %zu active (64-byte ping-pong, %lld ms each; strict profile)\n",
              cfg.echo_connections, cfg.echo_active, static_cast<long long>(cfg.echo_duration.count()));
  const echo_figures ours = echo_poll_run(cfg);
  const echo_figures theirs = baseline_run(cfg);
  std::printf("%28s %16s %18s %15s %12s\n", "", "guest ns/poll", "guest ns/message", "polls/message", "messages/s");
  for (const auto& [label, f] : {std::pair{"echo_poll (wasio registry)", ours}, std::pair{"baseline (rebuild per poll)", theirs}})
    std::printf("%28s %16.0f %18.0f %15.3f %12.0f\n", label, f.guest_ns_per_poll, f.guest_ns_per_message,
                f.polls_per_message, f.messages_per_second);
  std::printf("baseline / echo_poll: guest CPU per poll %.1fx, per message %.1fx; messages/s echo_poll / baseline %.2fx\n",
              theirs.guest_ns_per_poll / ours.guest_ns_per_poll, theirs.guest_ns_per_message / ours.guest_ns_per_message,
              ours.messages_per_second / theirs.messages_per_second);
}

}  // namespace
}  // namespace readiness_bench

int main(int argc, char** argv) {
  using namespace readiness_bench;
  const bool quick = argc > 1 && std::string_view(argv[1]) == "--quick";
  const settings cfg = quick ? quick_settings() : settings{};
  registrations_bench(cfg);
  echo_bench(cfg);
  return 0;
}
