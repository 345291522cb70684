#pragma once
/// kv::notifier: tasks park in `co_await n.wait()` until `n.notify_all()` moves them all to the
/// runtime's ready queue (the all-waiters form of tokio's Notify). The AOF's group commit uses two:
/// clients wake the flusher once per turn, and the flusher wakes the clients whose writes it made
/// durable.
///
/// Notes: the waiting task's stop token ends the wait too (wait() then gives false), so a drain
/// that stops stragglers is not held up by one. Whoever parks re-checks its condition after each
/// wake. A parked task whose frame is destroyed unlinks itself (the runtime's intrusive waiter; the
/// stop callback detaches with it). No allocation; single-threaded.
///
/// Example (compiled in examples/kv/kv_server.cpp):
///   while (aof.acknowledged() < mine) {
///     const bool notified = co_await durable.wait();   // not `if (!co_await ...)`: GCC 12
///     if (!notified) co_return;                         // miscompiles that with this awaiter
///   }
///   ...
///   if (aof.flush(now)) durable.notify_all();

#include <coroutine>

#include "wasio/rt/detail/waiter.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/stop.hpp"

namespace kv {

class notifier {
 public:
  struct [[nodiscard]] awaiter {
    bool await_ready() noexcept { return false; }
    template <wasio::rt::detail::wasio_promise P>
    bool await_suspend(std::coroutine_handle<P> h) noexcept {
      if (h.promise().stop.stop_requested()) return false;
      node.handle = h;
      owner.rt_ = h.promise().rt;
      owner.parked_.push_back(node);
      watch.attach(h.promise().stop, &on_stop, this);
      return true;
    }
    /// False when the task was stopped instead of notified.
    bool await_resume() noexcept {
      watch.reset();
      return !stopped;
    }

    notifier& owner;
    wasio::rt::detail::waiter node;
    wasio::rt::stop_callback watch;
    bool stopped = false;

    // Runs inside request_stop(): only moves the waiter to the ready queue (no reentrant resume).
    static void on_stop(void* self) {
      auto& a = *static_cast<awaiter*>(self);
      if (a.node.queued()) a.owner.parked_.remove(a.node);
      a.stopped = true;
      a.owner.rt_->schedule(a.node);
    }
  };

  notifier() = default;
  notifier(const notifier&) = delete;
  notifier& operator=(const notifier&) = delete;

  /// `co_await n.wait()`: true when notified, false when the task's stop token stopped it.
  awaiter wait() { return awaiter{*this, {}, {}, false}; }
  /// Resumes (in the runtime's next turn) every task waiting now.
  void notify_all() {
    while (wasio::rt::detail::waiter* w = parked_.pop_front()) rt_->schedule(*w);
  }
  bool has_waiters() const { return !parked_.empty(); }

 private:
  wasio::rt::detail::waiter_queue parked_;
  wasio::rt::runtime* rt_ = nullptr;
};

}  // namespace kv
