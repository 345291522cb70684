#pragma once
/// wasio::rt::accept_loop: a listener's accept loop with the error policy a server wants.
///
/// Every server repeats the same loop: accept, hand the stream to a handler task, and decide what
/// an accept error means. classify_accept_error is that decision:
/// - connaborted: that client is gone before we saw it; accept the next one at once.
/// - mfile, nfile, nobufs, nomem, io: out of resources (or a host hiccup); report it, wait `backoff`
///   so connections can close and free descriptors, then accept again.
/// - canceled, badf: the loop was stopped or the listener closed; end quietly.
/// - anything else: report it and end the loop.
///
/// Errors are reported through a callback, or (the usual choice) to an rt::error_log as "accept failed",
/// which rate-limits them: out of descriptors, the loop meets the error every `backoff`, and the log
/// prints about one line per interval with the count instead of a line per attempt.
///
/// Example (compiled in examples/echo/echo_server.cpp):
///   rt.spawn(wasio::rt::accept_loop(listener,
///       [&rt](wasio::rt::tcp_stream s) { rt.spawn(serve(std::move(s))); }, log));
/// With a stop token (a server's shutdown token, rt::service::shutdown_token()), the loop also ends
/// quietly when that token stops: each accept is awaited through rt::with_stop.
/// Notes: the callbacks are moved into the loop's frame; what they refer to (and the log) must outlive it.

#include <chrono>
#include <optional>
#include <utility>

#include "wasio/errc.hpp"
#include "wasio/rt/error_log.hpp"
#include "wasio/rt/task.hpp"
#include "wasio/rt/tcp_listener.hpp"
#include "wasio/rt/tcp_stream.hpp"
#include "wasio/rt/time.hpp"
#include "wasio/rt/with_stop.hpp"

namespace wasio::rt {

enum class accept_error_action { accept_next, back_off, stop_quietly, stop };

constexpr accept_error_action classify_accept_error(errc code) {
  switch (code) {
    case errc::connaborted: return accept_error_action::accept_next;
    case errc::mfile: case errc::nfile: case errc::nobufs: case errc::nomem: case errc::io:
      return accept_error_action::back_off;
    case errc::canceled: case errc::badf: return accept_error_action::stop_quietly;
    default: return accept_error_action::stop;
  }
}

/// Accepts on `listener` until stopped, calling `on_accept(tcp_stream)` for each connection and
/// `on_error(errc)` for each error it reports (see classify_accept_error).
template <class OnAccept, class OnError>
task<void> accept_loop(tcp_listener& listener, OnAccept on_accept, OnError on_error, stop_token until,
                       std::chrono::milliseconds backoff = std::chrono::milliseconds(10)) {
  for (;;) {
    if (until.stop_requested()) co_return;
    // Two statements, not a conditional expression: GCC 12 mishandles the temporaries of a co_await
    // inside ?: (a stream moved out of a dead frame), and without a token no extra frame is needed.
    std::optional<result<tcp_stream>> accepted;
    if (until.stop_possible()) accepted.emplace(co_await with_stop(until, listener.accept()));
    else accepted.emplace(co_await listener.accept());
    result<tcp_stream>& stream = *accepted;
    if (stream) {
      on_accept(std::move(*stream));
      continue;
    }
    const errc code = stream.error();
    switch (classify_accept_error(code)) {
      case accept_error_action::accept_next:
        continue;
      case accept_error_action::back_off:
        on_error(code);
        if (until.stop_possible()) (void)co_await with_stop(until, sleep_for(backoff));
        else (void)co_await sleep_for(backoff);
        continue;
      case accept_error_action::stop_quietly:
        co_return;
      case accept_error_action::stop:
        on_error(code);
        co_return;
    }
  }
}

/// accept_loop without a stop token of its own: it ends when the awaiting task is stopped.
template <class OnAccept, class OnError>
task<void> accept_loop(tcp_listener& listener, OnAccept on_accept, OnError on_error,
                       std::chrono::milliseconds backoff = std::chrono::milliseconds(10)) {
  return accept_loop(listener, std::move(on_accept), std::move(on_error), stop_token(), backoff);
}

/// accept_loop reporting each error to `log` as "accept failed" (rate-limited there), until `until` stops.
template <class OnAccept>
task<void> accept_loop(tcp_listener& listener, OnAccept on_accept, error_log& log, stop_token until,
                       std::chrono::milliseconds backoff = std::chrono::milliseconds(10)) {
  return accept_loop(listener, std::move(on_accept), [&log](errc code) { log.report("accept failed", code); },
                     until, backoff);
}

/// accept_loop reporting each error to `log` as "accept failed" (rate-limited there).
template <class OnAccept>
task<void> accept_loop(tcp_listener& listener, OnAccept on_accept, error_log& log,
                       std::chrono::milliseconds backoff = std::chrono::milliseconds(10)) {
  return accept_loop(listener, std::move(on_accept), log, stop_token(), backoff);
}

}  // namespace wasio::rt
