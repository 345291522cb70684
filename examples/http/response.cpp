#include "response.hpp"

#include <charconv>

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

// The status line and the headers every response has, up to its length framing.
void append_start(std::string& out, const response& r, std::string_view date) {
  char number[24];
  out += "HTTP/1.1 ";
  out.append(number, std::to_chars(number, number + sizeof number, static_cast<unsigned>(r.status)).ptr);
  out += ' ';
  out += reason_phrase(r.status);
  out += "\r\nServer: wasio\r\nDate: ";
  out += date;
  if (!r.content_type.empty()) {
    out += "\r\nContent-Type: ";
    out += r.content_type;
  }
}

void append_content_length(std::string& out, std::uint64_t length) {
  char number[24];
  out += "\r\nContent-Length: ";
  out.append(number, std::to_chars(number, number + sizeof number, length).ptr);
}

// Allow, Connection and the blank line.
void append_end(std::string& out, const response& r, framing how) {
  if (!r.allow.empty()) {
    out += "\r\nAllow: ";
    out += r.allow;
  }
  if (how.close)
    out += "\r\nConnection: close";
  else if (how.http10_keep_alive)
    out += "\r\nConnection: keep-alive";
  out += "\r\n\r\n";
}

}  // namespace

void append_head(std::string& out, const response& r, std::optional<std::uint64_t> content_length,
                 std::string_view date, framing how) {
  append_start(out, r, date);
  if (content_length) append_content_length(out, *content_length);
  else out += "\r\nTransfer-Encoding: chunked";
  append_end(out, r, how);
}

void append_response(std::string& out, const response& r, std::string_view date, framing how,
                     const response_extras& extras) {
  append_start(out, r, date);
  if (extras.has_length) append_content_length(out, extras.length.value_or(r.body.size()));
  out += extras.headers;
  append_end(out, r, how);
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
