#pragma once
/// wasio::control_stream: the host's shutdown and reopen requests, at the readiness layer.
///
/// A preview1 guest has no signals. wasio-run (and the native front-end of a natively linked guest)
/// turns SIGTERM / SIGINT into a shutdown request and SIGHUP into a reopen request, written as one
/// byte each to a stream it pre-opens for the guest and names in WASIO_CONTROL_FD (docs/shutdown.md
/// has the protocol). The host only delivers what the guest subscribed to: subscribe() says "I drain
/// on shutdown" and/or "I reopen on SIGHUP"; until then SIGTERM ends the guest at once and SIGHUP is
/// ignored, as for a program that never installed a handler.
/// Most servers use rt::service (wasio/rt/service.hpp), built on this; this layer is for loops on
/// wasio::poll directly (examples/wakeup).
///
/// Errors (from_environment): inval (WASIO_CONTROL_FD is not a decimal fd number); those of
///   environ_sizes_get / environ_get. (subscribe): again (the host has not read earlier bytes: it never
///   happens with two bytes in a fresh socket buffer), pipe (the host end is gone), what fd_write gives.
///   (drain): what fd_read gives other than again; the end of the stream is `ended`, not an error.
/// Notes: register the stream readable (level) with the registry; drain() on each of its events.
///   It owns its fd and closes it (closing unsubscribes: the host then ends the guest at once on
///   SIGTERM again).
///
/// Example (compiled in examples/wakeup/main.cpp):
///   auto control = wasio::control_stream::from_environment().value();   // nullopt: no such host
///   if (control) { control->subscribe(true, false).value(); poll.registry().register_source(*control, wasio::interest::readable).value(); }
///   ... on its event: if (control->drain().value().shutdown > 0) stop();

#include <cstddef>
#include <optional>
#include <span>

#include "wasio/io/source.hpp"
#include "wasio/result.hpp"
#include "wasio/sys/sys.hpp"

namespace wasio {

/// Requests counted in some bytes of the control stream.
struct control_requests {
  std::size_t shutdown = 0;
  std::size_t reopen = 0;
  bool ended = false;  // the host end closed: no request can come any more
};

/// The requests `bytes` carry ('T' shutdown, 'H' reopen; anything else is ignored).
control_requests decode_control_bytes(std::span<const std::byte> bytes);

/// The subscription bytes: 'S' (drain on shutdown), 'R' (reopen on SIGHUP).
inline constexpr std::byte control_subscribe_shutdown{'S'};
inline constexpr std::byte control_subscribe_reopen{'R'};

class control_stream : public source {
 public:
  /// The stream WASIO_CONTROL_FD names, or nullopt when the host gives none (wasmtime, a test host).
  static result<std::optional<control_stream>> from_environment();
  explicit control_stream(sys::fd_t fd) : source(fd) {}
  control_stream(control_stream&& other) noexcept;
  control_stream& operator=(control_stream&& other) noexcept;
  ~control_stream();

  /// Tells the host what this guest listens for (either may be false; calling again adds).
  result<void> subscribe(bool shutdown, bool reopen);
  /// Gives up the fd without closing it (deregistered first); the stream is closed from then on.
  sys::fd_t release();
  /// Reads every byte waiting, without blocking.
  result<control_requests> drain();

 private:
  bool open_ = true;
};

}  // namespace wasio
