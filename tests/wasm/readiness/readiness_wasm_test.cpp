// The readiness layer inside a real .wasm under wasio-run (no gtest in wasm32): same-thread waker
// wakes, the empty-poll guard, timeouts, and listener discovery through the WASI environment.
// Run as: wasio-run --tcplisten 127.0.0.1:0 --env LISTEN_FDNAMES=web --profile P readiness_wasm_test.wasm
// Exit status 0 when every check passed; each failed check is printed.

#include <chrono>
#include <cstdio>

#include "wasio/io/poll.hpp"
#include "wasio/io/waker.hpp"
#include "wasio/net/tcp_listener.hpp"

namespace {

using namespace std::chrono_literals;

int failures = 0;

void check(bool ok, const char* what) {
  std::fprintf(stderr, "%s: %s\n", ok ? "ok" : "FAILED", what);
  if (!ok) ++failures;
}

std::size_t events_for(const wasio::events& got, wasio::token tok) {
  std::size_t n = 0;
  for (const wasio::event& e : got) n += e.token() == tok ? 1 : 0;
  return n;
}

void waker_alone() {
  wasio::poll poll;
  wasio::events events;
  auto waker = wasio::waker::create(poll.registry());
  check(waker.has_value(), "a waker registers");
  if (!waker) return;
  check(waker->wake().has_value(), "wake succeeds on wasm (same-thread part; interrupt_poll is notsup here)");
  auto r = poll.wait(events, std::nullopt);
  check(r.has_value(), "a wait with only a woken waker returns");
  check(events_for(events, waker->token()) == 1, "the wait reports the waker once");
}

void waker_next_to_an_idle_listener(wasio::net::tcp_listener& listener) {
  wasio::poll poll;
  wasio::events events;
  check(poll.registry().register_source(listener, wasio::interest::readable).has_value(), "the listener registers");
  auto waker = wasio::waker::create(poll.registry());
  if (!waker) return;
  (void)waker->wake();
  (void)waker->wake();
  // Without the wake this would block forever: no client ever connects in this test.
  auto r = poll.wait(events, std::nullopt);
  check(r.has_value(), "a wait with no timeout returns after a same-thread wake");
  check(events_for(events, waker->token()) == 1, "two wakes coalesce into one event");
  r = poll.wait(events, 1ms);
  check(r.has_value() && events_for(events, waker->token()) == 0, "the wake is consumed");
  check(poll.registry().deregister(listener).has_value(), "the listener deregisters");
}

void empty_poll_and_timeout() {
  wasio::poll poll;
  wasio::events events;
  auto r = poll.wait(events, std::nullopt);
  check(!r && r.error() == wasio::errc::inval, "nothing to wait for fails with inval, no poll_oneoff(0)");
  r = poll.wait(events, 1ms);
  check(r.has_value() && events.empty(), "a timeout alone returns no events");
}

}  // namespace

int main() {
  empty_poll_and_timeout();
  waker_alone();
  auto listeners = wasio::net::preopened_listeners();
  check(listeners.has_value() && listeners->size() == 1, "the pre-opened listener is found");
  if (listeners && listeners->size() == 1) {
    auto& listener = listeners->front();
    check(listener.name().empty(), "probing gives no name");
    auto accepted = listener.accept();
    check(!accepted && accepted.error() == wasio::would_block, "accept with no client is would_block");
    waker_next_to_an_idle_listener(listener);
    check(listener.close().has_value(), "the listener closes");
  }
  std::fprintf(stderr, "%s\n", failures == 0 ? "readiness_wasm_test: PASS" : "readiness_wasm_test: FAIL");
  return failures == 0 ? 0 : 1;
}
