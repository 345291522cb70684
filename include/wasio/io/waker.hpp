#pragma once
/// wasio::waker: makes a poll return with an event for the waker's token, from any thread.
///
/// wake() sets a flag the poll checks before and after it waits: from the poll's own thread (a
/// callback, a timer handler) the next wait does not block, it polls with a zero timeout and reports
/// the waker. Cutting short a wait already blocked in another thread needs help from the host; how
/// that is done is a wake_strategy:
/// - interrupt_wake (the default): sys::interrupt_poll(). Natively linked guests get the testbed's
///   host wake; preview1 has no such call, so on wasm32 it only does the same-thread part.
/// - bounded_wait_wake(period): never lets a poll block longer than `period` while the waker is
///   registered, so a flag set by another thread is seen within `period` (threads on wasm, any host).
/// Write your own by deriving from wake_strategy (a later issue measures strategies).
///
/// Errors (create): exist never; nomem as registry::register_source.
/// Errors (wake): badf for a moved-from waker or one whose registry is gone; whatever the strategy reports other than notsup (interrupt_wake treats notsup as
///   "same-thread only" and succeeds, the flag being set).
/// Notes: the registry must outlive its wakers; destroy a waker on the poll's thread (that
///   deregisters it). Wakes coalesce: several wake() calls before a poll give one event.
///
/// Example (compiled in tests/guest/waker_test.cpp):
///   auto waker = wasio::waker::create(poll.registry()).value();
///   std::thread other([&] { (void)waker.wake(); });
///   poll.wait(events, std::nullopt);  // returns with an event for waker.token()
///   other.join();

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

#include "wasio/io/registry.hpp"
#include "wasio/io/token.hpp"
#include "wasio/result.hpp"

namespace wasio {

/// How a waker cuts short a poll blocked in another thread.
class wake_strategy {
 public:
  virtual ~wake_strategy() = default;
  /// Called by waker::wake after the flag is set. Any thread.
  virtual result<void> interrupt() = 0;
  /// The longest a poll may block while a waker with this strategy is registered (nullopt: no cap).
  virtual std::optional<std::chrono::nanoseconds> max_block() const { return std::nullopt; }
};

/// sys::interrupt_poll(); notsup (wasm32 preview1) is treated as "same-thread wakes only".
class interrupt_wake final : public wake_strategy {
 public:
  result<void> interrupt() override;
};

/// Caps every poll's wait at `period` so another thread's wake is seen within it.
class bounded_wait_wake final : public wake_strategy {
 public:
  explicit bounded_wait_wake(std::chrono::nanoseconds period) : period_(period) {}
  result<void> interrupt() override { return {}; }
  std::optional<std::chrono::nanoseconds> max_block() const override { return period_; }

 private:
  std::chrono::nanoseconds period_;
};

namespace detail {
struct waker_state {
  std::atomic<bool> pending{false};
  registry* owner = nullptr;
  wasio::token tok;
  std::unique_ptr<wake_strategy> strategy;
};
}  // namespace detail

class waker {
 public:
  /// Registers a waker with `r`. Errors: nomem.
  static result<waker> create(registry& r, std::unique_ptr<wake_strategy> strategy = std::make_unique<interrupt_wake>());
  waker(waker&&) noexcept = default;
  waker& operator=(waker&&) noexcept;
  ~waker();

  /// Makes the next (or the current, blocked) poll report an event for token(). Any thread.
  result<void> wake();
  /// An invalid token for a moved-from waker.
  wasio::token token() const { return state_ ? state_->tok : wasio::token(); }

 private:
  explicit waker(std::unique_ptr<detail::waker_state> state) : state_(std::move(state)) {}
  void reset();
  std::unique_ptr<detail::waker_state> state_;
};

}  // namespace wasio
