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
  // Empty pieces are left out: an empty view's data() may be null, which memcpy must never get.
  void add(std::string_view piece) {
    if (!piece.empty()) pieces_[count_++] = piece;
  }
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

/// The last head append_response built, and everything it was built from. A server answering one
/// route over and over (a health check, a benchmark, a cached file) sends the same head until its
/// Date changes, once a second: comparing the inputs and copying the bytes costs about a fifth of
/// building them again. Per thread (natively linked workers share the code, not the cache), and
/// trivially destructible (wasm32-wasi has no thread-exit hooks): fixed room, and a head or inputs
/// too long for it are built every time.
class last_head {
 public:
  bool matches(const response& r, std::string_view date, framing how, const response_extras& extras,
               std::uint64_t content_length) const {
    return valid_ && code_ == r.status && has_length_ == extras.has_length &&
           (!has_length_ || length_ == content_length) && close_ == how.close &&
           http10_keep_alive_ == how.http10_keep_alive && same(0, date) && same(1, r.content_type) &&
           same(2, r.allow) && same(3, extras.headers);
  }
  std::string_view bytes() const { return {bytes_, bytes_size_}; }
  void remember(const response& r, std::string_view date, framing how, const response_extras& extras,
                std::uint64_t content_length, std::string_view head) {
    valid_ = false;
    const std::string_view parts[inputs] = {date, r.content_type, r.allow, extras.headers};
    std::size_t at = 0;
    for (std::size_t i = 0; i < inputs; ++i) {
      if (parts[i].size() > sizeof key_ - at) return;
      if (!parts[i].empty()) std::memcpy(key_ + at, parts[i].data(), parts[i].size());
      offset_[i] = at;
      size_[i] = parts[i].size();
      at += parts[i].size();
    }
    if (head.size() > sizeof bytes_) return;
    std::memcpy(bytes_, head.data(), head.size());
    bytes_size_ = head.size();
    code_ = r.status;
    has_length_ = extras.has_length;
    length_ = content_length;
    close_ = how.close;
    http10_keep_alive_ = how.http10_keep_alive;
    valid_ = true;
  }

 private:
  static constexpr std::size_t inputs = 4;  // date, content type, allow, extra headers
  bool same(std::size_t i, std::string_view part) const {
    return size_[i] == part.size() && (part.empty() || std::memcmp(key_ + offset_[i], part.data(), part.size()) == 0);
  }

  bool valid_ = false;
  status code_ = status::ok;
  bool has_length_ = false, close_ = false, http10_keep_alive_ = false;
  std::uint64_t length_ = 0;
  std::size_t offset_[inputs] = {}, size_[inputs] = {};
  std::size_t bytes_size_ = 0;
  char key_[512];
  char bytes_[1024];
};

thread_local last_head remembered;

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
  const std::uint64_t content_length = extras.length.value_or(r.body.size());
  if (remembered.matches(r, date, how, extras, content_length)) {
    out += remembered.bytes();
  } else {
    const number_text code(static_cast<unsigned>(r.status));
    const number_text length(content_length);
    head_pieces head;
    add_start(head, r, code, date);
    if (extras.has_length) {
      head.add("\r\nContent-Length: ");
      head.add(length.view());
    }
    head.add(extras.headers);
    add_end(head, r, how);
    const std::size_t at = out.size();
    head.append_to(out);
    remembered.remember(r, date, how, extras, content_length, std::string_view(out).substr(at));
  }
  if (!how.head_only) out += r.body;
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
