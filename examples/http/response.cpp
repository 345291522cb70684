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
  }
  return "Unknown";
}

void append_response(std::string& out, const response& r, std::string_view date, framing how,
                     const response_extras& extras) {
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
  if (extras.has_length) {
    out += "\r\nContent-Length: ";
    out.append(number, std::to_chars(number, number + sizeof number, extras.length.value_or(r.body.size())).ptr);
  }
  out += extras.headers;
  if (!r.allow.empty()) {
    out += "\r\nAllow: ";
    out += r.allow;
  }
  if (how.close)
    out += "\r\nConnection: close";
  else if (how.http10_keep_alive)
    out += "\r\nConnection: keep-alive";
  out += "\r\n\r\n";
  if (!how.head_only) out += r.body;
}

}  // namespace http
