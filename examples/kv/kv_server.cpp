// The kv tasks: accept loops, one task per client, and the expiry task.
#include "kv_server.hpp"

#include <chrono>
#include <cstdio>
#include <limits>
#include <span>

#include "session.hpp"
#include "wasio/rt/accept_loop.hpp"
#include "wasio/rt/time.hpp"
#include "wasio/sys/sys.hpp"

namespace kv {
namespace {

using wasio::errc;

constexpr std::int64_t idle_expiry_sleep_ms = 3600 * 1000;

wasio::task<void> sleep_ms(std::int64_t ms) { (void)co_await wasio::rt::sleep_for(std::chrono::milliseconds(ms)); }

// Keeps connected_clients right on every way out of a client task (its frame may also be destroyed).
struct client_count {
  explicit client_count(server_stats& s) : stats(s) {
    ++stats.connected_clients;
    ++stats.total_connections_received;
  }
  ~client_count() { --stats.connected_clients; }
  client_count(const client_count&) = delete;
  client_count& operator=(const client_count&) = delete;
  server_stats& stats;
};

}  // namespace

std::int64_t unix_time_ms() {
  auto t = wasio::sys::clock_time_get(wasio::abi::clockid::realtime, 1000000);
  return t ? static_cast<std::int64_t>(*t / 1000000) : 0;
}

kv_server::kv_server(request_limits limits) : limits_(limits), engine_(store_, stats_, limits) {
  stats_.started_at_ms = unix_time_ms();
}

wasio::task<void> kv_server::accept_loop(wasio::rt::runtime& rt, wasio::rt::tcp_listener& listener) {
  return wasio::rt::accept_loop(
      listener, [this, &rt](wasio::rt::tcp_stream stream) { rt.spawn(serve_client(std::move(stream))); },
      log_);
}

wasio::task<void> kv_server::serve_client(wasio::rt::tcp_stream stream) {
  client_count counted(stats_);
  session state(engine_, stats_, limits_);
  for (;;) {
    const std::span<char> room = state.input_space();
    auto got = co_await stream.read(std::as_writable_bytes(room));
    if (!got || *got == 0) co_return;  // reset, failure or end of stream: the stream closes with the frame
    state.input_committed(*got);
    state.process(unix_time_ms());
    rearm_expiry_if_sooner();
    reply_buffer& out = state.output();
    while (!out.empty()) {
      const std::string_view pending = out.view();
      if (!co_await stream.write_all(std::as_bytes(std::span(pending.data(), pending.size())))) co_return;
      out.clear();
      // Requests held back at the output high-water mark run now that the replies are out.
      if (state.buffered_input() > 0) {
        state.process(unix_time_ms());
        rearm_expiry_if_sooner();
      }
    }
    if (state.closing()) co_return;  // QUIT or a protocol error, replies sent
  }
}

void kv_server::rearm_expiry_if_sooner() {
  if (expiry_sleeper_ == nullptr) return;
  const auto next = store_.next_expiry();
  if (next && *next < expiry_armed_for_) {
    expiry_sleeper_->request_stop();
    expiry_sleeper_ = nullptr;
  }
}

wasio::task<void> kv_server::expire_keys(wasio::rt::runtime& rt) {
  for (;;) {
    const std::int64_t now = unix_time_ms();
    store_.expire_due(now, expire_budget);
    const auto next = store_.next_expiry();
    if (next && *next <= now) {
      co_await wasio::rt::yield();  // budget spent with keys still due: let clients run, then go on
      continue;
    }
    wasio::rt::task_group sleeper(rt);
    sleeper.spawn(sleep_ms(next ? *next - now : idle_expiry_sleep_ms));
    expiry_armed_for_ = next ? *next : std::numeric_limits<std::int64_t>::max();
    expiry_sleeper_ = &sleeper;
    co_await sleeper.join();
    expiry_sleeper_ = nullptr;
    // Lifetime: the runtime stopping its tasks cancels the sleep too; then this task ends.
    if (auto token = co_await wasio::rt::current_stop_token(); token.stop_requested()) co_return;
  }
}

}  // namespace kv
