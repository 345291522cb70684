#pragma once
/// Timers of wasio::rt: sleep_for, sleep_until, with_timeout and with_deadline.
///
/// Timers sit on the runtime's heap; the poll's timeout is the nearest deadline (one clock
/// subscription however many timers are armed). A timer lives in the awaiting frame: arming one
/// allocates nothing beyond the heap vector's amortized growth.
///
/// Errors:
/// - sleep_for, sleep_until: canceled when the task's stop token is stopped first (the timer is gone).
/// - with_timeout(d, a): timedout when `d` passed before `a` finished (a was canceled through its
///   stop token and nothing it owned is left registered); canceled when the awaiting task itself
///   was stopped; otherwise a's own outcome. An rt::transfer outcome (read_exact, write_all) keeps
///   its byte count through the timeout: the bytes moved before the deadline are not lost.
/// - with_deadline(t, a[, also]): the same with a time point on rt::clock instead of a duration (a
///   deadline already passed times `a` out at the loop's next timer check, unless it finished at
///   once); canceled also when the stop token `also` stopped first (a server's shutdown token).
/// Notes:
/// - with_timeout is cooperative: it stops the awaitable's stop token, which every await of this
///   library honours; a task that computes without awaiting finishes first.
/// - with_timeout runs as a task of its own (one frame from the frame allocator), so any awaitable
///   whose result is a wasio::result works: a socket operation, a task, task_group::join_within.
/// - with_deadline reads no clock: a loop that keeps one deadline per phase (an HTTP connection's)
///   and bounds every read by it pays for no clock read per read.
/// - with_deadline of a socket operation of rt::tcp_stream (read, write_all, ...) is an awaiter,
///   not a task: no frame, and its timer is armed only when the operation has to wait (one that
///   finishes at once costs two stop links and nothing else). Await it where it is called, like
///   the operation itself. Any other awaitable gets a task, as with_timeout does.
///
/// Example (compiled in tests/guest/rt_timer_test.cpp):
///   auto got = co_await wasio::rt::with_timeout(50ms, stream.read(buffer));
///   if (!got && got.error() == wasio::errc::timedout) ...;  // nothing arrived in time

#include <chrono>
#include <concepts>
#include <coroutine>
#include <utility>

#include "wasio/result.hpp"
#include "wasio/rt/clock.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/stop.hpp"
#include "wasio/rt/task.hpp"

namespace wasio::rt {

/// Awaits until `deadline` on rt::clock. Errors: canceled.
class [[nodiscard]] sleep_until {
 public:
  explicit sleep_until(clock::time_point deadline) : deadline_(deadline) {}
  sleep_until(sleep_until&& other) noexcept : deadline_(other.deadline_) {}

  bool await_ready() noexcept { return false; }
  template <detail::wasio_promise P>
  bool await_suspend(std::coroutine_handle<P> h) {
    return start(*h.promise().rt, h, h.promise().stop);
  }
  result<void> await_resume() noexcept { return outcome_; }

 private:
  bool start(runtime& rt, std::coroutine_handle<> h, stop_token token);
  static void on_fire(detail::timer_entry& t);
  static void on_stop(void* self);

  clock::time_point deadline_;
  detail::timer_entry timer_;
  detail::waiter node_;
  stop_callback cancel_;
  runtime* rt_ = nullptr;
  result<void> outcome_;
};

/// Awaits `d` on rt::clock (no suspension at all for d <= 0 unless stopped). Errors: canceled.
/// Notes: durations beyond what the clock can count saturate (hours::max() never ends by itself).
class [[nodiscard]] sleep_for : public sleep_until {
 public:
  explicit sleep_for(clock::duration d) : sleep_until(deadline_after(d)) {}
  template <class Rep, class Period>
  explicit sleep_for(std::chrono::duration<Rep, Period> d) : sleep_for(to_clock_duration(d)) {}
};

namespace detail {
/// Arms a timer that stops `target` when it fires; disarms on destruction.
class deadline_stopper {
 public:
  deadline_stopper(runtime& rt, clock::time_point deadline, stop_source& target);
  bool fired() const { return fired_; }

 private:
  static void on_fire(timer_entry& t);
  stop_source* target_;
  bool fired_ = false;
  timer_entry timer_;
};

/// Forwards a stop of `from` to `to` while alive.
class stop_link {
 public:
  stop_link(stop_token from, stop_source& to) { cancel_.attach(from, &forward, &to); }

 private:
  static void forward(void* to) { static_cast<stop_source*>(to)->request_stop(); }
  stop_callback cancel_;
};

/// `got` turned into a timeout, keeping whatever progress the outcome type can carry.
template <class Outcome>
Outcome timed_out(const Outcome&) {
  return Outcome(fail(errc::timedout));
}
template <class Outcome>
  requires requires(const Outcome& o) { { o.with_error(errc::timedout) } -> std::same_as<Outcome>; }
Outcome timed_out(const Outcome& got) {
  return got.with_error(errc::timedout);
}

template <class A>
using await_result_t = decltype(std::declval<A&>().await_resume());
template <class A>
concept has_member_co_await = requires(A&& a) { std::forward<A>(a).operator co_await(); };
template <class A>
struct awaited { using type = await_result_t<A>; };
template <has_member_co_await A>
struct awaited<A> { using type = await_result_t<decltype(std::declval<A&&>().operator co_await())>; };
}  // namespace detail

namespace detail {

/// An awaiter whose await_suspend reads the awaiting promise's stop token once, there and then
/// (the socket operations of rt::tcp_stream): it can be bounded without a task of its own.
template <class A>
concept deadline_adaptable = requires { typename A::deadline_adaptable; };

/// with_deadline of a deadline_adaptable awaiter: the inner await runs under a stop source of
/// this awaiter's, which the task's own token, `also` and the deadline's timer stop.
template <class Inner>
class [[nodiscard]] deadline_awaiter {
 public:
  using outcome = decltype(std::declval<Inner&>().await_resume());

