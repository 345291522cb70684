#pragma once
/// http_server: the HTTP example's I/O on the coroutine runtime. One accept loop per listener, one
/// task per connection driving an http_connection, and one task keeping the Date header current.
///
/// Per connection: read what is there, feed it, write every response it produced in one write (so
/// a pipelined burst is answered in few writes), repeat. Every phase in which the client makes the
/// server wait has one total deadline, set when the phase begins and never renewed by bytes
/// trickling in (server_config):
/// - idle_timeout: from the end of a response (or the accept) to the first byte of the next
///   request; past it the connection closes without a word;
/// - head_timeout: from that first byte (CR/LF before a request line count) to the end of the head:
///   408 and a close (slowloris);
/// - body_timeout: from the end of the head to the end of the message (body, trailers; for a
///   streamed /echo also the writes in between): 408 and a close, or a cut response;
/// - send_timeout: for each batch of output (up to output_high_water plus one response) the peer
///   must take it all within it; past it the connection closes (it stopped reading).
/// Memory: reads between requests use a small buffer in the task's frame; a read buffer of
/// read_buffer_bytes exists only while a request is under way, and the connection gives back what
/// a request grew when it goes idle (http_connection::release_idle_buffers).
/// Connection limit: a client beyond max_connections is accepted, answered 503 with
/// `Connection: close`, and closed; it is never left waiting in the backlog. Connections and refusals
/// are counted when accepted, before their task runs, so neither limit is overshot by a burst; at
/// most max_refusing refusals are in progress, past that a client over the limit is just closed.
/// Closing after an error response: the server shuts its sending side down and reads (discarding)
/// for up to a second, so a client still sending its request sees the response rather than a reset.
///
/// Errors: accept errors follow rt::accept_loop's policy (running out of descriptors pauses accepting
/// for 50 ms), reported through a rate-limited rt::error_log; read and write failures end only their
/// connection and count as errors.io.
/// Notes: single-threaded like the runtime; the server must outlive runtime::run.

#include <cstddef>
#include <memory>
#include <cstdint>
#include <vector>

#include "http_connection.hpp"
#include "http_date.hpp"
#include "server_config.hpp"
#include "server_stats.hpp"
#include "wasio/rt/error_log.hpp"
#include "wasio/rt/clock.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/service.hpp"
#include "wasio/rt/task_group.hpp"
#include "wasio/rt/tcp_listener.hpp"
#include "wasio/rt/tcp_stream.hpp"
#include "wasio/rt/task.hpp"
#if WASIO_HAVE_GUEST_TLS
#include "wasio/tls/stream.hpp"
#endif

namespace http {

class http_server {
 public:
  static constexpr std::size_t file_chunk_size = 64u << 10;

  http_server(wasio::rt::runtime& rt, server_config config);
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Spawns an accept loop for each listener (which must outlive the runtime's run) and the Date task.
  void start(std::vector<wasio::rt::tcp_listener>& listeners);
  /// Serves `listeners` until `svc` says shutdown, then drains (docs/shutdown.md): the accept loops
  /// end and the listeners close; every request already read is answered, the last one with
  /// `Connection: close`; idle keep-alive connections close; what is still running after
  /// svc.drain_timeout() is stopped. Errors: timedout (connections had to be stopped).
  wasio::task<wasio::result<void>> run(std::vector<wasio::rt::tcp_listener>& listeners, wasio::rt::service& svc);

  /// Serves `files`' mounts (GET and HEAD) from now on; `files` must outlive the server.
  void serve_static(static_files& files) { context_.statics = &files; }
#if WASIO_HAVE_GUEST_TLS
  /// Does TLS itself on every connection from now on (in-guest TLS, docs/tls.md): a handshake
  /// within head_timeout, then the same conversation over the TLS stream. `tls` must outlive the
  /// server. Its counters go to stderr once a second while they change, and at the end of run().
  void serve_tls(wasio::tls::server_config& tls) { tls_ = &tls; }
#endif

  const server_config& config() const { return config_; }
  const server_stats& stats() const { return stats_; }

 private:
  /// One unit of a gauge (open connections, refusals in progress), held from the accept to the end of
  /// the task it is moved into, or to the destruction of that task's frame if it never runs.
  class slot {
   public:
    slot(std::uint64_t& gauge, std::uint64_t& peak) : gauge_(&gauge) {
      if (++gauge > peak) peak = gauge;
    }
    slot(slot&& other) noexcept : gauge_(other.gauge_) { other.gauge_ = nullptr; }
    slot(const slot&) = delete;
    slot& operator=(const slot&) = delete;
    ~slot() {
      if (gauge_) --*gauge_;
    }

   private:
    std::uint64_t* gauge_;
  };

  wasio::task<void> accept_loop(wasio::rt::tcp_listener& listener, wasio::rt::stop_token shutdown = {});
  /// Spawns a connection's task into the drain's group while run() serves, else onto the runtime.
  void spawn_connection(wasio::task<void> t);
  wasio::task<void> serve(wasio::rt::tcp_stream stream, slot counted);
  /// One client's conversation, over a plain or a TLS stream (the same code for both).
  template <class Stream>
  wasio::task<void> converse(Stream& stream);
#if WASIO_HAVE_GUEST_TLS
  /// The handshake, then converse() over TLS, then close_notify.
  wasio::task<void> serve_tls(wasio::rt::tcp_stream stream);
  void report_tls(bool final);
#endif
  wasio::task<void> refuse(wasio::rt::tcp_stream stream, slot counted);
  wasio::task<void> keep_date_current();
  /// The deadline a connection gets when it enters `phase`.
  wasio::rt::clock::duration timeout_for(connection_phase phase) const;
  /// Streams a static file body in file_chunk_size pieces; false when the peer failed, stopped
  /// taking a chunk within send_timeout, or the file ended early (the connection must close).
  template <class Stream>
  wasio::task<bool> send_file(Stream& stream, file_body& body);
  /// Writes all of `output` and clears it; false when the peer failed or stopped taking it.
  template <class Stream>
  wasio::task<bool> write_out(Stream& stream, std::string& output);
  /// Shuts down sending, then reads and discards until the peer closes or a short grace ends.
  template <class Stream>
  wasio::task<void> linger(Stream& stream);
  void update_date();

  wasio::rt::runtime& rt_;
  server_config config_;
  server_stats stats_;
  http_date date_;
  server_context context_{config_, stats_, date_};
  std::uint64_t refusing_ = 0;  // 503 refusals in progress, counted at accept
  wasio::rt::error_log log_{"http"};
  wasio::rt::service* service_ = nullptr;        // while run() serves
  wasio::rt::task_group* connections_ = nullptr;  // while run() serves
#if WASIO_HAVE_GUEST_TLS
  wasio::tls::server_config* tls_ = nullptr;      // in-guest TLS on every connection when set
  std::string tls_reported_;                      // the counters last printed
#endif
};

}  // namespace http
