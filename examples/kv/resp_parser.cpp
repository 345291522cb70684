// Incremental RESP2 / inline request parser; mirrors Redis's processMultibulkBuffer and
// processInlineBuffer so the same bytes get the same answers.
#include "resp_parser.hpp"

#include <limits>

namespace kv {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool parse_int64(std::string_view text, std::int64_t& out) {
  if (text.empty() || text.size() > 20) return false;
  if (text.size() == 1 && text[0] == '0') {
    out = 0;
    return true;
  }
  std::size_t i = 0;
  const bool negative = text[0] == '-';
  if (negative) {
    if (text.size() == 1) return false;
    i = 1;
  }
  if (text[i] < '1' || text[i] > '9') return false;  // no leading zeros, no "-0"
  std::uint64_t magnitude = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (magnitude > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return false;
    magnitude = magnitude * 10 + digit;
  }
  constexpr auto max_positive = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (negative) {
    if (magnitude > max_positive + 1) return false;
    out = magnitude == max_positive + 1 ? std::numeric_limits<std::int64_t>::min()
                                        : -static_cast<std::int64_t>(magnitude);
  } else {
    if (magnitude > max_positive) return false;
    out = static_cast<std::int64_t>(magnitude);
  }
  return true;
}

bool split_inline_arguments(std::string_view line, std::vector<std::string>& out) {
  out.clear();
  std::size_t p = 0;
  // Redis works on a C string: a NUL ends the request as the end of the line does.
  auto at = [&](std::size_t i) { return i < line.size() ? line[i] : '\0'; };
  for (;;) {
    while (at(p) != '\0' && is_space(at(p))) ++p;
    if (at(p) == '\0') return true;
    std::string current;
    bool in_double = false, in_single = false, done = false;
    while (!done) {
      const char c = at(p);
      if (in_double) {
        if (c == '\\' && at(p + 1) == 'x' && hex_value(at(p + 2)) >= 0 && hex_value(at(p + 3)) >= 0) {
          current.push_back(static_cast<char>(hex_value(at(p + 2)) * 16 + hex_value(at(p + 3))));
          p += 3;
        } else if (c == '\\' && at(p + 1) != '\0') {
          ++p;
          switch (at(p)) {
            case 'n': current.push_back('\n'); break;
            case 'r': current.push_back('\r'); break;
            case 't': current.push_back('\t'); break;
            case 'b': current.push_back('\b'); break;
            case 'a': current.push_back('\a'); break;
            default: current.push_back(at(p)); break;
          }
        } else if (c == '"') {
          // A closing quote must be followed by a space or by nothing at all.
          if (at(p + 1) != '\0' && !is_space(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          current.push_back(c);
        }
      } else if (in_single) {
        if (c == '\\' && at(p + 1) == '\'') {
          ++p;
          current.push_back('\'');
        } else if (c == '\'') {
          if (at(p + 1) != '\0' && !is_space(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          current.push_back(c);
        }
      } else {
        switch (c) {
          case ' ': case '\n': case '\r': case '\t': case '\0': done = true; break;
          case '"': in_double = true; break;
          case '\'': in_single = true; break;
          default: current.push_back(c); break;
        }
      }
      if (at(p) != '\0') ++p;
    }
    out.push_back(std::move(current));
  }
}

void resp_parser::reset() {
  mode_ = mode::unknown;
  cursor_ = 0;
  expected_args_ = -1;
  bulk_length_ = -1;
  offsets_.clear();
  inline_args_.clear();
  views_.clear();
}

parse_status resp_parser::fail(std::string message) {
  error_ = std::move(message);
  return parse_status::protocol_error;
}

parse_status resp_parser::parse(std::string_view input) {
  if (mode_ == mode::unknown) {
    if (input.empty()) return parse_status::incomplete;
    mode_ = input[0] == '*' ? mode::multibulk : mode::inline_request;
  }
  return mode_ == mode::multibulk ? parse_multibulk(input) : parse_inline(input);
}

parse_status resp_parser::parse_inline(std::string_view input) {
  // Redis finds the newline with strchr, which stops at a NUL: an inline request with a NUL before
  // its newline never ends there, and waits until it passes the inline limit, as it does in Redis.
  const std::size_t newline = input.find_first_of(std::string_view("\n\0", 2), cursor_);
  if (newline == std::string_view::npos || input[newline] == '\0') {
    if (input.size() > limits_.max_inline_length) return fail("Protocol error: too big inline request");
    // Nothing before here holds a newline Redis would see: do not scan it again.
    cursor_ = newline == std::string_view::npos ? input.size() : newline;
    return parse_status::incomplete;
  }
  std::string_view line = input.substr(0, newline);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!split_inline_arguments(line, inline_args_)) return fail("Protocol error: unbalanced quotes in request");
  views_.assign(inline_args_.begin(), inline_args_.end());
  cursor_ = newline + 1;
  return parse_status::complete;
}

parse_status resp_parser::parse_multibulk(std::string_view input) {
  // Reads a "<prefix>N\r\n" header at cursor_; returns false while incomplete, sets `failed` on error.
  auto read_header = [&](std::int64_t& value, const char* too_big, bool& failed) {
    // strchr in Redis: a NUL before the CR hides it, and the header waits for the size limit.
    std::size_t cr = input.find_first_of(std::string_view("\r\0", 2), cursor_);
    if (cr != std::string_view::npos && input[cr] == '\0') cr = std::string_view::npos;
    if (cr == std::string_view::npos) {
      if (input.size() - cursor_ > limits_.max_inline_length) {
        (void)fail(too_big);
        failed = true;
      }
      return false;
    }
    if (cr + 1 >= input.size()) return false;  // the '\n' has not arrived yet
    if (!parse_int64(input.substr(cursor_ + 1, cr - cursor_ - 1), value)) value = std::numeric_limits<std::int64_t>::min();
    cursor_ = cr + 2;
    return true;
  };

  bool failed = false;
  if (expected_args_ < 0) {
    std::int64_t count = 0;
    if (!read_header(count, "Protocol error: too big mbulk count string", failed))
      return failed ? parse_status::protocol_error : parse_status::incomplete;
    if (count == std::numeric_limits<std::int64_t>::min() || count > static_cast<std::int64_t>(limits_.max_arguments))
      return fail("Protocol error: invalid multibulk length");
    if (count <= 0) {  // "*0" and "*-1" are empty requests
      views_.clear();
      return parse_status::complete;
    }
    expected_args_ = count;
    // Grow with the bytes that arrive, never ahead of them: a hostile "*1000000" costs nothing.
    offsets_.reserve(static_cast<std::size_t>(count < 1024 ? count : 1024));
  }
  while (static_cast<std::int64_t>(offsets_.size()) < expected_args_) {
    if (bulk_length_ < 0) {
      if (cursor_ >= input.size()) return parse_status::incomplete;
      if (input[cursor_] != '$') return fail(std::string("Protocol error: expected '$', got '") + input[cursor_] + "'");
      std::int64_t length = 0;
      if (!read_header(length, "Protocol error: too big bulk count string", failed))
        return failed ? parse_status::protocol_error : parse_status::incomplete;
      if (length < 0 || static_cast<std::uint64_t>(length) > limits_.max_bulk_length)
        return fail("Protocol error: invalid bulk length");
      bulk_length_ = length;
    }
    const auto length = static_cast<std::size_t>(bulk_length_);
    if (cursor_ + length > limits_.max_request_length) return fail("Protocol error: request too big");
    // As Redis: the two bytes after the data are the CRLF and are skipped unchecked.
    if (input.size() - cursor_ < length + 2) return parse_status::incomplete;
    offsets_.push_back({cursor_, length});
    cursor_ += length + 2;
    bulk_length_ = -1;
  }
  views_.clear();
  views_.reserve(offsets_.size());
  for (const span_offset& o : offsets_) views_.push_back(input.substr(o.offset, o.length));
  return parse_status::complete;
}

}  // namespace kv
