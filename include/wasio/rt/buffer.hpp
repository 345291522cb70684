#pragma once
/// Byte views of text, and rt::stream_buffer: a growable buffer with consume, for line and frame
/// protocols (Asio's dynamic_buffer, in wasio's terms).
///
/// - as_bytes(text) / as_writable_bytes(text) / as_text(bytes): no-copy views between char and
///   std::byte, so I/O on strings needs no casts at the call site (the stream calls also take
///   std::string_view and std::span<char> directly).
/// - stream_buffer: readable bytes at the front (data(), view()), room at the back (prepare(n),
///   then commit(k) for the k bytes that arrived). consume(n) drops n bytes from the front in O(1):
///   the bytes stay where they are until the next prepare() needs the room, when what is left moves
///   to the start once. So a connection that reads lines and consumes each one copies every byte at
///   most once more, and allocates only when a message is longer than anything before it.
///   shrink() gives the memory back (an idle connection keeps nothing).
///
/// Errors: none (allocation failure traps, as everywhere in wasio). Notes: prepare(n) may move the
/// readable bytes: spans from data() taken before it are invalid afterwards.
///
/// Example (compiled in tests/guest/rt_buffer_test.cpp):
///   wasio::rt::stream_buffer lines;
///   for (;;) {
///     auto n = co_await stream.read_until(lines, '\n', 4096);  // line length incl. '\n'; 0 at EOF
///     if (!n || *n == 0) break;
///     handle(lines.view().substr(0, *n));
///     lines.consume(*n);
///   }

#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wasio {

inline std::span<const std::byte> as_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}
inline std::span<std::byte> as_writable_bytes(std::span<char> text) noexcept {
  return {reinterpret_cast<std::byte*>(text.data()), text.size()};
}
inline std::string_view as_text(std::span<const std::byte> bytes) noexcept {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

namespace rt {

class stream_buffer {
 public:
  stream_buffer() = default;

  /// The readable bytes.
  std::span<const std::byte> data() const noexcept { return {storage_.data() + begin_, end_ - begin_}; }
  std::span<std::byte> data() noexcept { return {storage_.data() + begin_, end_ - begin_}; }
  /// The readable bytes as text.
  std::string_view view() const noexcept { return as_text(data()); }
  std::size_t size() const noexcept { return end_ - begin_; }
  bool empty() const noexcept { return begin_ == end_; }
  /// Bytes of memory held (readable, consumed-but-not-moved and free room).
  std::size_t capacity() const noexcept { return storage_.size(); }

  /// Drops the first `n` readable bytes (all of them if n >= size()).
  void consume(std::size_t n) noexcept {
    begin_ += n < size() ? n : size();
    if (begin_ == end_) begin_ = end_ = 0;  // empty: the next prepare starts at the front again
  }
  /// `n` bytes of room after the readable bytes, to be filled and then commit()ted.
  std::span<std::byte> prepare(std::size_t n) {
    if (storage_.size() - end_ < n) {
      const std::size_t readable = size();
      if (begin_ != 0) {
        // Lifetime: the regions may overlap; memmove. Spans from data() are invalid from here.
        if (readable != 0) std::memmove(storage_.data(), storage_.data() + begin_, readable);
        begin_ = 0;
        end_ = readable;
      }
      if (storage_.size() - end_ < n) storage_.resize(end_ + n);
    }
    return {storage_.data() + end_, n};
  }
  /// The first `n` bytes of the last prepare() became readable.
  void commit(std::size_t n) noexcept { end_ += n < storage_.size() - end_ ? n : storage_.size() - end_; }
  /// Appends a copy of `bytes`.
  void append(std::span<const std::byte> bytes) {
    std::span<std::byte> room = prepare(bytes.size());
    if (!bytes.empty()) std::memcpy(room.data(), bytes.data(), bytes.size());
    commit(bytes.size());
  }
  void append(std::string_view text) { append(as_bytes(text)); }
  void clear() noexcept { begin_ = end_ = 0; }
  /// Keeps the readable bytes, frees the rest (an idle connection holds nothing if it is empty).
  void shrink() {
    std::vector<std::byte> kept(data().begin(), data().end());
    storage_.swap(kept);
    begin_ = 0;
    end_ = storage_.size();
  }

 private:
  std::vector<std::byte> storage_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace rt
}  // namespace wasio
