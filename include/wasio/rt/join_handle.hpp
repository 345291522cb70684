#pragma once
/// wasio::rt::join_handle<T>: what runtime::spawn returns: await the spawned task's outcome, cancel
/// it, or let it run on its own (detach).
///
/// - `co_await handle` waits for the task and gives its outcome as a result: result<U> for a
///   task<result<U>>, result<void> for a task<void>, result<T> for any other task<T>. The handle is
///   then empty (its outcome was handed over once).
/// - cancel() stops the task's stop token: its awaits complete with errc::canceled and it ends the
///   way it handles that (the outcome is whatever it then returns).
/// - detach(), or destroying the handle, lets the task run to its end on its own, as a detached
///   spawn does (the runtime still owns it and frees it when it ends).
///
/// Errors (`co_await handle`):
/// - canceled: the AWAITING task was stopped while it waited (the spawned task keeps running and
///   the handle stays valid: await it again), or the spawned task was destroyed before it finished
///   (its runtime or task group was destroyed first).
/// - busy: another task is already awaiting this handle.
/// - otherwise the spawned task's own outcome.
/// Notes:
/// - Awaiting an empty handle (default-constructed, moved from, awaited to the end, detached) traps.
/// - A spawn costs one small allocation more than the task frame: the state the task and its handle
///   share (the outcome, a stop source for cancel()), freed when both let go.
/// - Single-threaded, like the runtime.
///
/// Example (compiled in tests/guest/rt_join_handle_test.cpp):
///   auto lookup = rt.spawn(resolve(name));      // join_handle<result<int>>
///   auto other = rt.spawn(background_work());   // dropped at once: runs detached
///   if (auto port = co_await lookup; port) use(*port);

#include <coroutine>
#include <optional>
#include <utility>

#include "wasio/errc.hpp"
#include "wasio/result.hpp"
#include "wasio/rt/detail/waiter.hpp"
#include "wasio/rt/stop.hpp"
#include "wasio/rt/task.hpp"

namespace wasio::rt {

class runtime;

namespace detail {

/// Which result shape a task<T>'s outcome is given as (block_on and join_handle).
template <class T>
struct block_result { using type = result<T>; };
template <class U>
struct block_result<result<U>> { using type = result<U>; };
template <>
struct block_result<void> { using type = result<void>; };

/// What a spawned task and its join_handle share. Two references (the task, the handle); freed by
/// whichever lets go last.
struct join_link {
  join_link() = default;
  join_link(const join_link&) = delete;
  join_link& operator=(const join_link&) = delete;
  virtual ~join_link() = default;

  /// Called by the task's final suspend while its promise still holds the value.
  virtual void deliver(promise_base& finished) = 0;
  /// The task's frame is gone (finished or destroyed): wake the joiner, drop the task's reference.
  void frame_gone() noexcept;
  void release() noexcept {
    if (--refs == 0) delete this;
  }
  /// Runs `stop.request_stop()` when the spawn's token stops (cancel reaches the task either way).
  void link_outer(stop_token outer) { outer_.attach(outer, &forward_stop, this); }

  int refs = 2;
  bool gone = false;
  runtime* rt = nullptr;
  waiter* joiner = nullptr;
  stop_source stop;

 private:
  static void forward_stop(void* self) { static_cast<join_link*>(self)->stop.request_stop(); }
  stop_callback outer_;
};

template <class T>
struct join_state final : join_link {
  using outcome_type = typename block_result<T>::type;
  void deliver(promise_base& finished) override {
    auto& promise = static_cast<typename task<T>::promise_type&>(finished);
    if constexpr (std::is_void_v<T>) {
      outcome.emplace();
    } else {
      outcome.emplace(std::move(*promise.value));
    }
  }
  std::optional<outcome_type> outcome;
};

[[noreturn]] void empty_join_handle_awaited();
/// rt->schedule(w), for headers that cannot include runtime.hpp.
void schedule_waiter(runtime* rt, waiter& w);

}  // namespace detail

template <class T>
class join_handle {
 public:
  using outcome_type = typename detail::block_result<T>::type;

