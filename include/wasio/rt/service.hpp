#pragma once
/// wasio::rt::service: "shutdown requested" and "reopen requested" for server code, in one object.
///
/// SIGTERM / SIGINT to wasio-run (or to a natively linked guest) become a shutdown request, SIGHUP a
/// reopen request (for log files); the host hands them to the guest over its control stream
/// (wasio/io/control_stream.hpp, docs/shutdown.md). service::open subscribes to shutdown requests
/// and reads the stream in a task of its own; a server then:
/// - runs its accept loops under shutdown_token() (rt::accept_loop's stop-token overload), so they
///   end when shutdown is requested, and closes its listeners (new clients are refused);
/// - lets each connection finish what it already read (handlers check shutdown_requested() between
///   requests and await their idle reads with rt::with_stop(shutdown_token(), ...));
/// - waits for them with task_group::join_within(drain_timeout()), which stops the stragglers;
/// - returns 0 from main. The host gives it `--shutdown-timeout` (default 10 s) before it ends the
///   guest itself; a second signal ends it at once.
/// Reopen: the first next_reopen() await subscribes to reopen requests (until then SIGHUP is ignored
/// by the host); each request resumes every task waiting in next_reopen().
///
/// Errors (open): inval (a malformed WASIO_CONTROL_FD or WASIO_SHUTDOWN_TIMEOUT_MS); nomem; the
///   errors of writing the subscription (pipe: the host end is gone). A host without a control stream
///   (wasmtime, a test's host) is no error: has_host_channel() is false and only request_shutdown()
///   stops the service. (wait_shutdown, next_reopen): canceled when the awaiting task is stopped first.
/// Notes:
/// - The reading task is a child of the service: it ends when shutdown is requested, when the runtime
///   is stopped (runtime::request_stop) or when the service is destroyed, so runtime::run can return.
/// - Destroy the service before the runtime (it holds a registered stream); run the server with
///   runtime::block_on, which returns when the server's own task is done.
///
/// Example (compiled in examples/echo/main.cpp):
///   wasio::rt::runtime rt;
///   auto svc = wasio::rt::service::open(rt).value();
///   ...
///   co_await svc->wait_shutdown();                       // in the server's main task
///   co_await connections.join_within(svc->drain_timeout());

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "wasio/result.hpp"
#include "wasio/rt/accept_loop.hpp"
#include "wasio/rt/clock.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/stop.hpp"
#include "wasio/rt/task.hpp"
#include "wasio/rt/task_group.hpp"
#include "wasio/rt/tcp_listener.hpp"
#include "wasio/rt/tcp_stream.hpp"
#include "wasio/rt/with_stop.hpp"

namespace wasio::rt {

class service {
 public:
  /// Opens the host's control stream (when there is one) and subscribes to shutdown requests.
  static result<std::unique_ptr<service>> open(runtime& rt);
  service(const service&) = delete;
  service& operator=(const service&) = delete;
  ~service();

  /// Stopped when shutdown is requested (by the host or request_shutdown()).
  stop_token shutdown_token() { return shutdown_.token(); }
  bool shutdown_requested() const { return shutdown_.stop_requested(); }
  /// `co_await svc.wait_shutdown()`: result<void> once shutdown is requested.
  until_stopped wait_shutdown() { return until_stopped(shutdown_.token()); }
  /// Requests shutdown from inside the guest (a command, a test). The reading task ends too.
  void request_shutdown();

  class [[nodiscard]] reopen_awaiter {
   public:
    explicit reopen_awaiter(service& s) : service_(&s) { node_.self = this; }
    // Handed around (with_timeout takes it by value) only before it starts; a started one is pinned.
    reopen_awaiter(reopen_awaiter&& other) noexcept : service_(other.service_) { node_.self = this; }
    reopen_awaiter& operator=(const reopen_awaiter&) = delete;
    bool await_ready() noexcept { return false; }
    template <detail::wasio_promise P>
    bool await_suspend(std::coroutine_handle<P> h) {
      return start(h, h.promise().stop);
    }
    result<void> await_resume() noexcept { return outcome_; }

   private:
    friend class service;
    struct node : detail::waiter {
      reopen_awaiter* self = nullptr;
    };
    bool start(std::coroutine_handle<> h, stop_token own);
    static void on_own(void* self);
    service* service_;
    node node_;
    stop_callback watch_own_;
    result<void> outcome_;
  };
  /// `co_await svc.next_reopen()`: result<void> at the next reopen request (SIGHUP). The first
  /// call subscribes to reopen requests. Errors: canceled.
  reopen_awaiter next_reopen() { return reopen_awaiter(*this); }
  /// Reopen requests received so far.
  std::uint64_t reopen_count() const { return reopens_; }

  /// True when the host gave a control stream (wasio-run, natively linked guests).
  bool has_host_channel() const { return stream_.has_value(); }
  /// The host's grace period after a shutdown request (WASIO_SHUTDOWN_TIMEOUT_MS), when it said one.
  std::optional<clock::duration> host_timeout() const { return host_timeout_; }
  /// How long to let connections finish: the host's grace period less a margin (a tenth, at most a
  /// second) so the guest ends by itself and reports; 9 s when the host said nothing.
  clock::duration drain_timeout() const;

 private:
  explicit service(runtime& rt) : rt_(&rt), readers_(rt) {}
  task<void> read_control();
  void subscribe_reopen();
  void deliver_reopen();
  static void on_runtime_stop(void* self);

  runtime* rt_;
  stop_source shutdown_;
  std::optional<clock::duration> host_timeout_;
  std::optional<tcp_stream> stream_;
  bool reopen_subscribed_ = false;
  std::uint64_t reopens_ = 0;
  detail::waiter_queue reopen_waiters_;
  stop_callback runtime_stop_;
  // Last: destroyed first, so the reading task's frame goes before the stream it reads.
  task_group readers_;
};

/// The server side of a shutdown in one call: an accept loop per listener under
/// svc.shutdown_token(), each connection `handler(tcp_stream)` (a task<void>) spawned into one
/// group; once shutdown is requested (or every listener failed for good) the listeners close, the
/// connections get svc.drain_timeout() to end by themselves, and those still running are stopped.
/// `on_error(errc)` hears the accept errors rt::accept_loop reports. Handlers see the shutdown
/// through svc (shutdown_requested(), with_stop(svc.shutdown_token(), ...)).
/// Errors: timedout when connections had to be stopped.
/// Example (compiled in examples/echo/echo_server.cpp):
///   co_return co_await wasio::rt::serve_until_shutdown(rt, svc, listeners,
///       [&](wasio::rt::tcp_stream s) { return serve_connection(std::move(s), svc.shutdown_token()); }, report);
template <class Handler, class OnError>
task<result<void>> serve_until_shutdown(runtime& rt, service& svc, std::vector<tcp_listener>& listeners,
                                        Handler handler, OnError on_error,
                                        std::chrono::milliseconds backoff = std::chrono::milliseconds(10)) {
  task_group connections(rt);
  task_group acceptors(rt);
  for (tcp_listener& listener : listeners)
    acceptors.spawn(accept_loop(
        listener, [&connections, &handler](tcp_stream s) { connections.spawn(handler(std::move(s))); }, on_error,
        svc.shutdown_token(), backoff));
  co_await acceptors.join();
  for (tcp_listener& listener : listeners)
    if (listener.is_open()) (void)listener.close();  // new clients are refused from here
  co_return co_await connections.join_within(svc.drain_timeout());
}

}  // namespace wasio::rt