  deadline_awaiter(clock::time_point deadline, Inner inner, stop_token also)
      : inner_(std::move(inner)), deadline_(deadline), also_(also) {}
  // Movable only before it starts (with_timeout and with_stop take awaitables by value).
  deadline_awaiter(deadline_awaiter&& other) noexcept
      : inner_(std::move(other.inner_)), deadline_(other.deadline_), also_(other.also_) {}
  deadline_awaiter& operator=(const deadline_awaiter&) = delete;

  bool await_ready() noexcept { return false; }
  template <wasio_promise P>
  bool await_suspend(std::coroutine_handle<P> h) {
    promise_base& p = h.promise();
    outer_ = p.stop;
    // Attached first: a token already stopped stops the inner await before it tries anything.
    from_outer_.attach(outer_, &forward_stop, &stop_);
    from_also_.attach(also_, &forward_stop, &stop_);
    p.stop = stop_.token();
    const bool waiting = inner_.await_suspend(h);
    p.stop = outer_;
    if (waiting && deadline_ != clock::time_point::max()) {
      timer_.fire = &on_deadline;
      timer_.context = this;
      p.rt->arm(timer_, deadline_);
    }
    return waiting;
  }
  outcome await_resume() {
    if (timer_.armed()) timer_.owner->disarm(timer_);
    from_outer_.reset();
    from_also_.reset();
    outcome got = inner_.await_resume();
    if (!got && got.error() == errc::canceled && fired_ && !outer_.stop_requested() && !also_.stop_requested())
      return timed_out(got);
    return got;
  }

 private:
  static void forward_stop(void* source) { static_cast<stop_source*>(source)->request_stop(); }
  static void on_deadline(timer_entry& t) {
    auto& self = *static_cast<deadline_awaiter*>(t.context);
    self.fired_ = true;
    self.stop_.request_stop();
  }

  // Lifetime: declared before inner_, so a frame destroyed mid-await ends the inner await first.
  stop_source stop_;
  Inner inner_;
  clock::time_point deadline_;
  stop_token also_;
  stop_token outer_;
  stop_callback from_outer_, from_also_;
  timer_entry timer_;
  bool fired_ = false;
};

/// The task with_timeout and with_deadline (of any other awaitable) run.
template <class Awaitable>
task<typename awaited<Awaitable>::type> deadline_task(clock::time_point deadline, Awaitable awaitable, stop_token also) {
  using outcome = typename detail::awaited<Awaitable>::type;
  detail::promise_base& self = co_await detail::this_promise{};
  const stop_token outer = self.stop;
  stop_source inner;
  detail::stop_link from_outer(outer, inner);
  detail::stop_link from_also(also, inner);
  detail::deadline_stopper timer(*self.rt, deadline, inner);
  self.stop = inner.token();
  outcome got = co_await std::move(awaitable);
  self.stop = outer;
  if (!got && got.error() == errc::canceled && timer.fired() && !outer.stop_requested() && !also.stop_requested())
    co_return timed_out(got);
  co_return got;
}

}  // namespace detail

/// Awaits `awaitable` until `deadline`, and stops it when `also` stops. Errors: see the header comment.
template <class Awaitable>
  requires(requires { typename detail::awaited<Awaitable>::type::value_type; } &&
           !detail::deadline_adaptable<Awaitable>)
task<typename detail::awaited<Awaitable>::type> with_deadline(clock::time_point deadline, Awaitable awaitable,
                                                              stop_token also = {}) {
  return detail::deadline_task(deadline, std::move(awaitable), also);
}

/// The same for a socket operation: an awaiter, no frame (see the header comment).
template <detail::deadline_adaptable Awaiter>
detail::deadline_awaiter<Awaiter> with_deadline(clock::time_point deadline, Awaiter awaiter, stop_token also = {}) {
  return detail::deadline_awaiter<Awaiter>(deadline, std::move(awaiter), also);
}

/// Awaits `awaitable` for at most `d` (saturated like sleep_for's). Errors: see the header comment.
/// The deadline counts from this call (with_timeout is awaited where it is called).
template <class Rep, class Period, class Awaitable>
  requires requires { typename detail::awaited<Awaitable>::type::value_type; }
task<typename detail::awaited<Awaitable>::type> with_timeout(std::chrono::duration<Rep, Period> d, Awaitable awaitable) {
  return detail::deadline_task(deadline_after(to_clock_duration(d)), std::move(awaitable), stop_token{});
}

}  // namespace wasio::rt
