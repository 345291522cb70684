// The echo server's tasks: an accept loop per listener and a handler per connection.

#include "echo_server.hpp"

#include <array>
#include <span>
#include <utility>

#include "wasio/rt/accept_loop.hpp"
#include "wasio/rt/time.hpp"
#include "wasio/rt/with_stop.hpp"

namespace echo {

namespace {

// The echo itself, over a plain or a TLS stream. True when the peer finished sending (and got
// everything back) or a shutdown stopped the reading; false when the stream failed.
template <class Stream>
wasio::task<bool> echo_until_end(Stream& stream, wasio::rt::stop_token shutdown) {
  std::array<std::byte, read_buffer_size> buffer;
  for (;;) {
    // Only the read waits for the shutdown: bytes already read are written back in full.
    // (Two statements rather than ?: around co_await, which GCC 12 gets wrong.)
    wasio::result<std::size_t> n = wasio::fail(wasio::errc::canceled);
    if (shutdown.stop_possible()) n = co_await wasio::rt::with_stop(shutdown, stream.read(buffer));
    else n = co_await stream.read(buffer);
    if (!n && n.error() == wasio::errc::canceled && shutdown.stop_requested()) break;  // shutting down
    if (!n) co_return false;  // reset or failed: the stream closes when the frame goes
    if (*n == 0) break;       // the peer finished sending and got everything back
    auto written = co_await stream.write_all(std::span(buffer).first(*n));
    if (!written) co_return false;
  }
  co_return true;
}

}  // namespace

wasio::task<void> serve_connection(wasio::rt::tcp_stream stream, wasio::rt::stop_token shutdown) {
  const bool finished = co_await echo_until_end(stream, shutdown);
  if (finished) (void)stream.shutdown(wasio::net::shutdown_how::write);
}

#if WASIO_HAVE_GUEST_TLS
wasio::task<void> serve_tls_connection(wasio::rt::tcp_stream tcp, wasio::tls::server_config& tls,
                                       wasio::rt::stop_token shutdown) {
  auto stream = wasio::tls::stream::accept(std::move(tcp), tls);
  if (!stream) co_return;
  auto hello = co_await stream->handshake_within(handshake_timeout);
  if (!hello) co_return;  // counted in tls.stats()
  const bool finished = co_await echo_until_end(*stream, shutdown);
  if (!finished) co_return;
  auto ended = co_await wasio::rt::with_timeout(handshake_timeout, stream->shutdown());  // close_notify, FIN
  (void)ended;
}
#endif

wasio::task<void> accept_loop(wasio::rt::runtime& rt, wasio::rt::tcp_listener& listener, wasio::rt::error_log& log) {
  return wasio::rt::accept_loop(
      listener, [&rt](wasio::rt::tcp_stream stream) { rt.spawn(serve_connection(std::move(stream))); }, log);
}

wasio::task<wasio::result<void>> serve(wasio::rt::runtime& rt, wasio::rt::service& svc,
                                       std::vector<wasio::rt::tcp_listener>& listeners, wasio::rt::error_log& log,
                                       [[maybe_unused]] wasio::tls::server_config* tls) {
  const wasio::rt::stop_token shutdown = svc.shutdown_token();
#if WASIO_HAVE_GUEST_TLS
  if (tls != nullptr) {
    wasio::tls::server_config* config = tls;
    co_return co_await wasio::rt::serve_until_shutdown(
        rt, svc, listeners,
        [shutdown, config](wasio::rt::tcp_stream s) { return serve_tls_connection(std::move(s), *config, shutdown); },
        [&log](wasio::errc code) { log.report("accept failed", code); });
  }
#endif
  co_return co_await wasio::rt::serve_until_shutdown(
      rt, svc, listeners, [shutdown](wasio::rt::tcp_stream s) { return serve_connection(std::move(s), shutdown); },
      [&log](wasio::errc code) { log.report("accept failed", code); });
}

}  // namespace echo
