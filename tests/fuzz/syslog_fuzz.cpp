// The syslog receiver's core: the RFC 6587 frame decoder, the RFC 5424 / 3164 message parser and the
// JSON writer, fed whatever a sender may send. Input: one byte N, N bytes of piece sizes, then the
// stream. Checks, besides ASan and UBSan: the frames found do not depend on how the stream was
// split into reads; no frame is longer than the limit; every JSON line is one line of valid UTF-8
// with no raw control character (what a log shipper reading the output relies on).

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "frame_decoder.hpp"
#include "fuzz_input.hpp"
#include "syslog_message.hpp"

namespace {

// Small enough that the fuzzer reaches "message too long" and the skipping states quickly.
constexpr std::size_t max_message = 512;

/// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t n;
    std::uint32_t cp;
    if (c < 0x80) { ++i; continue; }
    if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 0x07; }
    else return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= text.size()) return false;
      const auto d = static_cast<unsigned char>(text[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += n + 1;
  }
  return true;
}

class collecting_sink final : public syslog::frame_sink {
 public:
  void on_frame(std::string_view message) override {
    if (message.size() > max_message) std::abort();
    events += "\n[frame] ";
    events += message;
    syslog::syslog_message m;
    if (!syslog::parse_message(message, m).empty()) return;
    std::string json;
    syslog::append_json(m, json);
    if (json.empty() || json.back() != '\n' || json.front() != '{') std::abort();
    for (std::size_t i = 0; i + 1 < json.size(); ++i) {
      if (static_cast<unsigned char>(json[i]) < 0x20) std::abort();  // a raw control byte or a second line
    }
    if (!valid_utf8(json)) std::abort();
  }
  void on_malformed_frame(std::string_view reason) override {
    events += "\n[malformed] ";
    events += reason;
  }

  std::string events;  // what the decoder reported, in order
};

template <typename Pieces>
std::string frames_of(Pieces&& pieces) {
  syslog::frame_decoder decoder(max_message);
  collecting_sink sink;
  pieces([&](std::string_view piece) {
    decoder.feed(piece, sink);
    if (decoder.buffered() > max_message + piece.size()) std::abort();  // past the documented bound
  });
  decoder.finish(sink);
  return std::move(sink.events);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wasio_fuzz::check_split_independence(data, size, "the frames", [](auto&& pieces) { return frames_of(pieces); },
                                       [](std::string_view) { return true; });
  return 0;
}
