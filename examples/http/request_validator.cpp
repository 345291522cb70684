// The HTTP/1.1 rules llhttp 8.1 lets through (see request_validator.hpp for the table).
#include "request_validator.hpp"

#include <algorithm>
#include <cstring>

namespace http {
namespace {

constexpr std::size_t max_version_word = 16;

// RFC 3986 3.2.2 and 3.2.3: the bytes of uri-host (reg-name, IPv4, IP-literal) and ":" port:
// unreserved, sub-delims, pct-encoded's '%', ':' and the IP-literal's brackets.
constexpr std::array<bool, 256> host_table = [] {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (const char c : std::string_view("-._~!$&'()*+,;=%:[]")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

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

void request_validator::begin() {
  broken_ = rejection{};
  line_started_ = false;
  request_line_done_ = false;
  version_word_.clear();
  word_too_long_ = false;
  after_lf_ = false;
  field_length_ = 0;
  field_ = field_kind::other;
  in_trailers_ = false;
  host_count_ = 0;
  host_value_.clear();
  host_too_long_ = false;
}

void request_validator::reject(status code, std::string_view rule) {
  if (!broken_) broken_ = rejection{code, rule};
}

void request_validator::scan_head(std::string_view bytes) {
  if (bytes.empty()) return;
  // llhttp 8.1 (strict mode too) takes a line starting with SP or HTAB as the previous field
  // value's continuation: an obs-fold, which RFC 9112 5.2 lets a server reject, and which hides a
  // folded Content-Length or Transfer-Encoding from anything that reads lines. Only the byte after
  // each LF matters, so memchr does the walking.
  if (after_lf_ && (bytes.front() == ' ' || bytes.front() == '\t')) reject(status::bad_request, "obs-fold");
  for (const char* lf = static_cast<const char*>(std::memchr(bytes.data(), '\n', bytes.size())); lf != nullptr;) {
    const std::size_t next = static_cast<std::size_t>(lf - bytes.data()) + 1;
    if (next < bytes.size() && (bytes[next] == ' ' || bytes[next] == '\t')) reject(status::bad_request, "obs-fold");
    lf = next < bytes.size() ? static_cast<const char*>(std::memchr(bytes.data() + next, '\n', bytes.size() - next))
                             : nullptr;
  }
  after_lf_ = bytes.back() == '\n';
  if (!request_line_done_) scan_request_line(bytes);
}

void request_validator::scan_request_line(std::string_view bytes) {
  // The request line's last word is the protocol (llhttp accepts RTSP/1.0 and, with no version at
  // all, HTTP/0.9). CR and LF before the request line are the empty lines RFC 9112 2.2 allows.
  if (!line_started_) {
    const std::size_t first = bytes.find_first_not_of("\r\n");
    if (first == std::string_view::npos) return;
    bytes.remove_prefix(first);
    line_started_ = true;
  }
  const std::size_t lf = bytes.find('\n');
  std::string_view line = bytes.substr(0, lf);
  const std::size_t space = line.rfind(' ');
  if (space != std::string_view::npos) {
    version_word_.clear();
    word_too_long_ = false;
    line.remove_prefix(space + 1);
  }
  if (version_word_.size() + line.size() > max_version_word) {
    word_too_long_ = true;
    line = line.substr(0, max_version_word - std::min(max_version_word, version_word_.size()));
  }
  version_word_.append(line);
  if (lf != std::string_view::npos) {
    request_line_done_ = true;
    if (!version_word_.empty() && version_word_.back() == '\r') version_word_.pop_back();  // the CR may have come apart
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
  // The bytes of a name are tchars: llhttp's strict mode checks that itself (its default build lets
  // a space through); what it lets through, an empty name, on_field_complete checks. Only "host" matters here: keep the first four bytes and the length.
  if (field_length_ < field_name_.size())
    std::memcpy(field_name_.data() + field_length_, part.data(), std::min(part.size(), field_name_.size() - field_length_));
  field_length_ += part.size();
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

void request_validator::on_host_value(std::string_view part) {
  if (host_value_.size() + part.size() > max_host_bytes) host_too_long_ = true;
  else host_value_.append(part);
}

void request_validator::on_host_value_complete() {
  field_ = field_kind::other;
  std::string_view value = host_value_;
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (host_too_long_) reject(status::bad_request, "Host too long");
  bool valid = true;
  for (const char c : value) valid &= host_table[static_cast<unsigned char>(c)];
  if (!valid) reject(status::bad_request, "Host is not uri-host[:port]");
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
