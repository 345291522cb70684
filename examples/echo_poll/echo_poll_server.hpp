#pragma once
// echo_poll::server: an echo server written on the raw readiness API (poll, registry, events,
// tcp_listener, tcp_stream), edge-triggered throughout.
//
// Every source is registered once, edge-triggered, for what it can ever need (listeners: readable;
// streams: readable and writable), and never reregistered: a direction is reported once and comes
// back only after the socket said would_block for it. Echoed bytes that do not fit the socket wait
// in the connection and stop its reading (backpressure) until a writable event drains them.
// Bounded fairness: one connection gets at most `reads_per_turn` reads per poll, one listener
// `accepts_per_turn` accepts; whatever still has work is served again after a non-blocking poll.
// Shutdown (docs/shutdown.md): run_until_shutdown watches the host's control stream.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "wasio/io/control_stream.hpp"
#include "wasio/io/poll.hpp"
#include "wasio/net/tcp_listener.hpp"
#include "wasio/net/tcp_stream.hpp"

namespace echo_poll {

struct counters {
  std::uint64_t polls = 0;
  std::uint64_t accepted = 0;
  std::uint64_t closed = 0;
  std::uint64_t bytes_echoed = 0;
};

class server {
 public:
  static constexpr std::size_t reads_per_turn = 16;
  static constexpr std::size_t accepts_per_turn = 64;

  explicit server(std::vector<wasio::net::tcp_listener> listeners);
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  wasio::registry& registry() { return poll_.registry(); }
  const counters& stats() const { return stats_; }
  std::size_t open_connections() const { return open_connections_; }

  /// Serves until `stop` (a waker registered with registry()) is woken; with no stop token, until
  /// poll fails. Errors: registering a listener, or a poll failure.
  wasio::result<void> run(std::optional<wasio::token> stop = std::nullopt);
  /// Serves until the host's control stream (registered with registry()) brings a shutdown request
  /// or ends, then shuts down: closes the listeners, writes back what each connection already read
  /// (waiting for writable sockets up to `drain_timeout`), shuts down its sending side and closes it.
  /// Errors: as run; timedout when some connection still had bytes to write back at the deadline.
  wasio::result<void> run_until_shutdown(wasio::control_stream& control, std::chrono::milliseconds drain_timeout);

 private:
  struct connection {
    explicit connection(wasio::net::tcp_stream s) : stream(std::move(s)) {}
    wasio::net::tcp_stream stream;
    std::vector<std::byte> pending;  // echoed bytes the socket has not taken yet
    std::size_t pending_from = 0;
    bool peer_done = false;          // read returned 0: close once pending is flushed
  };
  struct entry {
    wasio::token tok;
    int listener = -1;                   // index into listeners_, or -1 for a connection
    std::unique_ptr<connection> conn;
  };

  void dispatch(wasio::token tok);
  void serve_listener(std::size_t index);
  void serve_connection(entry& e);
  /// True when everything pending was written; false when the socket is full or failed (closed).
  bool flush(entry& e);
  void close(entry& e);
  /// The drain of run_until_shutdown: true when every connection wrote back everything.
  wasio::result<bool> drain(std::chrono::milliseconds timeout);
  entry& slot_for(wasio::token tok);

  wasio::poll poll_;
  wasio::events events_{1024};
  std::vector<wasio::net::tcp_listener> listeners_;
  std::vector<entry> entries_;          // indexed by token index
  std::vector<wasio::token> unfinished_; // out of budget this turn: served after a zero-timeout poll
  std::vector<wasio::token> unfinished_next_;
  bool accept_failed_ = false;          // mfile and friends: retry listeners after a short wait
  std::size_t open_connections_ = 0;
  counters stats_;
  std::vector<std::byte> buffer_;
};

}  // namespace echo_poll
