#pragma once
/// wasio::rt::stop_source, stop_token, stop_callback: cooperative cancellation, single-threaded.
///
/// The shape of std::stop_source without its atomics and allocation: a stop_source owns its state
/// in place (so it cannot move), tokens point at it, and a stop_callback is an intrusive node that
/// runs when stop is requested. Every wasio::task carries a token (inherited from whoever awaits or
/// spawns it); the runtime's awaits (I/O, timers) watch it and complete with errc::canceled,
/// leaving no registration or timer behind.
///
/// Errors: none. Notes:
/// - A default-constructed stop_token never stops.
/// - A stop_source must outlive every token and callback that refers to it (task_group and the
///   runtime guarantee this for the tokens they hand out).
/// - Callbacks run synchronously inside request_stop(), in registration order; the runtime's own
///   callbacks only move a waiter to the ready queue, so nothing resumes re-entrantly.
///
/// Example (compiled in tests/guest/rt_cancel_test.cpp):
///   wasio::rt::stop_source stop;
///   rt.spawn(reader(stream), stop.token());  // its awaits now complete with canceled on stop
///   stop.request_stop();

#include <cstddef>

namespace wasio::rt {

class stop_callback;

namespace detail {
struct stop_state {
  bool stopped = false;
  stop_callback* first = nullptr;
  stop_callback* last = nullptr;
};
}  // namespace detail

class stop_token {
 public:
  stop_token() = default;
  bool stop_requested() const { return state_ != nullptr && state_->stopped; }
  /// False for a token that can never be stopped (default-constructed).
  bool stop_possible() const { return state_ != nullptr; }
  friend bool operator==(stop_token, stop_token) = default;

 private:
  friend class stop_source;
  friend class stop_callback;
  explicit stop_token(detail::stop_state* state) : state_(state) {}
  detail::stop_state* state_ = nullptr;
};

class stop_source {
 public:
  stop_source() = default;
  stop_source(const stop_source&) = delete;
  stop_source& operator=(const stop_source&) = delete;
  ~stop_source();

  stop_token token() { return stop_token(&state_); }
  bool stop_requested() const { return state_.stopped; }
  /// Marks the source stopped and runs every registered callback once. False if already stopped.
  bool request_stop();

 private:
  detail::stop_state state_;
};

/// Runs `fn(context)` when the token's source is stopped (at once if it already is).
/// Unregisters itself on destruction; not copyable or movable (it is linked into the source).
class stop_callback {
 public:
  using function = void (*)(void* context);
  stop_callback() = default;
  stop_callback(const stop_callback&) = delete;
  stop_callback& operator=(const stop_callback&) = delete;
  ~stop_callback() { reset(); }

  /// Attaches to `token`; runs `fn` now (and returns false) if the token is already stopped.
  /// A token that cannot stop attaches nothing. Traps if already attached.
  bool attach(stop_token token, function fn, void* context);
  /// Detaches if attached.
  void reset();
  bool attached() const { return state_ != nullptr; }

 private:
  friend class stop_source;
  detail::stop_state* state_ = nullptr;
  stop_callback* prev_ = nullptr;
  stop_callback* next_ = nullptr;
  function fn_ = nullptr;
  void* context_ = nullptr;
};

}  // namespace wasio::rt
