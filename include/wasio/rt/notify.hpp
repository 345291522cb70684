#pragma once
/// wasio::rt::notify: wakes waiting tasks of one runtime (tokio's Notify semantics).
///
/// - notify_one(): wakes the task that has waited longest; with none waiting, it leaves one permit
///   (at most one), which the next wait() consumes at once. So a notification sent just before the
///   receiver starts waiting is not lost.
/// - notify_all(): wakes every task waiting now (and leaves no permit).
/// - `co_await n.wait()`: result<void>.
///
/// Errors (wait): canceled (the task's stop token was stopped while it waited, and no notification
/// had picked it yet).
/// Notes: cancellation-safe: a wait that was picked by notify_one and then stopped still reports
/// success (the notification is not lost). Single-threaded; the notify must outlive every wait on
/// it (destroying it with waits parked traps).
///
/// Example (compiled in tests/guest/rt_channel_test.cpp):
///   wasio::rt::notify changed;
///   // producer: state = ...; changed.notify_one();
///   // consumer: if (!co_await changed.wait()) co_return; use(state);

#include <coroutine>
#include <cstdint>

#include "wasio/errc.hpp"
#include "wasio/result.hpp"
#include "wasio/rt/detail/parked.hpp"
#include "wasio/rt/task.hpp"

namespace wasio::rt {

class notify {
 public:
  notify() = default;
  notify(const notify&) = delete;
  notify& operator=(const notify&) = delete;
  ~notify() {
    if (!waiting_.empty()) detail::primitive_misuse("notify destroyed while waits are parked on it");
  }

  void notify_one() {
    if (waiter* w = waiting_.empty() ? nullptr : waiting_.pop_front()) {
      static_cast<wait_awaiter&>(static_cast<detail::parked&>(*w)).picked_ = true;
      detail::schedule_waiter(static_cast<detail::parked&>(*w).rt, *w);
    } else {
      permit_ = true;
    }
  }
  void notify_all() {
    while (waiter* w = waiting_.empty() ? nullptr : waiting_.pop_front()) {
      static_cast<wait_awaiter&>(static_cast<detail::parked&>(*w)).picked_ = true;
      detail::schedule_waiter(static_cast<detail::parked&>(*w).rt, *w);
    }
  }
  /// Tasks waiting now.
  std::size_t waiting() const { return waiting_.size(); }

  class [[nodiscard]] wait_awaiter : detail::parked {
   public:
    explicit wait_awaiter(notify& n) : notify_(&n) {}
    wait_awaiter(wait_awaiter&& other) noexcept : notify_(other.notify_) {}
    bool await_ready() noexcept {
      if (!notify_->permit_) return false;
      notify_->permit_ = false;
      picked_ = true;
      return true;
    }
    template <detail::wasio_promise P>
    bool await_suspend(std::coroutine_handle<P> h) {
      return park(h, h.promise().rt, h.promise().stop, notify_->waiting_, nullptr);
    }
    result<void> await_resume() {
      done();
      if (picked_) return {};
      return fail(errc::canceled);
    }

   private:
    friend class notify;
    notify* notify_;
    bool picked_ = false;
  };
  wait_awaiter wait() { return wait_awaiter(*this); }

 private:
  using waiter = detail::waiter;
  detail::waiter_queue waiting_;
  bool permit_ = false;
};

}  // namespace wasio::rt
