#pragma once
/// kv::reply_buffer: RESP2 replies appended to one contiguous buffer, ready for a single write.
///
/// Notes: error() takes the whole message including its code ("ERR ...", "WRONGTYPE ..."); CR and LF
/// inside it become spaces, so a reply can never break the framing. Redis has two paths for errors
/// that quote a client's bytes, and both are here: error() as rejectCommandFormat (unknown command,
/// unknown subcommand, arity), error_trimmed() as addReplyErrorFormat (CR and LF at either end are
/// dropped first: "Unsupported option x\r\n" loses its CRLF instead of ending in two spaces).
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
  /// "-message\r\n" with CR and LF at both ends of `message` dropped first.
  void error_trimmed(std::string_view message);
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
  /// Bytes allocated (what the buffer costs, written or not).
  std::size_t capacity() const { return data_.capacity(); }
  /// When empty and holding more than `keep` bytes, gives the memory back (a one-off large reply
  /// must not stay pinned to an idle connection).
  void release_if_above(std::size_t keep) {
    if (data_.empty() && data_.capacity() > keep) std::string().swap(data_);
  }

 private:
  void number_line(char prefix, std::int64_t value);
  std::string data_;
};

}  // namespace kv
