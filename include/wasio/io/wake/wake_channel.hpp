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
///   can come); whatever else the host returns for the channel's own fd other than again. A waker
///   connection of a control listener that ends or fails is closed and forgotten, never an error:
///   a hostile or crashed waker cannot take the loop down.
/// Notes: the registry must outlive the channel's registration (unwatch() or destroy the channel
///   first). A stream channel owns its fd and closes it; a control listener is not closed (it is the
///   host's pre-opened listener), its accepted waker connections are. The channel is level-triggered:
///   drain() on every event, or the next poll returns at once. One drain reads at most 16 KiB per
///   stream, so a waker that never stops writing cannot hold the loop; the rest fires next poll.
///
/// Example (compiled in examples/wakeup/main.cpp, which also falls back to a control listener):
///   auto channel = wasio::wake::open_default_channel(poll.registry()).value();  // WASIO_WAKER_FD
///   poll.wait(events, std::nullopt);                      // no timeout: blocks until an event
///   for (const wasio::event& ev : events)
///     if (channel && channel->owns(ev.token())) channel->drain().value();  // woken from outside

#include <cstddef>
#include <optional>
#include <vector>

#include "wasio/io/registry.hpp"
#include "wasio/io/source.hpp"
#include "wasio/io/token.hpp"
#include "wasio/result.hpp"
#include "wasio/sys/sys.hpp"

namespace wasio::wake {

/// The environment variable wasio-run --waker sets to the guest fd of its wake channel.
inline constexpr const char* waker_fd_variable = "WASIO_WAKER_FD";

/// The fd in WASIO_WAKER_FD, nullopt when it is not set.
/// Errors: inval (not a decimal fd number); those of environ_sizes_get / environ_get.
result<std::optional<sys::fd_t>> host_channel_fd();

class wake_channel;

/// The default way to wake a loop from outside, chosen from docs/wakeup.md's measurements: the host
/// wake channel (WASIO_WAKER_FD), watched by `r`, when the host gave one; nullopt otherwise (then
/// only waker's default, interrupt_wake, is left: the testbed's host wake natively, same-thread
/// wakes on wasm32). Errors: those of host_channel_fd() and watch().
result<std::optional<wake_channel>> open_default_channel(registry& r);

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
  /// Waker connections a control listener holds open now.
  std::size_t waker_connections() const { return connections_.size(); }

 private:
  wake_channel(sys::fd_t fd, bool listener) : main_(fd), listener_(listener) {}
  /// Reads `s` until again; `ended` tells the stream is over (EOF or an error).
  result<std::size_t> drain_stream(source& s, bool& ended);
  void close_connection(std::size_t index);
  void release();

  source main_;
  bool listener_ = false;
  bool closed_ = false;                // a stream channel whose far end is gone
  registry* watched_ = nullptr;
  std::vector<source> connections_;    // accepted waker connections (control listener)
};

}  // namespace wasio::wake
