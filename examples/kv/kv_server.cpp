// The kv tasks: accept loops, one task per client, and the expiry task.
#include "kv_server.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <span>
#include <string>

#include "session.hpp"
#include "wasio/rt/accept_loop.hpp"
#include "wasio/rt/time.hpp"
#include "wasio/rt/with_stop.hpp"
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

kv_server::kv_server(const server_config& config) : config_(config), engine_(store_, stats_, config_) {
  stats_.started_at_ms = unix_time_ms();
}

wasio::task<wasio::result<void>> kv_server::serve(wasio::rt::runtime& rt, wasio::rt::service& svc,
                                                  std::vector<wasio::rt::tcp_listener>& listeners) {
  const wasio::rt::stop_token shutdown = svc.shutdown_token();
  co_return co_await wasio::rt::serve_until_shutdown(
      rt, svc, listeners,
      [this, shutdown](wasio::rt::tcp_stream stream) { return serve_client(std::move(stream), shutdown); },
      [this](errc code) { log_.report("accept failed", code); });
}

wasio::task<void> kv_server::serve_client(wasio::rt::tcp_stream stream, wasio::rt::stop_token shutdown) {
  client_count counted(stats_);
  session state(engine_, stats_, config_.requests);
  for (;;) {
    // Every command read so far is answered (below) before a shutdown closes the connection here.
    if (shutdown.stop_requested()) co_return;
    const std::span<char> room = state.input_space();
    if (room.empty()) {  // past maxmemory-clients: this client is the one closed
      log_.report("client closed for overcoming maxmemory-clients",
                  "maxmemory-clients " + std::to_string(config_.maxmemory_clients));
      co_return;
    }
    // Two statements, not ?: around co_await: GCC 12 mishandles the temporaries there (a stream
    // result moved out of a dead frame; see rt/accept_loop.hpp).
    wasio::result<std::size_t> got = wasio::fail(errc::canceled);
    if (shutdown.stop_possible()) got = co_await wasio::rt::with_stop(shutdown, stream.read(std::as_writable_bytes(room)));
    else got = co_await stream.read(std::as_writable_bytes(room));
    if (!got || *got == 0) co_return;  // shutdown, reset, failure or end of stream: closes with the frame
    state.input_committed(*got);
    // Group commit: replies go out once the AOF holds what their requests changed.
    if (const std::uint64_t mine = execute(state); mine != 0)
      while (aof_->acknowledged() < mine) {
        const bool notified = co_await durable_.wait();
        if (!notified) co_return;  // stopped: a drain gave up on this client
      }
    for (;;) {
      if (state.over_output_limit()) {
        // Closed with its replies unsent, as Redis does; a flood of these costs one line per interval.
        const output_buffer_limit& l = config_.normal;
        if (state.evicted_for_client_memory()) {
          log_.report("client closed for overcoming maxmemory-clients",
                      "maxmemory-clients " + std::to_string(config_.maxmemory_clients));
          co_return;
        }
        log_.report("client closed for overcoming its output buffer limits",
                    "client-output-buffer-limit normal " + std::to_string(l.hard_bytes) + " " +
                        std::to_string(l.soft_bytes) + " " + std::to_string(l.soft_seconds));
        co_return;
      }
      reply_buffer& out = state.output();
      if (out.empty()) {
        if (!state.has_work()) break;
        // Requests held back at the high-water mark, or a reply in steps, go on now.
        if (const std::uint64_t mine = execute(state); mine != 0)
          while (aof_->acknowledged() < mine) {
            const bool notified = co_await durable_.wait();
            if (!notified) co_return;  // stopped: a drain gave up on this client
          }
        continue;
      }
      const std::string_view pending = out.view();
      const auto bytes = std::as_bytes(std::span(pending.data(), pending.size()));
      if (const auto deadline = state.soft_limit_deadline()) {
        // Over the soft limit: the write may stall no longer than the limit's time left.
        const std::int64_t wait = std::max<std::int64_t>(*deadline - unix_time_ms(), 0);
        auto sent = co_await wasio::rt::with_timeout(std::chrono::milliseconds(wait), stream.write_all(bytes));
        state.output_sent(sent.transferred());
        if (!sent && sent.error() != errc::timedout) co_return;
        (void)state.check_output_limits(unix_time_ms());
        continue;
      }
      auto sent = co_await stream.write_all(bytes);
      if (!sent) co_return;
      state.output_sent(*sent);
    }
    if (state.closing()) co_return;  // QUIT or a protocol error, replies sent
  }
}

