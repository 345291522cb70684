// A loop blocked in poll_oneoff with NO timeout (or, for timed polling, a bounded one), woken by one
// wake strategy, as a real .wasm under wasio-run. tests/e2e/wakeup/wake_e2e.py drives it.
// Usage: wake_guest.wasm host | control | timed TICK_MS | same-thread
// Prints "wake_guest: blocked" before the wait, then "wake_guest: woken polls=N" and exits 0;
// any failure is one line "wake_guest: FAILED ..." and exit status 1.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "wasio/io/poll.hpp"
#include "wasio/io/wake/wake_channel.hpp"
#include "wasio/io/waker.hpp"
#include "wasio/sys/listeners.hpp"

namespace {

int failed(const char* what, wasio::errc e = wasio::errc::success) {
  std::printf("wake_guest: FAILED %s %s\n", what, e == wasio::errc::success ? "" : std::string(wasio::name(e)).c_str());
  std::fflush(stdout);
  return 1;
}

void say_blocked() {
  std::printf("wake_guest: blocked\n");
  std::fflush(stdout);
}

int woken(unsigned long polls) {
  std::printf("wake_guest: woken polls=%lu\n", polls);
  std::fflush(stdout);
  return 0;
}

// Host channel or control listener: the channel is watched, the wait has no timeout.
int run_watched(wasio::wake::wake_channel channel) {
  wasio::poll poll;
  wasio::events events;
  if (auto r = channel.watch(poll.registry()); !r) return failed("watch", r.error());
  say_blocked();
  for (unsigned long polls = 1;; ++polls) {
    if (auto r = poll.wait(events, std::nullopt); !r) return failed("wait", r.error());
    // One drain serves every event of the channel in this batch; a waker connection it closes may
    // still have an event further on, whose token then names nothing.
    bool for_channel = false;
    for (const wasio::event& ev : events) for_channel = for_channel || channel.owns(ev.token());
    if (!for_channel) continue;
    auto n = channel.drain();
    if (!n) return failed("drain", n.error());
    if (*n > 0) {
      channel.unwatch();
      return woken(polls);
    }
  }
}

// Timed polling: the channel is a flag nobody subscribes to; every tick looks at it.
int run_timed(wasio::wake::wake_channel channel, std::chrono::milliseconds tick) {
  wasio::poll poll;
  wasio::events events;
  auto waker = wasio::waker::create(poll.registry(), std::make_unique<wasio::bounded_wait_wake>(tick));
  if (!waker) return failed("waker", waker.error());
  say_blocked();
  for (unsigned long polls = 1;; ++polls) {
    if (auto r = poll.wait(events, std::nullopt); !r) return failed("wait", r.error());
    auto n = channel.drain();
    if (!n) return failed("drain", n.error());
    if (*n > 0) return woken(polls);
  }
}

int run_same_thread() {
  wasio::poll poll;
  wasio::events events;
  auto waker = wasio::waker::create(poll.registry());
  if (!waker) return failed("waker", waker.error());
  if (auto r = waker->wake(); !r) return failed("wake", r.error());
  say_blocked();
  if (auto r = poll.wait(events, std::nullopt); !r) return failed("wait", r.error());
  if (events.size() != 1 || events.begin()->token() != waker->token()) return failed("no waker event");
  return woken(1);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc > 1 ? argv[1] : "";
  if (mode == "same-thread") return run_same_thread();
  auto channel_fd = wasio::wake::host_channel_fd();
  if (!channel_fd) return failed("WASIO_WAKER_FD", channel_fd.error());
  if (mode == "host" || mode == "timed") {
    if (!*channel_fd) return failed("no WASIO_WAKER_FD (run under wasio-run --waker)");
    auto channel = wasio::wake::wake_channel::from_stream(**channel_fd);
    if (mode == "host") return run_watched(std::move(channel));
    const long tick_ms = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 0;
    if (tick_ms <= 0) return failed("timed needs a tick in milliseconds");
    return run_timed(std::move(channel), std::chrono::milliseconds(tick_ms));
  }
  if (mode == "control") {
    auto listeners = wasio::sys::find_listeners();
    if (!listeners || listeners->empty()) return failed("no pre-opened control listener");
    return run_watched(wasio::wake::wake_channel::from_listener(listeners->front()));
  }
  return failed("usage: wake_guest host | control | timed TICK_MS | same-thread");
}
