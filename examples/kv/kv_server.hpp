#pragma once
/// kv::kv_server: the key-value service on the coroutine runtime: an accept loop per pre-opened
/// listener, a task per client, and one expiry task.
///
/// A client task reads what arrived, runs every complete request in it through its kv::session
/// (pipelining: all replies of a batch leave in one write) and writes the replies before it reads
/// again, so a client that does not read its replies stops being read (backpressure) and holds at
/// most the session's output high-water mark plus one reply. A reply produced in steps (MGET) is
/// continued each time the output has been written. Past the output limits the client is closed
/// without its pending replies; while pending output is over the soft limit a stalled write waits
/// no longer than the soft limit's time left.
///
/// Expiry: a lookup drops an expired key (lazy), and the expiry task sleeps on a runtime timer until
/// the key space's next deadline, then reclaims up to `expire_budget` due keys per turn (active),
/// so keys nobody reads again are freed without scanning. A request that creates an earlier
/// deadline wakes the task to re-arm. With no key expiring, the task sleeps an hour at a time: one
/// timer, nothing polled for it.
///
/// Shutdown (rt::service: SIGTERM to wasio-run or the native program): the listeners close, each
/// client finishes what it read (its replies sent, after the AOF's group commit holds their writes)
/// and is closed at its next read; serve() returns once all are done (timedout: some had to be
/// stopped after the service's drain time); then finish_persistence() writes and fsyncs the AOF.
///
/// Errors: none escape; a failed accept is reported on stderr and retried after a pause (out of
/// descriptors) or ends that listener's loop (the listener failed).
/// Lifetime: the kv_server must outlive the runtime's tasks: construct it before the runtime.
///
/// Example (compiled in examples/kv/main.cpp):
///   kv::kv_server server(config);
///   wasio::rt::runtime rt;
///   auto svc = wasio::rt::service::open(rt);
///   auto listeners = wasio::rt::tcp_listener::preopened(rt);
///   rt.spawn(server.expire_keys(rt));
///   auto done = rt.block_on(server.serve(rt, **svc, *listeners));
///   server.finish_persistence();

#include <cstddef>
#include <cstdint>

#include "aof.hpp"
#include "command_engine.hpp"
#include "kv_store.hpp"
#include "notifier.hpp"
#include "server_config.hpp"
#include "server_stats.hpp"
#include "wasio/rt/error_log.hpp"
#include "wasio/rt/service.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/task.hpp"
#include "wasio/rt/task_group.hpp"
#include "wasio/rt/tcp_listener.hpp"
#include "wasio/rt/tcp_stream.hpp"

namespace kv {

class session;

class kv_server {
 public:
  static constexpr std::size_t expire_budget = 1000;

  explicit kv_server(const server_config& config);
  kv_server(const kv_server&) = delete;
  kv_server& operator=(const kv_server&) = delete;

  /// Serves every listener until shutdown is requested and every client is done (see above).
  wasio::task<wasio::result<void>> serve(wasio::rt::runtime& rt, wasio::rt::service& svc,
                                         std::vector<wasio::rt::tcp_listener>& listeners);
  /// One client; it ends at its next read once `shutdown` is stopped.
  wasio::task<void> serve_client(wasio::rt::tcp_stream stream, wasio::rt::stop_token shutdown = {});
  wasio::task<void> expire_keys(wasio::rt::runtime& rt);
  const server_stats& stats() const { return stats_; }

  /// Persistence (aof.hpp): loads the append-only file in `dir` and logs to it from then on; call
  /// before serving. Returns the error that must stop the server, empty on success (also when
  /// `options` has it disabled); warnings (a truncated tail) go to `warnings`.
  std::string enable_persistence(const aof_options& options, aof_directory& dir, std::string& warnings);
  /// With persistence enabled: the AOF's flusher (group commit, once per loop turn) and its timer
  /// (everysec fsync, retries after disk errors, rewrite steps). Spawn both.
  wasio::task<void> flush_aof();
  wasio::task<void> aof_timer();
  /// Shutdown: writes and fsyncs what is logged. False when that failed (reported on stderr).
  bool finish_persistence();
  const aof* persistence() const { return aof_.get(); }

 private:
  /// Wakes the expiry task when the earliest deadline moved before the one its timer waits for.
  void rearm_expiry_if_sooner();
  /// Runs the session's complete requests; the log position their replies must wait for (0: none).
  std::uint64_t execute(session& state);
  /// Acknowledged() moved: wake the clients waiting for it.
  void acknowledged_moved();
  /// unix_time_ms() as of this turn of the runtime's loop (Redis's cached mstime): every command
  /// run in one turn sees one time, and the clock is read once per turn however many clients the
  /// turn serves (it was one clock read per request with -P 1).
  std::int64_t turn_time_ms();

  wasio::rt::error_log log_{"kv"};  // rate-limited error lines (accept failures, output-limit closes)
  server_config config_;
  kv_store store_;
  server_stats stats_;
  command_engine engine_;
  wasio::rt::task_group* expiry_sleeper_ = nullptr;  // the expiry task's timer while it sleeps
  std::int64_t expiry_armed_for_ = 0;                // the deadline (Unix ms) that timer waits for
  std::unique_ptr<aof> aof_;  // null without --appendonly yes
  notifier flush_wanted_;     // the flusher waits here for a turn that logged something
  notifier durable_;          // clients wait here for their writes to be acknowledged
  std::uint64_t time_read_at_poll_ = 0;  // the loop's poll count when turn_time_ms_ was read
  std::int64_t turn_time_ms_ = -1;       // -1: not read yet
};

/// The realtime clock in Unix milliseconds (Redis's expiry times are Unix times: EXAT, PXAT).
std::int64_t unix_time_ms();

}  // namespace kv