std::int64_t kv_server::turn_time_ms() {
  const std::uint64_t polls = wasio::rt::runtime::current().poll_count();
  if (turn_time_ms_ < 0 || polls != time_read_at_poll_) {
    turn_time_ms_ = unix_time_ms();
    time_read_at_poll_ = polls;
  }
  return turn_time_ms_;
}

std::uint64_t kv_server::execute(session& state) {
  const std::uint64_t before = aof_ ? aof_->logged() : 0;
  state.process(turn_time_ms());
  rearm_expiry_if_sooner();
  if (!aof_ || aof_->logged() == before) return 0;
  // The flusher runs at the start of the next turn, after every client of this one logged.
  flush_wanted_.notify_all();
  return aof_->logged();
}

void kv_server::acknowledged_moved() { durable_.notify_all(); }

namespace {
std::int64_t monotonic_us() {
  auto t = wasio::sys::clock_time_get(wasio::abi::clockid::monotonic, 1000);
  return t ? static_cast<std::int64_t>(*t / 1000) : 0;
}

[[noreturn]] void die_on_fsync_failure() {
  // Redis does the same: with `always`, a reply may only go out once its write is on disk, and
  // after a failed fsync the kernel may have dropped the pages: nothing can be promised any more.
  std::fprintf(stderr, "kv: Can't persist AOF for fsync error when the AOF fsync policy is 'always'. Exiting...\n");
  std::exit(1);
}
}  // namespace

std::string kv_server::enable_persistence(const aof_options& options, aof_directory& dir, std::string& warnings) {
  if (!options.enabled) return "";
  aof_ = std::make_unique<aof>(options, dir, store_, engine_, config_.requests);
  aof_->set_microsecond_clock(&monotonic_us);
  return aof_->start(unix_time_ms(), warnings);
}

// `const bool notified = co_await ...` rather than `if (!co_await ...)`: GCC 12 miscompiles the
// latter with this awaiter (the frame's resume point is lost: ud2 on the first resume).
wasio::task<void> kv_server::flush_aof() {
  for (;;) {
    const bool notified = co_await flush_wanted_.wait();
    if (!notified) co_return;  // the runtime is stopping
    if (aof_->flush(unix_time_ms())) acknowledged_moved();
    if (aof_->fatal()) die_on_fsync_failure();
  }
}

wasio::task<void> kv_server::aof_timer() {
  std::int64_t last_tick = unix_time_ms();
  for (;;) {
    if (aof_->busy()) {
      // One bounded step a turn: clients run between steps.
      if (aof_->rewrite_step(unix_time_ms())) acknowledged_moved();
      co_await wasio::rt::yield();
    } else {
      auto slept = co_await wasio::rt::sleep_for(std::chrono::milliseconds(aof::tick_ms));
      if (!slept) co_return;  // the runtime is stopping
    }
    const std::int64_t now = unix_time_ms();
    if (now - last_tick >= aof::tick_ms || now < last_tick) {
      last_tick = now;
      if (aof_->tick(now)) acknowledged_moved();
      if (aof_->fatal()) die_on_fsync_failure();
    }
  }
}

bool kv_server::finish_persistence() {
  if (!aof_) return true;
  if (!aof_->finish(unix_time_ms())) {
    std::fprintf(stderr, "kv: the AOF could not be written and fsynced at shutdown: %.*s\n",
                 static_cast<int>(aof_->write_refusal().size()), aof_->write_refusal().data());
    return false;
  }
  acknowledged_moved();
  return true;
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
