// RFC 6587 framing: octet counting and LF-terminated, detected from a connection's first byte.
#include "frame_decoder.hpp"

#include <algorithm>

namespace syslog {
namespace {
bool is_digit(char c) { return c >= '0' && c <= '9'; }
// "4294967295 " is far beyond any limit: more digits can only be garbage.
constexpr std::size_t max_length_digits = 10;
}  // namespace

void frame_decoder::feed(std::string_view bytes, frame_sink& sink) {
  if (mode_ == framing::unknown) {
    std::size_t i = 0;
    while (i < bytes.size() && is_frame_space(bytes[i])) ++i;
    if (i == bytes.size()) return;
    bytes.remove_prefix(i);
    mode_ = is_digit(bytes[0]) ? framing::octet_counting : framing::non_transparent;
  }
  if (mode_ == framing::octet_counting) feed_octet_counted(bytes, sink);
  else feed_lines(bytes, sink);
}

void frame_decoder::feed_octet_counted(std::string_view bytes, frame_sink& sink) {
  // Reports a bad header once per run of garbage, then skips to the next whitespace.
  auto garbage = [&] {
    if (!in_garbage_) sink.on_malformed_frame("bad octet count");
    in_garbage_ = true;
    state_ = state::resync;
  };
  std::size_t i = 0;
  while (i < bytes.size()) {
    const char c = bytes[i];
    switch (state_) {
      case state::between_frames:
        if (is_frame_space(c)) {
          ++i;
        } else if (c >= '1' && c <= '9') {
          state_ = state::length;
          length_ = 0;
          length_digits_ = 0;
        } else {
          garbage();
        }
        break;
      case state::length:
        if (is_digit(c)) {
          if (length_digits_ == max_length_digits) {
            garbage();
            break;
          }
          length_ = length_ * 10 + static_cast<std::uint64_t>(c - '0');
          ++length_digits_;
          ++i;
        } else if (c == ' ') {
          ++i;
          in_garbage_ = false;
          if (length_ > max_length_) {
            sink.on_malformed_frame("message too long");
            state_ = state::skipping_body;
          } else {
            state_ = state::body;
            pending_.clear();
          }
        } else {
          garbage();
        }
        break;
      case state::body: {
        const std::size_t need = static_cast<std::size_t>(length_) - pending_.size();
        const std::size_t take = std::min(need, bytes.size() - i);
        if (pending_.empty() && take == need) {
          sink.on_frame(bytes.substr(i, take));  // the whole frame is in this read: no copy
        } else {
          pending_.append(bytes.substr(i, take));
          if (pending_.size() == length_) sink.on_frame(pending_);
        }
        i += take;
        if (take == need) {
          pending_.clear();
          state_ = state::between_frames;
        }
        break;
      }
      case state::skipping_body: {
        const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(length_, bytes.size() - i));
        length_ -= take;
        i += take;
        if (length_ == 0) state_ = state::between_frames;
        break;
      }
      case state::resync:
        if (is_frame_space(c)) state_ = state::between_frames;
        ++i;
        break;
      case state::skipping_line:
        ++i;
        break;
    }
  }
}

void frame_decoder::deliver_line(std::string_view line, frame_sink& sink) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t\r\0", 0, 4) == std::string_view::npos) return;  // blank: no message
  if (line.size() > max_length_) sink.on_malformed_frame("message too long");
  else sink.on_frame(line);
}

void frame_decoder::feed_lines(std::string_view bytes, frame_sink& sink) {
  while (!bytes.empty()) {
    const std::size_t newline = bytes.find('\n');
    if (state_ == state::skipping_line) {
      if (newline == std::string_view::npos) return;
      bytes.remove_prefix(newline + 1);
      state_ = state::between_frames;
      continue;
    }
    if (newline == std::string_view::npos) {
      if (pending_.size() + bytes.size() > max_length_ + 1) {  // +1: room for a CR before the LF
        sink.on_malformed_frame("message too long");
        pending_.clear();
        state_ = state::skipping_line;
        return;
      }
      pending_.append(bytes);
      return;
    }
    const std::string_view line = bytes.substr(0, newline);
    if (pending_.empty()) {
      deliver_line(line, sink);
    } else if (pending_.size() + line.size() > max_length_ + 1) {
      sink.on_malformed_frame("message too long");
      pending_.clear();
    } else {
      pending_.append(line);
      deliver_line(pending_, sink);
      pending_.clear();
    }
    bytes.remove_prefix(newline + 1);
  }
}

void frame_decoder::finish(frame_sink& sink) {
  if (mode_ == framing::octet_counting) {
    if (state_ == state::length || state_ == state::body || state_ == state::skipping_body)
      sink.on_malformed_frame("frame cut short");
  } else if (mode_ == framing::non_transparent && state_ != state::skipping_line && !pending_.empty()) {
    deliver_line(pending_, sink);
  }
  pending_.clear();
  state_ = state::between_frames;
  in_garbage_ = false;
}

bool frame_decoder::in_frame() const {
  if (mode_ == framing::octet_counting) return state_ != state::between_frames;
  return !pending_.empty() || state_ == state::skipping_line;
}

void frame_decoder::abandon(std::string_view reason, frame_sink& sink) {
  if (in_frame()) sink.on_malformed_frame(reason);
  std::string().swap(pending_);
  state_ = state::between_frames;
  in_garbage_ = false;
}

void frame_decoder::release_buffer() {
  if (pending_.empty() && pending_.capacity() > 4096) std::string().swap(pending_);
}

}  // namespace syslog