  join_handle() = default;
  explicit join_handle(detail::join_state<T>* state) noexcept : state_(state) {}
  join_handle(join_handle&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  join_handle& operator=(join_handle&& other) noexcept {
    if (this != &other) {
      reset();
      state_ = std::exchange(other.state_, nullptr);
    }
    return *this;
  }
  join_handle(const join_handle&) = delete;
  join_handle& operator=(const join_handle&) = delete;
  /// Detaches (see the header comment).
  ~join_handle() { reset(); }

  /// False once empty (default, moved from, detached, or its outcome taken).
  bool valid() const noexcept { return state_ != nullptr; }
  /// True once the task ended (its outcome waits here), or was destroyed before it could.
  bool finished() const noexcept { return state_ != nullptr && state_->gone; }
  /// Stops the task's stop token (no effect once it finished).
  void cancel() noexcept {
    if (state_ != nullptr && !state_->gone) state_->stop.request_stop();
  }
  /// Lets the task run on its own; the handle becomes empty.
  void detach() noexcept { reset(); }

  class [[nodiscard]] awaiter {
   public:
    explicit awaiter(join_handle& h) noexcept : handle_(&h) {}
    awaiter(awaiter&& other) noexcept : handle_(other.handle_) {}
    awaiter& operator=(awaiter&&) = delete;
    ~awaiter() {
      if (joined_ && handle_->state_ != nullptr && handle_->state_->joiner == &node_) handle_->state_->joiner = nullptr;
    }

    bool await_ready() noexcept { return handle_->state_->gone; }
    template <detail::wasio_promise P>
    bool await_suspend(std::coroutine_handle<P> h) {
      detail::join_link& link = *handle_->state_;
      if (link.joiner != nullptr) {
        early_ = errc::busy;
        return false;
      }
      node_.handle = h;
      link.joiner = &node_;
      joined_ = true;
      in_suspend_ = true;
      const bool attached = cancel_.attach(h.promise().stop, &on_stop, this);
      in_suspend_ = false;
      return attached;  // false: the awaiting task was stopped already (on_stop ran): resume now
    }
    outcome_type await_resume() {
      cancel_.reset();
      if (early_ != errc::success) return fail(early_);
      detail::join_state<T>& state = *handle_->state_;
      if (!state.gone) return fail(errc::canceled);  // only the awaiting task's stop gets here
      std::optional<outcome_type> got = std::move(state.outcome);
      handle_->reset();
      if (!got) return fail(errc::canceled);  // destroyed before it finished
      return std::move(*got);
    }

   private:
    static void on_stop(void* self) {
      auto& a = *static_cast<awaiter*>(self);
      detail::join_link& link = *a.handle_->state_;
      if (link.joiner != &a.node_) return;
      link.joiner = nullptr;
      a.joined_ = false;
      a.early_ = errc::canceled;
      // A stop while suspended resumes the awaiting task through the ready queue; one already
      // there at await_suspend resumes it at once (await_suspend returns false).
      if (!a.in_suspend_) detail::schedule_waiter(link.rt, a.node_);
    }

    join_handle* handle_;
    detail::waiter node_;
    stop_callback cancel_;
    errc early_ = errc::success;
    bool joined_ = false;
    bool in_suspend_ = false;
  };
  /// Waits for the task's outcome (see the header comment). Traps on an empty handle.
  awaiter operator co_await() & {
    if (state_ == nullptr) detail::empty_join_handle_awaited();
    return awaiter(*this);
  }
  awaiter operator co_await() && {
    if (state_ == nullptr) detail::empty_join_handle_awaited();
    return awaiter(*this);
  }

 private:
  void reset() noexcept {
    if (state_ != nullptr) std::exchange(state_, nullptr)->release();
  }
  detail::join_state<T>* state_ = nullptr;
};

}  // namespace wasio::rt
