#pragma once
/// kv::notifier: tasks park in `co_await n.wait()` until `n.notify_all()` moves them all to the
/// runtime's ready queue (the all-waiters form of tokio's Notify). The AOF's group commit uses two:
/// clients wake the flusher once per turn, and the flusher wakes the clients whose writes it made
/// durable.
///
/// Notes: a wait is not cancelled by stop tokens: whoever parks re-checks its condition after each
/// wake, and the notifier's owner wakes everyone on shutdown. A parked task whose frame is destroyed
/// unlinks itself (the runtime's intrusive waiter). No allocation; single-threaded.
///
/// Example (compiled in examples/kv/kv_server.cpp):
///   while (aof.acknowledged() < mine) co_await durable.wait();
///   ...
///   if (aof.flush(now)) durable.notify_all();

#include <coroutine>

#include "wasio/rt/detail/waiter.hpp"
#include "wasio/rt/runtime.hpp"

namespace kv {

class notifier {
 public:
  struct [[nodiscard]] awaiter {
    notifier& owner;
    wasio::rt::detail::waiter node;
    bool await_ready() noexcept { return false; }
    template <wasio::rt::detail::wasio_promise P>
    void await_suspend(std::coroutine_handle<P> h) noexcept {
      node.handle = h;
      owner.rt_ = h.promise().rt;
      owner.parked_.push_back(node);
    }
    void await_resume() noexcept {}
  };

  notifier() = default;
  notifier(const notifier&) = delete;
  notifier& operator=(const notifier&) = delete;

  awaiter wait() { return awaiter{*this, {}}; }
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
