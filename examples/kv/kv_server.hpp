#pragma once
/// kv::kv_server: serves the key-value protocol on pre-opened listeners with one wasio::poll.
///
/// Each connection is a kv::session plus its socket, registered level-triggered for what it needs
/// now: readable while its session wants input, writable while replies wait. A read is answered
/// with every complete request it finished (pipelining), and all replies go out in one write.
/// Expiry: a lookup drops an expired key (lazy), and the poll's timeout is the key space's next
/// expiry, after which up to `expire_budget` due keys are reclaimed per tick (active), so memory of
/// keys nobody reads again is freed without scanning.
///
/// Errors (run): registering a listener, or a poll failure other than a transient one.
/// Notes: bounded work per tick: `reads_per_turn` reads per connection, `accepts_per_turn` accepts
/// per listener; readiness is a hint and every would_block simply waits for the next event.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "command_engine.hpp"
#include "kv_store.hpp"
#include "server_stats.hpp"
#include "session.hpp"
#include "wasio/io/poll.hpp"
#include "wasio/net/tcp_listener.hpp"
#include "wasio/net/tcp_stream.hpp"

namespace kv {

class kv_server {
 public:
  static constexpr std::size_t reads_per_turn = 8;
  static constexpr std::size_t accepts_per_turn = 64;
  static constexpr std::size_t expire_budget = 1000;

  kv_server(std::vector<wasio::net::tcp_listener> listeners, request_limits limits);
  kv_server(const kv_server&) = delete;
  kv_server& operator=(const kv_server&) = delete;

  wasio::result<void> run();

 private:
  struct connection {
    connection(wasio::net::tcp_stream s, command_engine& engine, server_stats& stats, request_limits limits)
        : stream(std::move(s)), state(engine, stats, limits) {}
    wasio::net::tcp_stream stream;
    session state;
    bool reading = true;   // registered readable
    bool writing = false;  // registered writable
  };
  struct entry {
    int listener = -1;  // index into listeners_, or -1 for a connection
    std::unique_ptr<connection> conn;
  };

  void serve_listener(std::size_t index);
  void serve_connection(std::uint32_t slot, bool hangup);
  /// Writes pending replies and re-runs buffered requests while output drains. False: closed.
  bool flush(std::uint32_t slot);
  /// Registers what the connection needs now. False: closed.
  bool update_interest(std::uint32_t slot);
  void close(std::uint32_t slot);
  std::int64_t now_ms() const;

  wasio::poll poll_;
  wasio::events events_{1024};
  std::vector<wasio::net::tcp_listener> listeners_;
  std::vector<entry> entries_;  // by token index
  request_limits limits_;
  kv_store store_;
  server_stats stats_;
  command_engine engine_;
  std::int64_t now_ = 0;  // this tick's clock reading
};

}  // namespace kv
