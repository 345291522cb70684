#pragma once
/// kv::session: one client connection's protocol state, free of I/O: the bytes received, the
/// request parser, and the replies waiting to be sent.
///
/// The connection layer reads straight into input_space(), calls process(), writes output(), and
/// consumes what the socket took. Pipelined requests are answered in order, their replies gathered
/// in one buffer so a batch of 16 requests costs one write.
///
/// Notes:
/// - Backpressure: process() stops once the pending output passes `output_high_water`, and
///   wants_input() turns false, so a client that sends but never reads holds at most the high-water
///   mark plus one reply, and the kernel's buffers push back on it. A reply that grows with the
///   request (MGET) is produced in steps of the high-water mark as the output drains (the request
///   stays in the input buffer until its reply is complete), so it never sits in memory whole.
/// - Output limits (Redis's client-output-buffer-limit, normal class, read from the engine's
///   config at every check): pending output at or past the hard limit, or at or past the soft limit
///   for longer than its seconds, makes over_output_limit() true: the connection is to be closed
///   at once, without sending what is pending, and server_stats::output_limit_disconnections counts
///   it. Checked after every process() and by check_output_limits(now) while a write is stalled.
/// - Memory: the bytes allocated for input and output are kept in server_stats::client_buffer_bytes
///   (the engine's used_memory counts them), and buffers past 1 MiB are given back once idle. When
///   every client's buffers together would pass maxmemory-clients, the client whose buffer grows
///   past `client_grace` is the one closed (over_output_limit(), server_stats::evicted_clients):
///   input_space() then returns no room; after process(), its pending output is dropped.
/// - After a protocol error the reply is the error and the session is closing(): like Redis, it
///   answers nothing more and the connection is closed once the output is out.
///
/// Example (compiled in tests/e2e/kv/session_test.cpp):
///   kv::session s(engine, stats);
///   auto room = s.input_space();
///   std::size_t n = copy_received(room);
///   s.input_committed(n);
///   s.process(now_ms);
///   send(s.output().view());

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "command_engine.hpp"
#include "reply_buffer.hpp"
#include "resp_parser.hpp"
#include "server_stats.hpp"

namespace kv {

class session {
 public:
  static constexpr std::size_t default_read_size = 16u << 10;
  static constexpr std::size_t default_output_high_water = 256u << 10;
  /// Buffers up to this much per client are never refused by maxmemory-clients (a normal client
  /// always gets its read room and small replies).
  static constexpr std::size_t client_grace = 256u << 10;

  session(command_engine& engine, server_stats& stats, request_limits limits = {},
          std::size_t output_high_water = default_output_high_water);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  /// Writable room at the end of the input buffer, at least `at_least` bytes; empty when growing the
  /// buffer would pass maxmemory-clients (the session is then over_output_limit()). Not while
  /// has_work() (a reply in steps reads its request from this buffer): that traps.
  std::span<char> input_space(std::size_t at_least = default_read_size);
  /// Marks `count` bytes of the last input_space() as received.
  void input_committed(std::size_t count);
  /// Executes every complete request received, stopping early at the output high-water mark or
  /// when the session starts closing.
  void process(std::int64_t now_ms);

  reply_buffer& output() { return output_; }
  /// Marks the first `count` bytes of output() as written (drops them).
  void output_sent(std::size_t count);
  /// QUIT or a protocol error: read nothing more, close once output() is empty.
  bool closing() const { return closing_; }
  /// False while closing or while the output is above its high-water mark.
  bool wants_input() const { return !closing_ && output_.size() < output_high_water_ && cursor_.next_argument == 0; }
  /// process() stopped at the high-water mark with work left (a reply in steps, or requests
  /// received): call it again once the output has drained, before reading more.
  bool has_work() const { return paused_; }
  /// Bytes received and not yet executed.
  std::size_t buffered_input() const { return end_ - begin_; }

  /// Applies the output limits at `now_ms`; true (and stays true) once they are passed.
  bool check_output_limits(std::int64_t now_ms);
  /// Past the output limits or maxmemory-clients: close now, without writing output().
  bool over_output_limit() const { return over_limit_; }
  /// over_output_limit() because of maxmemory-clients.
  bool evicted_for_client_memory() const { return evicted_; }
  /// When the soft limit, held since it was first passed, runs out (Unix ms); nullopt when the
  /// output is below it or it is off. A stalled write should wait no longer than this.
  std::optional<std::int64_t> soft_limit_deadline() const;

 private:
  void finish_request();
  void account();
  void fail_output_limit();
  void fail_client_memory();
  /// Whether holding `bytes` in this session's buffers would pass maxmemory-clients.
  bool over_client_memory(std::size_t bytes) const;

  command_engine& engine_;
  server_stats& stats_;
  resp_parser parser_;
  reply_buffer output_;
  std::size_t output_high_water_;
  std::unique_ptr<char[]> input_;  // not std::string: growing it must not zero-fill the read room
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;  // start of the request being parsed
  std::size_t end_ = 0;    // end of received bytes
  reply_cursor cursor_;    // the reply of the request at begin_, while it is produced in steps
  std::int64_t soft_limit_since_ = -1;  // when pending output first reached the soft limit (Unix ms)
  std::size_t accounted_ = 0;           // what this session added to stats_.client_buffer_bytes
  bool closing_ = false;
  bool over_limit_ = false;
  bool evicted_ = false;
  bool paused_ = false;
};

}  // namespace kv
