#pragma once
/// wasio::rt::with_stop and wasio::rt::until_stopped: awaiting against a stop token other than the
/// task's own (a server's shutdown token, most often: see rt::service).
///
/// - with_stop(token, a): awaits `a`, but stops it (through its stop token, as with_timeout does)
///   when `token` is stopped first, or was already. The awaiting task's own token still stops it too.
/// - until_stopped(token): completes when `token` is stopped (at once if it already is).
///
/// Errors: with_stop: canceled when `token` (or the awaiting task's own token) stopped `a`;
///   otherwise a's own outcome. until_stopped: canceled when the awaiting task's own token stopped
///   first; a token that can never stop (default-constructed) waits for exactly that.
/// Notes: with_stop runs `a` as a task of its own (one frame from the frame allocator), like
///   with_timeout; an rt::transfer outcome keeps its byte count. For a socket operation of
///   rt::tcp_stream it is an awaiter instead, with no frame (rt::with_deadline's, without a
///   deadline): await it where it is called.
///
/// Example (compiled in examples/echo/echo_server.cpp):
///   auto n = co_await wasio::rt::with_stop(shutdown, stream.read(buffer));
///   if (!n && n.error() == wasio::errc::canceled) { /* shutting down: finish up */ }

#include <coroutine>
#include <utility>

#include "wasio/result.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/stop.hpp"
#include "wasio/rt/task.hpp"
#include "wasio/rt/time.hpp"

namespace wasio::rt {

/// Awaits `awaitable`, stopping it when `token` stops. Errors: see the header comment.
template <class Awaitable>
  requires(requires { typename detail::awaited<Awaitable>::type::value_type; } &&
           !detail::deadline_adaptable<Awaitable>)
task<typename detail::awaited<Awaitable>::type> with_stop(stop_token token, Awaitable awaitable) {
  using outcome = typename detail::awaited<Awaitable>::type;
  detail::promise_base& self = co_await detail::this_promise{};
  const stop_token outer = self.stop;
  stop_source inner;
  detail::stop_link from_outer(outer, inner);
  detail::stop_link from_token(token, inner);
  self.stop = inner.token();
  outcome got = co_await std::move(awaitable);
  self.stop = outer;
  co_return got;
}

/// The same for a socket operation: an awaiter, no frame (see the header comment).
template <detail::deadline_adaptable Awaiter>
detail::deadline_awaiter<Awaiter> with_stop(stop_token token, Awaiter awaiter) {
  return detail::deadline_awaiter<Awaiter>(clock::time_point::max(), std::move(awaiter), token);
}

/// `co_await until_stopped(token)`: result<void>. Errors: see the header comment.
class [[nodiscard]] until_stopped {
 public:
  explicit until_stopped(stop_token token) : token_(token) {}
  // Movable only before it starts (with_timeout takes awaitables by value).
  until_stopped(until_stopped&& other) noexcept : token_(other.token_) {}
  until_stopped& operator=(const until_stopped&) = delete;

  bool await_ready() noexcept { return token_.stop_requested(); }
  template <detail::wasio_promise P>
  bool await_suspend(std::coroutine_handle<P> h) {
    return start(*h.promise().rt, h, h.promise().stop);
  }
  result<void> await_resume() noexcept { return outcome_; }

 private:
  bool start(runtime& rt, std::coroutine_handle<> h, stop_token own);
  static void on_token(void* self);
  static void on_own(void* self);

  stop_token token_;
  runtime* rt_ = nullptr;
  detail::waiter node_;
  stop_callback watch_token_, watch_own_;
  result<void> outcome_;
};

}  // namespace wasio::rt
