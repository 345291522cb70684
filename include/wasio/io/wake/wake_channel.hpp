#pragma once
/// wasio::wake::wake_channel: wakes a loop blocked in poll_oneoff from OUTSIDE the guest.
///
/// Preview1 has no pipe(), and a wasm32 guest without threads cannot call waker::wake() while it is
/// blocked, so the only things that can end such a wait are fds the poll subscribes to. A wake
/// channel is such an fd, made readable by whoever wants the loop to wake:
/// - from_stream(fd): a connected stream; every byte on it is a wake. wasio-run --waker pre-opens one
///   end of a socket pair for this and announces it as WASIO_WAKER_FD (see host_channel_fd()); the
///   embedder wakes the guest with SIGUSR1 or wasio::run::host_wake_channel::wake().
/// - from_listener(fd): a control listener (a second pre-opened listener, any host that can pre-open
///   listeners): a waker connects and writes a byte per wake; the channel accepts waker
///   connections as they come and keeps watching them.
/// Wakes coalesce like waker's: bytes that arrive before a drain give one event (or a few).
///
/// Errors (watch): those of registry::register_source.
/// Errors (drain): pipe when a stream channel's far end closed (it is deregistered: no more wakes
///   can come); whatever else the host returns for the channel's own fd other than again. For a
///   control listener, only an accept error that says the listener itself is unusable (badf, notsock,
///   inval, notsup...) is reported. A waker connection that ends or fails is closed and forgotten,
///   never an error, and so is what wakers can cause: running out of fds or memory while accepting
///   (mfile, nfile, nomem, nobufs) and a waker that gave up first (connaborted) end the accepting for
///   this drain only. A hostile or crashed waker cannot take the loop down.
/// Notes: the registry must outlive the channel's registration (unwatch() or destroy the channel
///   first). A stream channel owns its fd and closes it; a control listener is not closed (it is the
///   host's pre-opened listener), its accepted waker connections are. The channel is level-triggered:
///   drain() on every event, or the next poll returns at once. One drain reads at most 16 KiB per
///   stream and accepts at most max_waker_connections wakers, so a waker that never stops writing or
///   connecting cannot hold the loop; the rest fires next poll.
///   A control listener keeps at most max_waker_connections waker connections open (they share the
///   guest's fd budget): one more closes the one that has been quiet the longest, so idle
///   connections cannot lock wakers out. A waker whose connection was closed (its send fails with
///   pipe or connreset) reconnects. If accepting fails for want of fds while the channel holds waker
///   connections, the quietest is closed to make room for the newcomer; when the guest's fds are all
///   used by something else, the listener stays ready and polls return at once until fds free up, as
///   for every listener of the guest (preview1 gives no spare fd to accept-and-drop with).
///
/// Example (compiled in examples/wakeup/main.cpp):
///   auto listeners = wasio::sys::find_listeners().value();  // never the WASIO_WAKER_FD stream
///   std::optional<wasio::sys::fd_t> control;
///   if (!listeners.empty()) control = listeners.front();
///   auto channel = wasio::wake::open_default_channel(poll.registry(), control).value();
///   poll.wait(events, std::nullopt);                      // no timeout: blocks until an event
///   for (const wasio::event& ev : events)
///     if (channel && channel->owns(ev.token())) channel->drain().value();  // woken from outside

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "wasio/io/registry.hpp"
#include "wasio/io/source.hpp"
#include "wasio/io/token.hpp"
#include "wasio/result.hpp"
#include "wasio/sys/listeners.hpp"
#include "wasio/sys/sys.hpp"

namespace wasio::wake {

/// The environment variable wasio-run --waker sets to the guest fd of its wake channel.
inline constexpr const char* waker_fd_variable = sys::waker_fd_variable;

/// The fd in WASIO_WAKER_FD, nullopt when it is not set.
/// Errors: inval (not a decimal fd number); those of environ_sizes_get / environ_get.
result<std::optional<sys::fd_t>> host_channel_fd();

/// How many waker connections a control listener keeps open at once.
inline constexpr std::size_t max_waker_connections = 64;

class wake_channel;

/// The default way to wake a loop from outside, the one docs/wakeup.md's measurements chose, in one
/// call; the channel is watched by `r`:
/// - the host wake channel, when the host gave one (WASIO_WAKER_FD, set by wasio-run --waker);
/// - else a control listener on `control_listener`, when the application passes one (the fd of a
///   listener the host pre-opened for waking, e.g. wasmtime --tcplisten or wazero -listen on a
///   loopback address);
/// - else nullopt: no fd can wake this loop from outside. A natively linked guest needs none
///   (waker's default, interrupt_wake, already ends a poll from another thread); a wasm32 guest
///   runs under wasio-run --waker, or pre-opens a control listener and passes its fd.
/// Errors: those of host_channel_fd() (inval for a malformed WASIO_WAKER_FD) and of watch().
result<std::optional<wake_channel>> open_default_channel(registry& r,
                                                         std::optional<sys::fd_t> control_listener = std::nullopt);

class wake_channel {
 public:
  /// A connected stream whose every byte is a wake; the channel owns `fd`.
  static wake_channel from_stream(sys::fd_t fd);
  /// A control listener whose accepted connections' bytes are wakes; `fd` stays open.
  static wake_channel from_listener(sys::fd_t fd);

  wake_channel(wake_channel&& other) noexcept;
  wake_channel& operator=(wake_channel&&) noexcept;
  ~wake_channel();

  /// Registers the channel (and later waker connections) readable, level-triggered, with `r`.
  result<void> watch(registry& r);
  /// Deregisters everything; drain() still works (timed polling checks a channel it never watches).
  void unwatch();
  /// True when `tok` is the registration of the channel or of one of its waker connections.
  bool owns(wasio::token tok) const;
  /// Consumes every pending wake without blocking; returns the wake bytes read (0 for an event that
  /// only brought a new waker connection, or a spurious one: readiness is a hint).
  result<std::size_t> drain();

  sys::fd_t fd() const { return main_.raw_fd(); }
  bool is_listener() const { return listener_; }
  /// Waker connections a control listener holds open now (at most max_waker_connections).
  std::size_t waker_connections() const { return connections_.size(); }

 private:
  struct waker_connection {
    source stream;
    std::uint64_t last_heard = 0;  // the drain that accepted it or last read a wake from it
  };

  wake_channel(sys::fd_t fd, bool listener) : main_(fd), listener_(listener) {}
  /// Reads `s` until again; `ended` tells the stream is over (EOF or an error).
  result<std::size_t> drain_stream(source& s, bool& ended);
  /// Accepts the wakers waiting on the control listener (bounded); errors are the listener's own.
  result<void> accept_wakers();
  /// Keeps an accepted waker, closing the quietest one first when the channel is full.
  void keep_connection(sys::fd_t fd);
  void close_connection(std::size_t index);
  /// Closes the connection quiet the longest, after reading the wakes it already holds (counted by
  /// the drain in progress: a waker whose byte arrived is woken, even if its connection makes room).
  void close_quietest_connection();
  void release();

  source main_;
  bool listener_ = false;
  bool closed_ = false;                // a stream channel whose far end is gone
  registry* watched_ = nullptr;
  std::uint64_t drains_ = 0;
  std::size_t rescued_ = 0;            // wake bytes read from connections closed to make room
  std::vector<waker_connection> connections_;  // accepted waker connections (control listener)
};

}  // namespace wasio::wake
