#pragma once
// A fuzz input read as a sequence of choices: the harnesses take their chunk sizes, call numbers and
// arguments from the front of the input and the payload from what is left, so that every input is
// valid and libFuzzer's mutations of the choice bytes explore different splits of the same payload.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace wasio_fuzz {

class fuzz_input {
 public:
  fuzz_input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  bool empty() const { return size_ == 0; }
  std::size_t remaining() const { return size_; }

  /// The next byte, or 0 when the input is used up.
  std::uint8_t byte() {
    if (size_ == 0) return 0;
    --size_;
    return *data_++;
  }

  /// The next sizeof(T) bytes as an integer (missing bytes read as 0).
  template <typename T>
  T integer() {
    T value{};
    const std::size_t n = size_ < sizeof(T) ? size_ : sizeof(T);
    std::memcpy(&value, data_, n);
    data_ += n;
    size_ -= n;
    return value;
  }

  /// Up to `n` next bytes.
  std::string_view bytes(std::size_t n) {
    if (n > size_) n = size_;
    std::string_view out(reinterpret_cast<const char*>(data_), n);
    data_ += n;
    size_ -= n;
    return out;
  }

  /// Everything left.
  std::string_view rest() { return bytes(size_); }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
};

/// Splits `payload` into pieces whose sizes come from `sizes` (1..64 bytes each, or the whole rest
/// when `sizes` runs out), calling piece(std::string_view) for each.
template <typename Piece>
void in_pieces(std::string_view payload, fuzz_input& sizes, Piece&& piece) {
  while (!payload.empty()) {
    std::size_t n = sizes.empty() ? payload.size() : 1 + sizes.byte() % 64;
    if (n > payload.size()) n = payload.size();
    piece(payload.substr(0, n));
    payload.remove_prefix(n);
  }
}

/// Aborts (a finding) when `whole` and `pieced` differ, printing where, so that the artifact
/// libFuzzer writes comes with the two versions of the output around the first difference.
inline void expect_same(const char* what, std::string_view whole, std::string_view pieced) {
  if (whole == pieced) return;
  std::size_t at = 0;
  while (at < whole.size() && at < pieced.size() && whole[at] == pieced[at]) ++at;
  const std::size_t from = at < 80 ? 0 : at - 80;
  auto show = [&](const char* label, std::string_view text) {
    std::fprintf(stderr, "%s (%zu bytes): ", label, text.size());
    for (std::size_t i = from; i < text.size() && i < at + 160; ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c >= 0x20 && c < 0x7f && c != '\\') std::fputc(c, stderr);
      else std::fprintf(stderr, "\\x%02x", c);
    }
    std::fputc('\n', stderr);
  };
  std::fprintf(stderr, "%s differ at byte %zu when the input arrives in pieces:\n", what, at);
  show("  at once  ", whole);
  show("  in pieces", pieced);
  std::abort();
}

/// The protocol targets' input and check: one byte N, N bytes of piece sizes, then the payload.
/// `output_of(pieces)` runs the code under test, feeding each piece that `pieces(piece)` hands it,
/// and returns what it produced. It runs twice, with the payload at once and in the pieces the
/// sizes give, and the two outputs must be the same (expect_same) unless compare(payload) is false.
template <typename OutputOf, typename Compare>
void check_split_independence(const std::uint8_t* data, std::size_t size, const char* what, OutputOf output_of,
                              Compare compare) {
  fuzz_input input(data, size);
  const std::string_view size_bytes = input.bytes(input.byte());
  const fuzz_input sizes(reinterpret_cast<const std::uint8_t*>(size_bytes.data()), size_bytes.size());
  const std::string_view payload = input.rest();
  const auto whole = output_of([&](auto&& piece) { piece(payload); });
  const auto pieced = output_of([&](auto&& piece) {
    fuzz_input split = sizes;
    in_pieces(payload, split, piece);
  });
  if (compare(payload)) expect_same(what, whole, pieced);
}

}  // namespace wasio_fuzz
