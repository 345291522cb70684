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
///   mark plus one reply, and the kernel's buffers push back on it.
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

  session(command_engine& engine, server_stats& stats, request_limits limits = {},
          std::size_t output_high_water = default_output_high_water);

  /// Writable room at the end of the input buffer, at least `at_least` bytes.
  std::span<char> input_space(std::size_t at_least = default_read_size);
  /// Marks `count` bytes of the last input_space() as received.
  void input_committed(std::size_t count);
  /// Executes every complete request received, stopping early at the output high-water mark or
  /// when the session starts closing.
  void process(std::int64_t now_ms);

  reply_buffer& output() { return output_; }
  /// QUIT or a protocol error: read nothing more, close once output() is empty.
  bool closing() const { return closing_; }
  /// False while closing or while the output is above its high-water mark.
  bool wants_input() const { return !closing_ && output_.size() < output_high_water_; }
  /// Bytes received and not yet executed.
  std::size_t buffered_input() const { return end_ - begin_; }

 private:
  command_engine& engine_;
  server_stats& stats_;
  resp_parser parser_;
  reply_buffer output_;
  std::size_t output_high_water_;
  std::unique_ptr<char[]> input_;  // not std::string: growing it must not zero-fill the read room
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;  // start of the request being parsed
  std::size_t end_ = 0;    // end of received bytes
  bool closing_ = false;
};

}  // namespace kv
