#pragma once
/// kv::reply_buffer: RESP2 replies appended to one contiguous buffer, ready for a single write.
///
/// Notes: error() takes the whole message including its code ("ERR ...", "WRONGTYPE ..."); CR and LF
/// inside it become spaces, as Redis does, so a reply can never break the framing.
///
/// Example (compiled in tests/e2e/kv/reply_buffer_test.cpp):
///   kv::reply_buffer out;
///   out.array(2);
///   out.bulk("a");
///   out.null_bulk();   // out.view() == "*2\r\n$1\r\na\r\n$-1\r\n"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kv {

class reply_buffer {
 public:
  /// "+text\r\n"; `text` must hold no CR or LF (status replies are fixed words).
  void simple(std::string_view text);
  /// "-message\r\n".
  void error(std::string_view message);
  /// ":value\r\n".
  void integer(std::int64_t value);
  /// "$len\r\ndata\r\n".
  void bulk(std::string_view data);
  /// "$-1\r\n" (nil).
  void null_bulk() { data_.append("$-1\r\n"); }
  /// "*count\r\n"; the caller appends `count` replies after it.
  void array(std::size_t count);
  /// "*-1\r\n".
  void null_array() { data_.append("*-1\r\n"); }
  void ok() { data_.append("+OK\r\n"); }

  std::string_view view() const { return data_; }
  std::size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  /// Drops the first `count` bytes (they were written to the socket).
  void consume(std::size_t count);
  void clear() { data_.clear(); }

 private:
  void number_line(char prefix, std::int64_t value);
  std::string data_;
};

}  // namespace kv
