#pragma once
/// wasio::tls::stream: the server side of a TLS connection over an rt::tcp_stream, in the guest.
///
/// BearSSL's engine is driven by the runtime: each operation runs the engine until it can give
/// what was asked, sending the records it produced and reading the records it needs through the
/// tcp_stream's awaits (so nothing blocks, and readiness stays a hint). The engine context and its
/// two record buffers are one allocation made by accept(); no operation allocates beyond its
/// coroutine frame (from the frame allocator).
///
/// The calls mirror rt::tcp_stream's (same result / rt::transfer conventions, 0 at end of
/// stream), so a connection handler can be written once for both (examples/http, examples/echo).
///
/// Errors (every operation):
/// - canceled, timedout (through rt::with_timeout): the awaiting task was stopped. The engine stays
///   consistent: a read consumed nothing, write_all's transferred() counts the bytes the engine
///   took (they will be sent by the next operation that runs the engine, or by shutdown()).
/// - busy: another operation of this stream is under way (ONE at a time, unlike tcp_stream's one
///   reader and one writer: both directions share the engine).
/// - proto: the peer broke TLS (a bad record or MAC, a fatal alert, a record over the limit, a
///   renegotiation it insisted on); tls_error() has BearSSL's code. The stream is done from then on.
/// - connaborted: the peer closed or reset during the handshake.
/// - pipe: a write after shutdown() or after the stream ended.
/// - the socket's own errors: connreset, pipe, ... (as rt::tcp_stream).
/// End of stream (a read gives 0): the peer's close_notify, or its TCP close without one
/// (truncation; counted apart, counters::truncated). BearSSL answers a close_notify with its own at
/// once and then drops further output: TLS 1.2 has no half-close, unlike host-terminated TLS.
///
/// Example (compiled in examples/echo/echo_server.cpp):
///   auto tls = wasio::tls::stream::accept(std::move(tcp), config);
///   if (!co_await tls.handshake()) co_return;   // (named variable first under GCC 12)
///   auto n = co_await tls.read(buffer);          // decrypted bytes, 0 at the end
///   (void)co_await tls.write_all(std::span(buffer).first(*n));
///   (void)co_await tls.shutdown();               // close_notify, then the TCP FIN

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

#include "wasio/net/tcp_stream.hpp"
#include "wasio/result.hpp"
#include "wasio/rt/clock.hpp"
#include "wasio/rt/task.hpp"
#include "wasio/rt/tcp_stream.hpp"
#include "wasio/rt/transfer.hpp"
#include "wasio/tls/server_config.hpp"

namespace wasio::tls {

class stream {
 public:
  /// Takes over `tcp` and prepares a server engine for it: buffers allocated, entropy from
  /// sys::random_get injected. Nothing is sent before handshake(). Errors: io (random_get failed).
  static result<stream> accept(rt::tcp_stream tcp, server_config& config);

  stream(stream&&) noexcept;
  stream& operator=(stream&&) noexcept;
  /// Closes the socket without close_notify (call shutdown() first for a clean end).
  ~stream();

  /// Runs the handshake to its end. Errors: proto (tls_error() says why), connaborted, the socket's.
  task<result<void>> handshake();
  /// handshake() for at most `timeout`; a timeout is counted (counters::timeouts) and leaves the
  /// stream unusable. Errors: timedout, and as handshake().
  task<result<void>> handshake_within(rt::clock::duration timeout);
  /// Decrypted bytes (at least one), or 0 at end of stream (or for an empty span). Runs the
  /// handshake first if it has not been.
  task<result<std::size_t>> read(std::span<std::byte> into);
  task<result<std::size_t>> read(std::span<char> into) { return read(std::as_writable_bytes(into)); }
  /// Encrypts and sends all of `from`; on failure transferred() bytes were taken by the engine.
  task<rt::transfer> write_all(std::span<const std::byte> from);
  task<rt::transfer> write_all(std::string_view text) { return write_all(std::as_bytes(std::span(text))); }
  /// Never waits: encrypts what the engine takes now and sends what the socket takes now; records
  /// left unsent go out with the next operation. Errors: again (nothing taken), and as write_all.
  result<std::size_t> try_write(std::span<const std::byte> from);
  /// close_notify, sends every pending record, then shuts the TCP sending side. Reads may go on
  /// (they end at the peer's close_notify; BearSSL drops application data after ours).
  task<result<void>> shutdown();
  /// Closes now, without close_notify. Errors: badf (already closed).
  result<void> close();

  bool is_open() const;
  bool handshake_done() const;
  /// BearSSL's error code after a proto failure (BR_ERR_*; 0 while none), and its name.
  int tls_error() const;
  static std::string_view error_name(int tls_error);
  /// The ALPN name selected, empty when none.
  std::string_view alpn() const;
  /// The negotiated suite, e.g. "ECDHE-ECDSA-AES128-GCM-SHA256" (empty before the handshake).
  std::string_view cipher_suite() const;
  bool resumed() const;
  const net::tcp_stream& socket() const;

  struct state;  // detail: the engine and its buffers (guest/tls/stream.cpp)

 private:
  explicit stream(std::unique_ptr<state, void (*)(state*)> s);
  std::unique_ptr<state, void (*)(state*)> state_;
};

}  // namespace wasio::tls
