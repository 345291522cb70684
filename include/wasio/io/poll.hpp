#pragma once
/// wasio::poll: waits for registered sources to become ready (one poll_oneoff per call).
///
/// Readiness semantics, per registration (see wasio::trigger):
/// - level: the host's view, unfiltered: a direction is reported on every poll while the host says it
///   is ready. Register writable only while you have something to write, or every poll returns at once.
/// - edge: a direction is reported once, then its subscription leaves the array until the
///   application sees would_block for it through a wasio socket; only then is it polled again. Keep
///   reading (writing, accepting) until would_block, or the registration goes quiet for good.
///
/// Host quirks the poll absorbs (HOST-SEMANTICS.md 3-4, all tested under the testbed profiles):
/// - spurious events (wasmtime-legacy: every fd subscription fires when one is ready): delivered as
///   readiness hints; the socket call returns would_block and, in edge mode, re-arms.
/// - nbytes >= 1 at end of stream (wasmtime-legacy): only a hint; a read returning 0 is the truth.
/// - a closed fd left registered makes wasmtime-legacy fail the WHOLE call with badf: the poll
///   probes every registration with fd_fdstat_get, reports each bad one as an error event
///   (errc::badf), stops polling it, and polls the rest again (without blocking, since it already
///   has events to report).
/// - per-subscription errors (strict, uvwasi) become error events for their owner.
/// - a poll that waits until EVERY fd subscription fired (uvwasi): bound each wait with
///   WASIO_MAX_POLL_WAIT_MS or registry::set_max_wait (wasio/io/max_poll_wait.hpp).
///
/// Errors:
/// - inval: nothing to wait for (no subscription, no timeout, no waker): preview1 rejects an empty
///   poll_oneoff, and waiting forever on nothing would hang.
/// - whatever whole-call error the host returns other than a badf the poll could attribute.
/// Notes: a poll may return with no events (timeout, a waker's interrupt, or only stale events).
///
/// Example (compiled in tests/guest/header_examples_test.cpp; examples/echo_poll is a whole server):
///   wasio::poll poll;
///   wasio::events events(1024);
///   while (!done) {
///     if (auto r = poll.wait(events, std::nullopt); !r) return fail(r.error());
///     for (const wasio::event& ev : events) handle(ev);
///   }

#include <chrono>
#include <optional>

#include "wasio/io/event.hpp"
#include "wasio/io/registry.hpp"
#include "wasio/result.hpp"

namespace wasio {

class poll {
 public:
  poll() = default;
  poll(const poll&) = delete;
  poll& operator=(const poll&) = delete;

  wasio::registry& registry() { return registry_; }
  const wasio::registry& registry() const { return registry_; }

  /// Clears `out`, waits until something is ready or `timeout` passes (nullopt: no limit), and fills
  /// `out`. A pending waker makes the wait zero. Errors: see the header comment.
  /// (mio's Poll::poll; C++ reserves a class's own name for its constructors, hence `wait`.)
  result<void> wait(events& out, std::optional<std::chrono::nanoseconds> timeout) {
    return registry_.poll_once(out, timeout);
  }

 private:
  wasio::registry registry_;
};

}  // namespace wasio
