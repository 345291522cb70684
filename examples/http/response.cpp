#include "response.hpp"

#include <array>
#include <charconv>
#include <cstring>

namespace http {

std::string_view reason_phrase(status code) {
  switch (code) {
    case status::continue_: return "Continue";
    case status::ok: return "OK";
    case status::partial_content: return "Partial Content";
    case status::moved_permanently: return "Moved Permanently";
    case status::not_modified: return "Not Modified";
    case status::forbidden: return "Forbidden";
    case status::range_not_satisfiable: return "Range Not Satisfiable";
    case status::internal_server_error: return "Internal Server Error";
    case status::bad_request: return "Bad Request";
    case status::not_found: return "Not Found";
    case status::method_not_allowed: return "Method Not Allowed";
    case status::request_timeout: return "Request Timeout";
    case status::content_too_large: return "Content Too Large";
    case status::request_header_fields_too_large: return "Request Header Fields Too Large";
    case status::service_unavailable: return "Service Unavailable";
    case status::http_version_not_supported: return "HTTP Version Not Supported";
  }
  return "Unknown";
}

namespace {

/// The pieces of one response head, written into the output with one growth and one copy each: a
/// head is up to 16 pieces, and appending them one by one cost a capacity check, a strlen and a
/// call apiece (over a tenth of http.wasm's instructions per keep-alive GET).
class head_pieces {
 public:
  void add(std::string_view piece) { pieces_[count_++] = piece; }
  void append_to(std::string& out) const {
    std::size_t total = 0;
    for (std::size_t i = 0; i < count_; ++i) total += pieces_[i].size();
    const std::size_t at = out.size();
    out.resize(at + total);
    char* to = out.data() + at;
    for (std::size_t i = 0; i < count_; ++i) {
      std::memcpy(to, pieces_[i].data(), pieces_[i].size());
      to += pieces_[i].size();
    }
  }

 private:
  std::array<std::string_view, 20> pieces_;  // a head has at most 16
  std::size_t count_ = 0;
};

/// A decimal or hexadecimal number's digits, kept alive while the pieces point at them.
struct number_text {
  explicit number_text(std::uint64_t value, int base = 10)
      : length(static_cast<std::size_t>(std::to_chars(digits, digits + sizeof digits, value, base).ptr - digits)) {}
  std::string_view view() const { return {digits, length}; }
  char digits[24];
  std::size_t length;
};

// The status line and the headers every response has, up to its length framing.
void add_start(head_pieces& head, const response& r, const number_text& code, std::string_view date) {
  head.add("HTTP/1.1 ");
  head.add(code.view());
  head.add(" ");
  head.add(reason_phrase(r.status));
  head.add("\r\nServer: wasio\r\nDate: ");
  head.add(date);
  if (!r.content_type.empty()) {
    head.add("\r\nContent-Type: ");
    head.add(r.content_type);
  }
}

// Allow, Connection and the blank line.
void add_end(head_pieces& head, const response& r, framing how) {
  if (!r.allow.empty()) {
    head.add("\r\nAllow: ");
    head.add(r.allow);
  }
  if (how.close)
    head.add("\r\nConnection: close");
  else if (how.http10_keep_alive)
    head.add("\r\nConnection: keep-alive");
  head.add("\r\n\r\n");
}

}  // namespace

void append_head(std::string& out, const response& r, std::optional<std::uint64_t> content_length,
                 std::string_view date, framing how) {
  const number_text code(static_cast<unsigned>(r.status));
  const number_text length(content_length.value_or(0));
  head_pieces head;
  add_start(head, r, code, date);
  if (content_length) {
    head.add("\r\nContent-Length: ");
    head.add(length.view());
  } else {
    head.add("\r\nTransfer-Encoding: chunked");
  }
  add_end(head, r, how);
  head.append_to(out);
}

void append_response(std::string& out, const response& r, std::string_view date, framing how,
                     const response_extras& extras) {
  const number_text code(static_cast<unsigned>(r.status));
  const number_text length(extras.length.value_or(r.body.size()));
  head_pieces head;
  add_start(head, r, code, date);
  if (extras.has_length) {
    head.add("\r\nContent-Length: ");
    head.add(length.view());
  }
  head.add(extras.headers);
  add_end(head, r, how);
  if (!how.head_only) head.add(r.body);
  head.append_to(out);
}

void append_chunk(std::string& out, std::string_view data) {
  if (data.empty()) return;
  char digits[16];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, data.size(), 16).ptr);
  out += "\r\n";
  out += data;
  out += "\r\n";
}

}  // namespace http
