#pragma once
/// wasio::rt::runtime: a single-threaded executor for wasio::task over one wasio::poll.
///
/// One tick of the loop (run, block_on):
/// 1. resume the tasks that were ready when the tick began, at most `options::tick_budget` of them;
///    each resumed task may complete at most `options::op_budget` socket operations without waiting
///    before it is sent to the back of the queue, so a busy connection cannot starve the others;
/// 2. fire every timer whose deadline has passed;
/// 3. poll: with a zero timeout when tasks are ready, else until the nearest timer (one clock
///    subscription) or an event; not at all when no socket await is parked and nothing is ready
///    but timers, which then need only the clock;
/// 4. retry the parked socket awaits the events name (readiness is a hint: each retry is the
///    syscall itself, and a would_block parks it again).
///
/// Sockets (rt::tcp_listener, rt::tcp_stream) are registered once, edge-triggered, when created.
///
/// Errors (run, block_on):
/// - deadlk: tasks remain but nothing can ever resume them (no ready task, no timer, no parked
///   socket await): waiting would hang forever.
/// - whatever wasio::poll::wait returns other than a transient failure.
/// Notes:
/// - run() returns once no spawned task and no timer is left; block_on(t) returns once t finished
///   (spawned tasks stay, and keep running in the next run or block_on).
/// - Destroying the runtime destroys the spawned tasks still alive ("close the rest"): their
///   sockets close and their awaits unlink. Sockets and task_groups must not outlive the runtime.
/// - Not reentrant: calling run or block_on from inside a task traps.
///
/// Example (compiled in tests/guest/rt_runtime_test.cpp):
///   wasio::rt::runtime rt;
///   rt.spawn(worker(rt));                       // detached; the runtime tracks it
///   auto r = rt.block_on(main_task(rt));        // result<...> of main_task
///   if (auto done = rt.run(); !done) report(done.error());

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <vector>

#include "wasio/io/event.hpp"
#include "wasio/io/poll.hpp"
#include "wasio/result.hpp"
#include "wasio/rt/clock.hpp"
#include "wasio/rt/detail/io.hpp"
#include "wasio/rt/detail/waiter.hpp"
#include "wasio/rt/join_handle.hpp"
#include "wasio/rt/stop.hpp"
#include "wasio/rt/task.hpp"

namespace wasio::rt {

namespace detail {

/// A timer on the runtime's heap; lives in a frame (sleep, with_timeout). Unlinks when destroyed.
struct timer_entry {
  timer_entry() = default;
  timer_entry(const timer_entry&) = delete;
  timer_entry& operator=(const timer_entry&) = delete;
  ~timer_entry();
  bool armed() const { return owner != nullptr; }

  clock::time_point deadline;
  std::uint64_t sequence = 0;  // first armed fires first among equal deadlines
  std::uint32_t heap_index = 0;
  runtime* owner = nullptr;
  void (*fire)(timer_entry& self) = nullptr;
  void* context = nullptr;
};

/// The set of spawned tasks a runtime or a task_group tracks; frees each frame when its task ends.
struct scope {
  explicit scope(runtime& r) : rt(&r) {}
  scope(const scope&) = delete;
  scope& operator=(const scope&) = delete;
  ~scope() { destroy_all(); }

  /// Takes ownership of a started-to-be task frame and queues it to run.
  void adopt(promise_base& child, std::coroutine_handle<> frame, stop_token token);
  /// Called by a spawned task's final suspend: unlinks it, frees its frame, wakes a joiner.
  void finished(promise_base& child) noexcept;
  /// Destroys every child frame still alive (their suspended awaits unlink themselves).
  void destroy_all() noexcept;
  std::size_t size() const { return count; }

