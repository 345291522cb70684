#pragma once
/// http_date: the value of the `Date` header (IMF-fixdate, RFC 9110 5.6.7), formatted once a second.
///
/// Notes: the server asks the clock once per batch of input and calls update(); formatting happens
/// only when the second changes, so a pipelined burst pays for it once.

#include <array>
#include <cstdint>
#include <string_view>

namespace http {

/// Formats `unix_seconds` as "Sun, 06 Nov 1994 08:49:37 GMT" (29 characters) into `out`.
/// Notes: seconds before 1970 are clamped to the epoch; a Date before then means a broken clock.
void format_http_date(std::int64_t unix_seconds, std::array<char, 29>& out);

class http_date {
 public:
  /// Starts at the epoch until the first update().
  http_date() { format_http_date(0, text_); }

  /// Reformats only when `unix_seconds` differs from the last call's.
  void update(std::int64_t unix_seconds) {
    if (unix_seconds == seconds_) return;
    seconds_ = unix_seconds;
    format_http_date(unix_seconds, text_);
  }

  std::string_view value() const { return {text_.data(), text_.size()}; }

 private:
  std::int64_t seconds_ = 0;
  std::array<char, 29> text_;
};

}  // namespace http
