// The HTTP/1.1 rules llhttp 8.1 lets through (see request_validator.hpp for the table).
#include "request_validator.hpp"

namespace http {
namespace {

constexpr std::size_t max_version_word = 16;

// RFC 9110 5.6.2: tchar.
bool is_tchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
    case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

// RFC 3986 3.2.2 and 3.2.3: the bytes of uri-host (reg-name, IPv4, IP-literal) and ":" port.
bool is_host_byte(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-': case '.': case '_': case '~':                                      // unreserved
    case '!': case '$': case '&': case '\'': case '(': case ')': case '*': case '+': case ',': case ';':
    case '=':                                                                    // sub-delims
    case '%': case ':': case '[': case ']':                                      // pct-encoded, port, IP-literal
      return true;
    default:
      return false;
  }
}

bool equals_lower(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

}  // namespace

void request_validator::begin() { *this = request_validator(); }

void request_validator::reject(status code, std::string_view rule) {
  if (!broken_) broken_ = rejection{code, rule};
}

void request_validator::scan_head(std::string_view bytes) {
  for (const char c : bytes) {
    // llhttp 8.1 (strict mode too) takes a line starting with SP or HTAB as the previous field
    // value's continuation: an obs-fold, which RFC 9112 5.2 lets a server reject, and which hides a
    // folded Content-Length or Transfer-Encoding from anything that reads lines.
    if (after_lf_ && (c == ' ' || c == '\t')) reject(status::bad_request, "obs-fold");
    after_lf_ = c == '\n';
    if (request_line_done_) continue;
    // The request line's last word is the protocol (llhttp accepts RTSP/1.0 and, with no version at
    // all, HTTP/0.9). CR and LF before the request line are the empty lines RFC 9112 2.2 allows.
    if (c == '\r' || c == '\n') {
      if (c == '\n' && line_started_) request_line_done_ = true;
      continue;
    }
    line_started_ = true;
    if (c == ' ') {
      version_word_.clear();
      word_too_long_ = false;
    } else if (version_word_.size() < max_version_word) {
      version_word_ += c;
    } else {
      word_too_long_ = true;
    }
  }
}

void request_validator::scan_framing(std::string_view bytes) {
  for (const char c : bytes) {
    // Trailer fields fold like header fields (llhttp joins them the same way).
    if (after_lf_ && (c == ' ' || c == '\t')) reject(status::bad_request, "obs-fold in trailers");
    after_lf_ = c == '\n';
  }
}

void request_validator::on_field(std::string_view part) {
  for (const char c : part)
    if (!is_tchar(static_cast<unsigned char>(c))) reject(status::bad_request, "field name is not a token");
  // Only "host" matters here: keep the first four bytes and the length.
  for (const char c : part) {
    if (field_length_ < field_name_.size()) field_name_[field_length_] = c;
    ++field_length_;
  }
}

void request_validator::on_field_complete() {
  // llhttp 8.1 reports `: x` as a field with an empty name (strict mode too).
  if (field_length_ == 0) reject(status::bad_request, "empty field name");
  const bool host = field_length_ == 4 && equals_lower(std::string_view(field_name_.data(), 4), "host");
  field_ = !in_trailers_ && host ? field_kind::host : field_kind::other;
  if (field_ == field_kind::host) {
    ++host_count_;
    host_value_.clear();
    host_too_long_ = false;
  }
  field_length_ = 0;
}

void request_validator::on_value(std::string_view part) {
  if (field_ != field_kind::host) return;
  if (host_value_.size() + part.size() > max_host_bytes) host_too_long_ = true;
  else host_value_.append(part);
}

void request_validator::on_value_complete() {
  if (field_ != field_kind::host) return;
  field_ = field_kind::other;
  std::string_view value = host_value_;
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (host_too_long_) reject(status::bad_request, "Host too long");
  for (const char c : value)
    if (!is_host_byte(static_cast<unsigned char>(c))) reject(status::bad_request, "Host is not uri-host[:port]");
}

bool request_validator::version_word_is_higher_major() const {
  const std::string_view w = version_word_;
  return !word_too_long_ && w.size() == 8 && w.starts_with("HTTP/") && w[5] >= '2' && w[5] <= '9' && w[6] == '.' &&
         w[7] >= '0' && w[7] <= '9';
}

rejection request_validator::check_head(unsigned http_major, unsigned http_minor, bool has_transfer_encoding) {
  if (broken_) return broken_;
  const std::string_view word = version_word_;
  const bool http10 = !word_too_long_ && word == "HTTP/1.0";
  const bool http11 = !word_too_long_ && word == "HTTP/1.1";
  if (!http10 && !http11) {
    // RFC 9110 15.6.6: 505 for a major version the server does not support; anything that is not
    // HTTP-version at all (RTSP/1.0, a missing version) is a malformed request line: 400.
    if (version_word_is_higher_major()) reject(status::http_version_not_supported, "HTTP major version");
    else reject(status::bad_request, "not HTTP/1.0 or HTTP/1.1");
    return broken_;
  }
  if (http_major != 1 || http_minor != (http11 ? 1u : 0u)) {
    reject(status::bad_request, "version disagrees with llhttp");
    return broken_;
  }
  // RFC 9112 3.2: 400 for an HTTP/1.1 request without Host, and for any request with more than one.
  if (http11 && host_count_ == 0) reject(status::bad_request, "Host missing");
  if (host_count_ > 1) reject(status::bad_request, "Host repeated");
  // RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing (a 1.0 intermediary would not
  // decode chunks); llhttp 8.1 decodes it anyway.
  if (http10 && has_transfer_encoding) reject(status::bad_request, "Transfer-Encoding in HTTP/1.0");
  return broken_;
}

status request_validator::status_for_parse_error() const {
  return version_word_is_higher_major() ? status::http_version_not_supported : status::bad_request;
}

}  // namespace http
