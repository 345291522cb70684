#include "response.hpp"

#include <charconv>

namespace http {

std::string_view reason_phrase(status code) {
  switch (code) {
    case status::continue_: return "Continue";
    case status::ok: return "OK";
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

void append_head(std::string& out, const response& r, std::optional<std::uint64_t> content_length,
                 std::string_view date, framing how) {
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
  if (content_length) {
    out += "\r\nContent-Length: ";
    out.append(number, std::to_chars(number, number + sizeof number, *content_length).ptr);
  } else {
    out += "\r\nTransfer-Encoding: chunked";
  }
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

void append_response(std::string& out, const response& r, std::string_view date, framing how) {
  append_head(out, r, r.body.size(), date, how);
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
