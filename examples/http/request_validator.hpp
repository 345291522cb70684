#pragma once
/// request_validator: the HTTP/1.1 request rules (RFC 9112, RFC 9110) that llhttp 8.1, Debian's
/// version, does not enforce, checked on what llhttp reports and on the raw head bytes it consumed.
/// llhttp stays the parser; this layer only says no.
///
/// llhttp is built with LLHTTP_STRICT_MODE=1 (examples/http/CMakeLists.txt), llhttp's own switch
/// that closes two gaps of its default build: the CRLF after chunk data is checked (the default
/// build skips any two bytes, so `5\r\nhelloXX5\r\nworld\r\n0\r\n\r\n` parsed as "helloworld": request
/// smuggling), and a header name must be made of tchars (the default build lets a space through).
/// What strict mode still lets through, this
/// class closes; each rule below names the llhttp behaviour it answers:
///
/// | rule (RFC)                                                   | llhttp 8.1 (strict)              | answer |
/// |--------------------------------------------------------------|----------------------------------|--------|
/// | version is HTTP/1.0 or HTTP/1.1 (9112 2.3, 9110 6.2)          | accepts HTTP/0.9, HTTP/2.0, RTSP/1.0, and `GET /` with no version (as 0.9) | 505 for HTTP/2.0..9.x, 400 otherwise |
/// | an HTTP/1.1 request has exactly one Host (9112 3.2)           | accepts none, or several         | 400 |
/// | Host is uri-host [":" port] (9112 3.2, 3986 3.2.2)            | accepts any value                | 400 |
/// | a field name is a non-empty token (9110 5.1)                  | accepts an empty name (`: x`)    | 400 |
/// | no obs-fold (9112 5.2), in headers and trailers              | joins a folded line to the value, also in Content-Length and Transfer-Encoding | 400 |
/// | no Transfer-Encoding in HTTP/1.0 (9112 6.1)                   | accepts it and parses chunks     | 400 |
///
/// Chunk extensions are llhttp's: `5;a=b`, `5;a="b c"`, `5;a` and `5;a;b` are accepted and ignored.
/// llhttp 8.1 itself rejects (400) three valid forms of RFC 9112 7.1.1: a quoted-pair inside a quoted
/// value (`5;a="b\"c"`), any extension after one with a value (`5;a=b;c=d`), and whitespace around
/// `;` or `=`. That cannot be relaxed without a parser of our own; no common client sends them.
///
/// Notes: one validator per connection; begin() before each request. Memory is bounded: the request
/// line's last word is kept up to 16 bytes, a Host value up to max_host_bytes.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "response.hpp"

namespace http {

struct rejection {
  status code = status::ok;  // ok: no rule was broken
  std::string_view rule;     // which rule, for tests and logs
  explicit operator bool() const { return code != status::ok; }
};

class request_validator {
 public:
  static constexpr std::size_t max_host_bytes = 255;

  /// A new request begins (before its first byte).
  void begin();

  /// Raw bytes of the request head (request line, fields, the blank line), in order, as llhttp
  /// consumed them. Finds obs-folds and keeps the request line's protocol word.
  void scan_head(std::string_view bytes);
  /// Raw bytes of a chunked body's framing (size lines, extensions, CRLFs, trailers: everything but
  /// chunk data), in order. Finds obs-folds in trailers.
  void scan_framing(std::string_view bytes);

  /// llhttp's header-name span (a name may arrive in several spans), and the end of the name.
  void on_field(std::string_view part);
  void on_field_complete();
  /// llhttp's header-value span, and the end of the value (inline: called for every field, they
  /// only look further at Host).
  void on_value(std::string_view part) {
    if (field_ == field_kind::host) on_host_value(part);
  }
  void on_value_complete() {
    if (field_ == field_kind::host) on_host_value_complete();
  }
  /// The trailer section begins: fields from now on are trailers (Host counts only in the head).
  void begin_trailers() { in_trailers_ = true; }

  /// The first broken rule so far, if any (checked as the bytes arrive).
  const rejection& broken() const { return broken_; }
  /// At the end of the head: every head rule, given llhttp's version and whether it saw
  /// Transfer-Encoding. The first broken rule wins.
  rejection check_head(unsigned http_major, unsigned http_minor, bool has_transfer_encoding);
  /// llhttp rejected the request line: 505 when its protocol word is HTTP/ with a major version of
  /// 2 to 9 (llhttp rejects HTTP/3.0 itself, but 505 is the right answer), else 400.
  status status_for_parse_error() const;

 private:
  void reject(status code, std::string_view rule);
  void scan_request_line(std::string_view bytes);
  void on_host_value(std::string_view part);
  void on_host_value_complete();
  bool version_word_is_higher_major() const;

  rejection broken_;
  // scan_head: the request line's last space-separated word, and line state for obs-fold.
  bool line_started_ = false;  // a byte other than CR or LF arrived
  bool request_line_done_ = false;
  std::string version_word_;  // up to 16 bytes
  bool word_too_long_ = false;
  bool after_lf_ = false;
  // Fields.
  enum class field_kind : unsigned char { other, host };
  std::array<char, 4> field_name_{};  // the first bytes of the name (enough for "host")
  std::size_t field_length_ = 0;
  field_kind field_ = field_kind::other;
  bool in_trailers_ = false;
  unsigned host_count_ = 0;
  std::string host_value_;
  bool host_too_long_ = false;
};

}  // namespace http
