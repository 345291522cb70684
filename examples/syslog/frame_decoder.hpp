#pragma once
/// syslog::frame_decoder: splits one TCP connection's byte stream into syslog messages (RFC 6587).
///
/// The framing is detected once per connection from its first byte that is not whitespace: a digit
/// means octet counting (`LEN SP MSG`, 3.4.1), anything else (normally the `<` of a PRI) means
/// non-transparent framing with LF as the trailer (3.4.2; a CR before the LF is dropped too).
///
/// Errors: reported to the sink as malformed frames, counted by the caller and skipped:
/// - octet counting: a length that is not a decimal number, 0, or more than 10 digits; a missing SP
///   after it (the decoder then resynchronises at the next whitespace, one malformed count per run
///   of garbage); a length above max_message_length (exactly that many bytes are skipped, never
///   buffered); a frame cut short by the end of the stream;
/// - newline framing: a line longer than max_message_length (skipped up to its LF).
/// Notes:
/// - Whitespace between octet-counted frames is skipped (some senders add a LF after each frame).
/// - At the end of the stream a last newline-framed message without its LF is still delivered.
/// - Memory per connection is bounded by max_message_length plus one read.
///
/// Example (compiled in tests/e2e/syslog/frame_decoder_test.cpp):
///   syslog::frame_decoder decoder;
///   decoder.feed("12 <13>1 - - -\n<14>", sink);  // octet counting: one frame "<13>1 - - -\n" ...
///   decoder.finish(sink);                       // ... and "<14>" was cut short: malformed

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace syslog {

enum class framing : std::uint8_t { unknown, octet_counting, non_transparent };

/// Receives what a decoder finds, in stream order.
class frame_sink {
 public:
  virtual ~frame_sink() = default;
  /// One complete message; the view is valid during the call only.
  virtual void on_frame(std::string_view message) = 0;
  /// One malformed frame, with a short reason ("bad octet count", "message too long"...).
  virtual void on_malformed_frame(std::string_view reason) = 0;
};

class frame_decoder {
 public:
  static constexpr std::size_t default_max_message_length = 64u << 10;

  explicit frame_decoder(std::size_t max_message_length = default_max_message_length)
      : max_length_(max_message_length) {}

  /// Decodes `bytes`, the next part of the stream.
  void feed(std::string_view bytes, frame_sink& sink);
  /// The stream ended: delivers or reports what is left.
  void finish(frame_sink& sink);

  framing mode() const { return mode_; }
  /// Bytes held for an incomplete frame.
  std::size_t buffered() const { return pending_.size(); }
  /// True while a frame (or a run of garbage being skipped) has begun and not ended: the caller's
  /// frame deadline runs.
  bool in_frame() const;
  /// The caller gives up on the frame under way (its deadline passed): reports it malformed with
  /// `reason` if there is one, and drops what is held. The stream ends here (no finish() needed).
  void abandon(std::string_view reason, frame_sink& sink);
  /// Between frames: gives back the capacity an earlier long frame grew.
  void release_buffer();

 private:
  enum class state : std::uint8_t { between_frames, length, body, skipping_body, resync, skipping_line };

  void feed_octet_counted(std::string_view bytes, frame_sink& sink);
  void feed_lines(std::string_view bytes, frame_sink& sink);
  void deliver_line(std::string_view line, frame_sink& sink);

  std::size_t max_length_;
  framing mode_ = framing::unknown;
  state state_ = state::between_frames;
  std::uint64_t length_ = 0;       // octet count being read, or bytes of body still expected
  std::size_t length_digits_ = 0;
  bool in_garbage_ = false;        // a bad header was reported and no good one has followed yet
  std::string pending_;            // an incomplete frame body or line
};

/// True for the bytes RFC 6587 senders put between frames.
constexpr bool is_frame_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0'; }

}  // namespace syslog
