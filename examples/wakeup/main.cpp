// wakeup: an event loop that sleeps in poll_oneoff with no timeout and no periodic tick, and is
// woken by events from outside the guest. The channel is whichever the host offers:
// - wasio-run --waker: the host wake channel (WASIO_WAKER_FD); `kill -USR1 <wasio-run pid>` wakes it;
// - otherwise the first pre-opened listener as a control listener: any TCP client that writes a
//   byte wakes it (`printf w | nc 127.0.0.1 PORT`); natively: WASIO_TCPLISTEN=127.0.0.1:PORT.
// Each wake is printed; the program exits 0 after --wakes N of them (default 3), or at once on a
// shutdown request (SIGTERM / SIGINT through the host's control stream, docs/shutdown.md).
//
//   wasio-run --waker build/bin/wakeup.wasm --wakes 2 &   # then kill -USR1 twice
//   wasio-run --tcplisten 127.0.0.1:7000 build/bin/wakeup.wasm

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "wasio/io/control_stream.hpp"
#include "wasio/io/poll.hpp"
#include "wasio/io/wake/wake_channel.hpp"
#include "wasio/sys/listeners.hpp"

namespace {

int fail(const char* what, wasio::errc e) {
  std::fprintf(stderr, "wakeup: %s: %s\n", what, std::string(wasio::message(e)).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  long wanted = 3;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string_view(argv[i]) == "--wakes") wanted = std::strtol(argv[i + 1], nullptr, 10);

  wasio::poll poll;
  wasio::events events;
  // The default (docs/wakeup.md), one call: the host wake channel when the host gives one
  // (WASIO_WAKER_FD), else the first pre-opened listener as a control listener.
  auto listeners = wasio::sys::find_listeners();  // skips the WASIO_WAKER_FD stream
  if (!listeners) return fail("finding the listeners", listeners.error());
  std::optional<wasio::sys::fd_t> control;
  if (!listeners->empty()) control = listeners->front();
  auto opened = wasio::wake::open_default_channel(poll.registry(), control);
  if (!opened) return fail("opening the wake channel", opened.error());
  std::optional<wasio::wake::wake_channel> channel = std::move(*opened);
  if (!channel) {
    std::fprintf(stderr, "wakeup: no wake channel: run with wasio-run --waker, or pre-open a listener\n");
    return 2;
  }
  std::printf("wakeup: waiting on the %s (fd %u)\n",
              channel->is_listener() ? "control listener" : "host wake channel", static_cast<unsigned>(channel->fd()));
  std::fflush(stdout);

  auto shutdown_control = wasio::control_stream::from_environment();
  if (!shutdown_control) return fail("looking for the control stream", shutdown_control.error());
  if (*shutdown_control) {
    if (auto r = (*shutdown_control)->subscribe(true, false); !r) return fail("subscribing to shutdown", r.error());
    if (auto r = poll.registry().register_source(**shutdown_control, wasio::interest::readable); !r)
      return fail("watching the control stream", r.error());
  }

  long woken = 0;
  while (woken < wanted) {
    if (auto r = poll.wait(events, std::nullopt); !r) return fail("wait", r.error());  // no timeout: no CPU
    for (const wasio::event& ev : events) {
      if (*shutdown_control && (*shutdown_control)->is_registered() && ev.token() == (*shutdown_control)->registration()) {
        auto got = (*shutdown_control)->drain();
        if (got && got->shutdown == 0 && !got->ended) continue;
        std::printf("wakeup: shutdown requested after %ld wake%s\n", woken, woken == 1 ? "" : "s");
        channel->unwatch();
        return 0;
      }
      if (!channel->owns(ev.token())) continue;
      auto n = channel->drain();
      if (!n) return fail("the wake channel ended", n.error());
      if (*n == 0) continue;  // a waker connected, or a spurious event: readiness is a hint
      ++woken;
      std::printf("wakeup: woken (%ld of %ld, %zu wake byte%s)\n", woken, wanted, *n, *n == 1 ? "" : "s");
      std::fflush(stdout);
    }
  }
  channel->unwatch();
  return 0;
}
