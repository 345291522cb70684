// The benchmark's event loop: echo on one listener, woken by one strategy (see bench_loop.hpp).

#include "bench_loop.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <unordered_map>
#include <vector>

#include "wasio/io/poll.hpp"
#include "wasio/io/wake/wake_channel.hpp"
#include "wasio/net/tcp_listener.hpp"
#include "wasio/net/tcp_stream.hpp"

namespace wasio::bench {

namespace {

int failed(const char* what, errc e) {
  std::fprintf(stderr, "wakeup_bench: %s failed: %s\n", what, std::string(name(e)).c_str());
  return 1;
}

struct connection {
  net::tcp_stream stream;
  std::vector<std::byte> pending;  // echoed bytes the socket had no room for
};

}  // namespace

std::uint64_t monotonic_ns() { return sys::clock_time_get(abi::clockid::monotonic).value_or(0); }

int run_bench_loop(const bench_options& options, const bench_hooks& hooks) {
  wasio::poll poll;
  wasio::events events(1024);
  const std::string& s = options.strategy;

  std::optional<wake::wake_channel> channel;
  if (s == "host" || s == "control" || (s == "timed" && options.wake_fd)) {
    if (!options.wake_fd) return failed("wake fd", errc::badf);
    channel = s == "control" ? wake::wake_channel::from_listener(*options.wake_fd)
                             : wake::wake_channel::from_stream(*options.wake_fd);
    // Timed polling never subscribes to the channel: it is the flag each tick looks at.
    if (s != "timed")
      if (auto r = channel->watch(poll.registry()); !r) return failed("watch", r.error());
  }
  std::optional<waker> loop_waker;
  if (s == "timed" || s == "interrupt" || s == "same-thread") {
    std::unique_ptr<wake_strategy> how;
    if (s == "timed")
      how = std::make_unique<bounded_wait_wake>(options.tick);
    else
      how = std::make_unique<interrupt_wake>();
    auto w = waker::create(poll.registry(), std::move(how));
    if (!w) return failed("waker", w.error());
    loop_waker.emplace(std::move(*w));
    if (hooks.ready) hooks.ready(*loop_waker);
  }

  if (options.self_latency_wakes > 0) {
    if (!loop_waker) return failed("self latency without a waker", errc::inval);
    for (std::uint64_t i = 0; i < options.self_latency_wakes; ++i) {
      const std::uint64_t t0 = monotonic_ns();
      if (auto r = loop_waker->wake(); !r) return failed("wake", r.error());
      if (auto r = poll.wait(events, std::nullopt); !r) return failed("wait", r.error());
      hooks.self_latency(monotonic_ns() - t0);
    }
    return 0;
  }

  auto listener = net::tcp_listener::from_preopened(options.echo_fd);
  if (!listener) return failed("echo listener", listener.error());
  if (auto r = poll.registry().register_source(*listener, interest::readable); !r) return failed("register", r.error());
  std::unordered_map<std::uint32_t, connection> connections;  // by token index
  std::vector<std::byte> buffer(65536);

  const std::uint64_t self_period_ns =
      options.self_wake_rate > 0 ? static_cast<std::uint64_t>(1e9 / options.self_wake_rate) : 0;
  std::uint64_t next_self = monotonic_ns() + self_period_ns;
  std::uint64_t polls = 0;

  auto close_connection = [&](std::uint32_t index) {
    auto it = connections.find(index);
    if (it == connections.end()) return;
    (void)it->second.stream.close();
    connections.erase(it);
  };
  auto flush = [&](connection& c) -> bool {  // false: the connection is done
    while (!c.pending.empty()) {
      auto n = c.stream.write(c.pending);
      if (!n && n.error() == would_block) return true;
      if (!n) return false;
      c.pending.erase(c.pending.begin(), c.pending.begin() + static_cast<std::ptrdiff_t>(*n));
    }
    return true;
  };

  for (;;) {
    std::optional<std::chrono::nanoseconds> timeout;
    if (self_period_ns != 0) {
      const std::uint64_t now = monotonic_ns();
      if (now >= next_self) {
        (void)loop_waker->wake();
        next_self = now + self_period_ns;
      }
      timeout = std::chrono::nanoseconds(next_self - std::min(next_self, monotonic_ns()));
    }
    if (auto r = poll.wait(events, timeout); !r) return failed("wait", r.error());
    ++polls;
    if (hooks.stop && hooks.stop()) break;
    bool woke = false;
    bool for_channel = false;
    for (const event& ev : events) for_channel = for_channel || (channel && channel->owns(ev.token()));
    // One drain per poll serves all the channel's events (it may close waker connections whose
    // later events then name nothing: they are skipped below as owned by no one).
    if (for_channel && s != "timed") {
      auto n = channel->drain();
      if (!n) return failed("drain", n.error());
      woke = *n > 0;
    }
    for (const event& ev : events) {
      if (channel && channel->owns(ev.token())) {
        continue;
      } else if (loop_waker && ev.token() == loop_waker->token()) {
        woke = true;
      } else if (ev.token() == listener->registration()) {
        for (;;) {
          auto accepted = listener->accept();
          if (!accepted) break;  // would_block, or a connection that went away: keep serving
          connection c{std::move(*accepted), {}};
          auto tok = poll.registry().register_source(c.stream, interest::readable);
          if (!tok) return failed("register", tok.error());
          connections.emplace(tok->index(), std::move(c));
        }
      } else if (auto it = connections.find(ev.token().index()); it != connections.end()) {
        connection& c = it->second;
        bool alive = flush(c);
        while (alive && c.pending.empty()) {
          auto n = c.stream.read(buffer);
          if (!n && n.error() == would_block) break;
          if (!n || *n == 0) {
            alive = false;
            break;
          }
          c.pending.assign(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*n));
          alive = flush(c);
        }
        if (!alive) {
          close_connection(ev.token().index());
          continue;
        }
        const interest want = c.pending.empty() ? interest::readable : interest::writable;
        (void)poll.registry().reregister(c.stream, want);
      }
    }
    if (channel && s == "timed") {
      auto n = channel->drain();
      if (!n) return failed("drain", n.error());
      woke = woke || *n > 0;
    }
    if (woke && hooks.woke) hooks.woke(monotonic_ns(), polls);
  }
  for (auto& [index, c] : connections) (void)c.stream.close();
  (void)poll.registry().deregister(*listener);
  if (channel) channel->unwatch();
  return 0;
}

}  // namespace wasio::bench