  runtime* rt;
  promise_base* first = nullptr;
  std::size_t count = 0;
  waiter* joiner = nullptr;
};

}  // namespace detail

class runtime {
 public:
  struct options {
    /// Most resumptions per tick before the runtime polls again (timers and new events get a turn).
    std::size_t tick_budget = 256;
    /// Most socket operations a task completes without waiting before it yields its turn.
    std::size_t op_budget = 64;
    /// Initial room for events per poll (grows as needed).
    std::size_t events_capacity = 256;
    /// Bounds every poll's wait (wasio/io/max_poll_wait.hpp): set it for hosts whose poll_oneoff
    /// waits for every subscription (uvwasi). nullopt: WASIO_MAX_POLL_WAIT_MS decides, read at the
    /// first poll; unset, there is no bound and an idle runtime makes no periodic wake-ups.
    std::optional<std::chrono::nanoseconds> max_poll_wait;
  };

  runtime() : runtime(options{}) {}
  explicit runtime(options opts);
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  /// Starts `t`: the runtime keeps it until it ends, then frees its frame. It runs under the
  /// runtime's stop token (see request_stop), or `token` when given, and under the handle's
  /// cancel(). The join_handle awaits its outcome; dropping it lets the task run detached
  /// (wasio/rt/join_handle.hpp).
  template <class T>
  join_handle<T> spawn(task<T> t) { return spawn(std::move(t), root_stop_.token()); }
  template <class T>
  join_handle<T> spawn(task<T> t, stop_token token) {
    auto h = detail::task_access<T>::release(t);
    if (!h) detail::empty_task_awaited();
    auto* state = new detail::join_state<T>();
    state->rt = this;
    state->link_outer(token);
    h.promise().join = state;
    root_.adopt(h.promise(), h, state->stop.token());
    return join_handle<T>(state);
  }

  /// The runtime whose loop (run or block_on) is running on this thread; traps outside one.
  /// Tasks reach their runtime this way instead of threading a runtime& through every call.
  static runtime& current();
  /// The same, or nullptr outside a running loop.
  static runtime* current_or_null() noexcept;

  /// Runs the loop until `t` finishes and returns its outcome: result<U> for a task<result<U>>,
  /// result<void> for task<void>, result<T> otherwise. Errors: see the header comment.
  template <class T>
  typename detail::block_result<T>::type block_on(task<T> t) {
    auto h = detail::task_access<T>::handle(t);
    if (!h) detail::empty_task_awaited();
    auto& p = h.promise();
    p.rt = this;
    p.stop = root_stop_.token();
    schedule_start(p, h);
    if (auto r = loop(h); !r) return fail(r.error());
    if constexpr (std::is_void_v<T>) {
      return {};
    } else {
      return std::move(*p.value);
    }
  }

  /// Runs until no spawned task and no timer is left. Errors: see the header comment.
  result<void> run() { return loop({}); }

  /// Stops the runtime's stop token: every task spawned without a token of its own sees its awaits
  /// complete with errc::canceled (graceful shutdown is task_group::join_within).
  void request_stop() { root_stop_.request_stop(); }
  stop_token token() { return root_stop_.token(); }

  /// Spawned tasks alive (task_group children included).
  std::size_t task_count() const { return tasks_; }
  /// Timers armed (sleeps, with_timeout deadlines).
  std::size_t timer_count() const { return timers_.size(); }
  /// Socket registrations alive.
  std::size_t registration_count() const { return poll_.registry().size(); }
  /// Socket awaits parked waiting for readiness.
  std::size_t parked_count() const { return parked_; }
  /// poll_oneoff calls made so far (benchmarks and tests of the "never poll for nothing" rule).
  std::uint64_t poll_count() const { return polls_; }
  /// rt::clock as the loop last read it: after each poll returned, and before each timer check
  /// (libuv's uv_now). It costs no clock read; it is behind the real clock by however long the
  /// tasks of this turn have run so far. For deadlines a turn's lateness cannot matter (an idle
  /// connection's timeout of seconds); clock::now() for anything that measures.
  clock::time_point loop_time() const { return loop_time_; }
  wasio::registry& registry() { return poll_.registry(); }

