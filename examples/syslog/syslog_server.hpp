#pragma once
/// syslog::syslog_server: receives syslog over TCP on pre-opened listeners and writes one JSON line
/// per message to stdout (fd 1).
///
/// Backpressure: JSON lines wait in one buffer; once it holds `flush_threshold` bytes, and at the
/// end of every tick, it is written to stdout completely before any more input is read. A slow
/// stdout therefore stalls reading, the sockets' buffers fill and the clients' sends block: no
/// accepted message is dropped. (A non-blocking stdout that says would_block is waited for with a
/// poll on fd 1, which holds everything else just the same.)
///
/// Shutdown: a wasm guest gets no signals, so the receiver stops by itself when told to:
/// - `max_messages`: once that many frames (messages plus malformed) have been taken in;
/// - `idle_exit`: once at least one connection was served and none has been open for that long.
/// Either way it finishes the open connections' buffered frames, flushes stdout and returns; the
/// caller prints the summary (format_summary) on stderr.
///
/// Errors (run): registering a listener, a poll failure, or stdout failing (e.g. pipe).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "frame_decoder.hpp"
#include "json_sink.hpp"
#include "wasio/io/poll.hpp"
#include "wasio/net/tcp_listener.hpp"
#include "wasio/net/tcp_stream.hpp"

namespace syslog {

struct server_options {
  std::optional<std::uint64_t> max_messages;
  std::optional<std::chrono::milliseconds> idle_exit;
  std::size_t max_message_length = frame_decoder::default_max_message_length;
};

class syslog_server {
 public:
  static constexpr std::size_t reads_per_turn = 8;
  static constexpr std::size_t accepts_per_turn = 64;
  static constexpr std::size_t flush_threshold = 64u << 10;

  syslog_server(std::vector<wasio::net::tcp_listener> listeners, server_options options);
  syslog_server(const syslog_server&) = delete;
  syslog_server& operator=(const syslog_server&) = delete;

  wasio::result<void> run();
  const receiver_stats& stats() const { return stats_; }

 private:
  struct connection {
    explicit connection(wasio::net::tcp_stream s, std::size_t max_length) : stream(std::move(s)), decoder(max_length) {}
    wasio::net::tcp_stream stream;
    frame_decoder decoder;
  };
  struct entry {
    int listener = -1;
    std::unique_ptr<connection> conn;
  };

  void serve_listener(std::size_t index);
  void serve_connection(std::uint32_t slot, bool hangup);
  void close(std::uint32_t slot);
  wasio::result<void> flush_stdout();
  bool limit_reached() const;
  std::int64_t monotonic_ms() const;

  server_options options_;
  wasio::poll poll_;
  wasio::events events_{1024};
  std::vector<wasio::net::tcp_listener> listeners_;
  std::vector<entry> entries_;
  std::size_t open_ = 0;
  std::int64_t idle_since_ms_ = 0;
  std::string lines_;
  receiver_stats stats_;
  json_sink sink_{lines_, stats_};
  std::vector<char> buffer_ = std::vector<char>(64u << 10);
};

}  // namespace syslog
