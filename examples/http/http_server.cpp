#include "http_server.hpp"

#include "wasio/rt/buffer.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>

#include "wasio/rt/accept_loop.hpp"
#include "wasio/rt/clock.hpp"
#include "wasio/rt/time.hpp"
#include "wasio/sys/sys.hpp"

namespace http {
namespace {

using namespace std::chrono_literals;
using wasio::errc;
namespace rt = wasio::rt;

// Lingering after an error response: long enough for a request in flight to arrive, short enough
// that a client that never closes costs little.
constexpr rt::clock::duration linger_time = 1s;
constexpr std::size_t linger_max_bytes = 4u << 20;
// Refusals (503) in progress at once; past this a client over the limit is closed without a word.
constexpr std::size_t max_refusing = 64;
// How long an idle connection keeps its big read buffer before giving it back.
constexpr rt::clock::duration big_buffer_grace = 1s;
// After running out of descriptors, accepting pauses this long so closing connections can free some.
constexpr std::chrono::milliseconds descriptor_pause = 50ms;

}  // namespace

http_server::http_server(rt::runtime& rt, server_config config) : rt_(rt), config_(config) { update_date(); }

void http_server::start(std::vector<rt::tcp_listener>& listeners) {
  for (rt::tcp_listener& listener : listeners) rt_.spawn(accept_loop(listener));
  rt_.spawn(keep_date_current());
}

void http_server::update_date() {
  // Without a wall clock the Date stays at its last value: wrong by seconds, never missing.
  if (auto now = wasio::sys::clock_time_get(wasio::abi::clockid::realtime, 1'000'000'000); now)
    date_.update(static_cast<std::int64_t>(*now / 1'000'000'000));
}

wasio::task<void> http_server::keep_date_current() {
  for (;;) {
    update_date();
#if WASIO_HAVE_GUEST_TLS
    report_tls(false);
#endif
    // Wake just after the next wall-clock second so the header changes when the second does.
    auto now = wasio::sys::clock_time_get(wasio::abi::clockid::realtime, 1'000'000);
    const std::uint64_t into_second = now ? *now % 1'000'000'000 : 0;
    const auto wait = std::chrono::nanoseconds(1'000'000'000 - into_second) + 1ms;
    if (!co_await rt::sleep_for(wait)) co_return;  // canceled: the runtime is stopping
  }
}

wasio::task<wasio::result<void>> http_server::run(std::vector<rt::tcp_listener>& listeners, rt::service& svc) {
  service_ = &svc;
  rt_.spawn(keep_date_current());
  rt::task_group connections(rt_);
  connections_ = &connections;
  {
    rt::task_group acceptors(rt_);
    for (rt::tcp_listener& listener : listeners) acceptors.spawn(accept_loop(listener, svc.shutdown_token()));
    co_await acceptors.join();  // shutdown requested, or every listener failed for good
  }
  for (rt::tcp_listener& listener : listeners)
    if (listener.is_open()) (void)listener.close();  // new clients are refused from here
  auto drained = co_await connections.join_within(svc.drain_timeout());
  connections_ = nullptr;
#if WASIO_HAVE_GUEST_TLS
  report_tls(true);
#endif
  co_return drained;
}

void http_server::spawn_connection(wasio::task<void> t) {
  if (connections_ != nullptr) connections_->spawn(std::move(t));
  else rt_.spawn(std::move(t));
}

wasio::task<void> http_server::accept_loop(rt::tcp_listener& listener, rt::stop_token shutdown) {
  // Counting happens here, at accept, before any handler is scheduled: a burst accepted in one
  // turn cannot overshoot max_connections (or max_refusing) while the handlers wait to run.
  return rt::accept_loop(
      listener,
      [this](rt::tcp_stream stream) {
        if (stats_.connections_open >= config_.max_connections) {
          stats_.count(error_kind::over_capacity);
          if (refusing_ >= max_refusing) {
            ++stats_.refused_silently;
            return;  // the stream is destroyed here: closed without a word
          }
          spawn_connection(refuse(std::move(stream), slot(refusing_, stats_.refusing_peak)));
          return;
        }
        ++stats_.connections_total;
        spawn_connection(serve(std::move(stream), slot(stats_.connections_open, stats_.connections_peak)));
      },
      log_, shutdown, descriptor_pause);
}

namespace {
// Ends the sending side: a FIN; over TLS a close_notify first. False when the peer is gone.
wasio::task<bool> end_sending(rt::tcp_stream& stream) {
  co_return static_cast<bool>(stream.shutdown(wasio::net::shutdown_how::write));
}
#if WASIO_HAVE_GUEST_TLS
wasio::task<bool> end_sending(wasio::tls::stream& stream) {
  auto done = co_await rt::with_timeout(linger_time, stream.shutdown());
  co_return static_cast<bool>(done);
}
#endif
}  // namespace

template <class Stream>
wasio::task<bool> http_server::write_out(Stream& stream, std::string& output) {
  // Usually the socket takes it all at once: try that without arming a timer.
  auto first = stream.try_write(wasio::as_bytes(output));
  if (!first && first.error() != errc::again) {
    output.clear();
    co_return false;
  }
  const std::size_t sent = first ? *first : 0;
  bool ok = true;
  if (sent < output.size()) {
    // One deadline for all of it: a peer taking a byte now and then does not renew it.
    auto rest = co_await rt::with_timeout(config_.send_timeout,
                                          stream.write_all(wasio::as_bytes(std::string_view(output).substr(sent))));
    ok = static_cast<bool>(rest);
  }
  output.clear();
  co_return ok;
}

template <class Stream>
wasio::task<bool> http_server::send_file(Stream& stream, file_body& body) {
  // One chunk per connection while it streams: a slow reader holds this much, whatever the file's
  // size, and waits in write_all (its TCP window is the backpressure).
  const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(file_chunk_size, body.remaining));
  auto buffer = std::make_unique_for_overwrite<char[]>(chunk);
  while (body.remaining > 0) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, body.remaining));
    auto got = body.file->pread(std::span(buffer.get(), want), body.offset);
    if (!got || *got == 0) {
      // The head promised more bytes than the file now has (it shrank, or a read failed): as nginx
      // does, end the connection; the client sees a short body.
      ++stats_.statics.truncated;
      if (got) log_.report("static file shrank while it was sent, connection closed", "short body");
      else log_.report("static file read failed", got.error());
      co_return false;
    }
    // Each chunk is a batch of output like any other: the peer must take it within send_timeout.
    auto sent = co_await rt::with_timeout(
        config_.send_timeout, stream.write_all(std::as_bytes(std::span(buffer.get(), *got))));
    stats_.statics.bytes_sent += sent.transferred();
    if (!sent) co_return false;
    body.offset += *got;
    body.remaining -= *got;
  }
  co_return true;
}

template <class Stream>
wasio::task<void> http_server::linger(Stream& stream) {
  // A peer that already reset makes shutdown fail; then there is nothing left to wait for.
  const bool ended = co_await end_sending(stream);
  if (!ended) co_return;
  std::array<std::byte, 4096> sink;
  const rt::clock::time_point until = rt::clock::now() + linger_time;
  std::size_t discarded = 0;
  while (discarded < linger_max_bytes) {
    const rt::clock::duration left = until - rt::clock::now();
    if (left <= rt::clock::duration::zero()) break;
    auto got = co_await rt::with_timeout(left, stream.read(sink));
    if (!got || *got == 0) break;
    discarded += *got;
  }
}

wasio::task<void> http_server::refuse(rt::tcp_stream stream, [[maybe_unused]] slot counted) {
  std::string output;
  append_response(output, response{status::service_unavailable, "text/plain", "Service Unavailable\n", {}},
                  date_.value(), framing{.close = true});
#if WASIO_HAVE_GUEST_TLS
  if (tls_ != nullptr) {
    // The refusal is said over TLS too (the client could not read it otherwise).
    auto secured = wasio::tls::stream::accept(std::move(stream), *tls_);
    if (!secured) co_return;
    auto hello = co_await secured->handshake_within(config_.head_timeout);
    if (!hello) co_return;
    const bool written = co_await write_out(*secured, output);
    if (written) co_await linger(*secured);
    co_return;
  }
#endif
  const bool written = co_await write_out(stream, output);
  if (written) co_await linger(stream);
}

rt::clock::duration http_server::timeout_for(connection_phase phase) const {
  switch (phase) {
    case connection_phase::head: return config_.head_timeout;
    case connection_phase::body: return config_.body_timeout;
    case connection_phase::idle:
    case connection_phase::closing: break;
  }
  return config_.idle_timeout;
}

wasio::task<void> http_server::serve(rt::tcp_stream stream, [[maybe_unused]] slot counted) {
#if WASIO_HAVE_GUEST_TLS
  if (tls_ != nullptr) {
    co_await serve_tls(std::move(stream));
    co_return;
  }
#endif
  co_await converse(stream);
}

#if WASIO_HAVE_GUEST_TLS
wasio::task<void> http_server::serve_tls(rt::tcp_stream tcp) {
  auto stream = wasio::tls::stream::accept(std::move(tcp), *tls_);
  if (!stream) {
    stats_.count(error_kind::io);
    co_return;
  }
  // A client stuck in its handshake gets what a slow request head gets: head_timeout.
  auto hello = co_await stream->handshake_within(config_.head_timeout);
  if (!hello) co_return;  // counted by the TLS layer (tls::counters), never an HTTP error
  co_await converse(*stream);
  // close_notify if linger has not sent one (the peer's close_notify was already answered by BearSSL).
  const bool ended = co_await end_sending(*stream);
  (void)ended;
}

void http_server::report_tls(bool final) {
  if (tls_ == nullptr) return;
  std::string line = wasio::tls::describe(tls_->stats());
  if (!final && line == tls_reported_) return;
  tls_reported_ = line;
  std::fprintf(stderr, "http: tls: %s\n", line.c_str());
}
#endif

template <class Stream>
wasio::task<void> http_server::converse(Stream& stream) {
  http_connection connection(context_);
  // Reads between requests go to a small buffer in this frame, so an idle keep-alive connection
  // holds no heap buffer; a request under way reads into read_buffer_bytes, given back when idle.
  std::array<char, idle_read_bytes> idle_input;
  std::unique_ptr<char[]> input;
  std::string_view unfed;  // input the connection declined for now (back-pressure); points into a buffer above
  std::uint64_t phase_changes = connection.phase_changes();
  // Every phase has one deadline, set when it begins (server_config): bytes trickling in do not renew it.
  rt::clock::time_point deadline = rt::deadline_after(config_.idle_timeout);
  bool healthy = true;       // no read or write failed
  bool stopped = false;      // the runtime canceled us: not the peer's fault
  bool peer_finished = false;
  bool silent_close = false;  // closed for idleness: nothing to say, nothing to wait for
  auto note_shutdown = [&] {
    if (service_ != nullptr && service_->shutdown_requested() && !connection.draining()) connection.drain();
  };

  for (;;) {
    const bool answered = !connection.output().empty();
    if (answered && !co_await write_out(stream, connection.output())) {
      healthy = false;
      break;
    }
    if (file_body* body = connection.pending_file()) {
      const bool sent = co_await send_file(stream, *body);
      connection.file_sent();
      if (!sent) {
        healthy = false;
        break;
      }
    }
    if (connection.phase() == connection_phase::closing) break;
    note_shutdown();
    if (connection.draining() && unfed.empty() && connection.phase() == connection_phase::idle) {
      silent_close = true;  // shutting down between requests: every request read was answered
      break;
    }
    if (!unfed.empty()) {
      note_shutdown();
      unfed.remove_prefix(connection.feed(unfed));
    } else {
      const bool idle = connection.phase() == connection_phase::idle;
      if (idle) connection.release_idle_buffers();
      // The loop's clock, not a read of our own: a deadline seen a turn late is still met below,
      // by with_deadline's timer (the loop checks timers against the real clock).
      const rt::clock::time_point now = rt_.loop_time();
      const rt::clock::duration wait = deadline - now;
      if (wait <= rt::clock::duration::zero()) {
        silent_close = idle;
        connection.on_timeout();
        continue;
      }
      // A client that just got its answer needs a moment to send the next request: letting the
      // other connections run first makes the read below find it rather than park.
      if (answered) co_await rt::yield();
      std::span<char> into(idle_input);
      // An idle connection that just used the big buffer keeps it for a short while (its next
      // request likely has a body too), then gives it back and waits with the small one.
      const bool keep_big = idle && input && wait > big_buffer_grace;
      if (!idle || keep_big) {
        if (!input) input = std::make_unique_for_overwrite<char[]>(read_buffer_bytes);
        into = std::span<char>(input.get(), read_buffer_bytes);
      }
      // Between requests a shutdown ends the wait; inside a request the read goes on (its deadline
      // bounds it), so a request that is arriving still gets its answer.
      const rt::clock::time_point read_until = keep_big ? rt::deadline_after(now, big_buffer_grace) : deadline;
      const rt::stop_token shutdown = idle && service_ != nullptr ? service_->shutdown_token() : rt::stop_token{};
      wasio::result<std::size_t> got = co_await rt::with_deadline(read_until, stream.read(std::as_writable_bytes(into)), shutdown);
      if (!got && got.error() == errc::canceled && service_ != nullptr && service_->shutdown_requested() &&
          connection.phase() == connection_phase::idle) {
        silent_close = true;
        break;
      }
      if (!got) {
        if (got.error() == errc::timedout && keep_big) {
          input.reset();  // quiet for big_buffer_grace: nothing was consumed, wait on with the small buffer
          continue;
        }
        if (got.error() == errc::timedout) {
          silent_close = connection.phase() == connection_phase::idle;
          connection.on_timeout();
          continue;
        }
        stopped = got.error() == errc::canceled;
        healthy = false;
        break;
      }
      if (*got == 0) {
        peer_finished = true;
        connection.on_peer_closed();
        continue;
      }
      const std::string_view received(into.data(), *got);
      note_shutdown();  // a request that completes now, after the signal, is answered with Connection: close
      unfed = received.substr(connection.feed(received));
    }
    if (connection.phase_changes() != phase_changes) {
      phase_changes = connection.phase_changes();
      deadline = rt::deadline_after(rt_.loop_time(), timeout_for(connection.phase()));
    }
  }
  if (!healthy && !stopped) stats_.count(error_kind::io);
  if (healthy && !peer_finished && !silent_close) co_await linger(stream);
}

}  // namespace http