  // --- For the library's awaiters (detail, but called from templates in headers).
  void schedule(detail::waiter& w) { ready_.push_back(w); }
  /// Takes one unit of the running task's operation budget; false when it is spent.
  bool take_budget() {
    if (budget_left_ == 0) return false;
    --budget_left_;
    return true;
  }
  /// Starts a socket await: finishes it at once (returns false) or parks it in `slot` (true).
  bool begin_io(detail::io_waiter& w, std::coroutine_handle<> h, stop_token token, detail::io_waiter*& slot);
  void unpark(detail::io_waiter& w);
  void arm(detail::timer_entry& t, clock::time_point deadline);
  void disarm(detail::timer_entry& t);
  /// Links `state` to the live registration `tok` names, so its events retry the parked awaits.
  /// A state still linked to an ended registration in the same slot gets its awaits finished
  /// with badf first. Traps when `tok` names no live registration.
  void attach_io(wasio::token tok, detail::io_state* state);
  /// Unlinks what attach_io(tok, ...) linked; a no-op when the slot now belongs to another token.
  void detach_io(wasio::token tok);
  /// Completes every await parked in `state` with `code` (a socket closing under them).
  void abandon_io(detail::io_state& state, errc code);
  /// Increments / decrements the live task count (scopes call these).
  void task_started() { ++tasks_; }
  void task_ended() { --tasks_; }
  std::size_t op_budget() const { return opts_.op_budget; }

 private:
  void schedule_start(detail::promise_base& p, std::coroutine_handle<> h);
  result<void> loop(std::coroutine_handle<> root);
  void run_ready();
  void fire_due_timers(clock::time_point now);
  void dispatch(const events& got);
  void retry_parked(detail::io_waiter& w);
  void complete_io(detail::io_waiter& w);
  static bool retry_queued(detail::waiter& w);
  static void cancel_io(void* w);
  void heap_up(std::uint32_t i);
  void heap_down(std::uint32_t i);
  void heap_swap(std::uint32_t a, std::uint32_t b);
  bool heap_less(std::uint32_t a, std::uint32_t b) const;

  options opts_;
  wasio::poll poll_;
  wasio::events events_;
  detail::waiter_queue ready_;
  std::vector<detail::timer_entry*> timers_;  // binary min-heap on (deadline, sequence)
  std::uint64_t timer_sequence_ = 0;
  /// What attach_io linked, by registration slot index. The full token (with its generation) is
  /// kept so an event for a newer registration in a reused slot never reaches an older state.
  struct io_entry {
    wasio::token tok;
    detail::io_state* state = nullptr;
  };
  std::vector<io_entry> io_table_;
  std::size_t parked_ = 0;
  std::size_t tasks_ = 0;
  std::size_t budget_left_ = 0;
  std::uint64_t polls_ = 0;
  clock::time_point loop_time_{};
  bool running_ = false;
  stop_source root_stop_;
  // Last member: destroyed first, so spawned frames go while the poll and queues still exist.
  detail::scope root_{*this};
};

/// `co_await rt::yield()`: lets every other ready task run once before this one continues.
struct yield {
  detail::waiter node;
  yield() = default;
  yield(yield&&) noexcept {}
  bool await_ready() noexcept { return false; }
  template <detail::wasio_promise P>
  void await_suspend(std::coroutine_handle<P> h) noexcept {
    node.handle = h;
    h.promise().rt->schedule(node);
  }
  void await_resume() noexcept {}
};

/// `co_await rt::current_stop_token()`: the stop token the awaiting task runs under.
struct current_stop_token {
  stop_token found;
  bool await_ready() noexcept { return false; }
  template <detail::wasio_promise P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    found = h.promise().stop;
    return false;
  }
  stop_token await_resume() noexcept { return found; }
};

}  // namespace wasio::rt
