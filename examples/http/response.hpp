#pragma once
/// Responses: what a route answers, and how it goes on the wire.
///
/// Every response carries `Date` and `Content-Length` (HEAD too, with the length the body would
/// have). `Connection: close` is sent when the server closes after it, `Connection: keep-alive` when
/// an HTTP/1.0 client asked to keep the connection (1.0 closes by default).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace http {

enum class status : std::uint16_t {
  continue_ = 100,
  ok = 200,
  partial_content = 206,
  moved_permanently = 301,
  not_modified = 304,
  bad_request = 400,
  forbidden = 403,
  not_found = 404,
  method_not_allowed = 405,
  request_timeout = 408,
  content_too_large = 413,
  range_not_satisfiable = 416,
  request_header_fields_too_large = 431,
  internal_server_error = 500,
  service_unavailable = 503,
  http_version_not_supported = 505,
};

/// "OK", "Not Found", ... (RFC 9110's reason phrases).
std::string_view reason_phrase(status code);

struct response {
  http::status status = status::ok;
  std::string_view content_type = "text/plain";
  std::string_view body;
  std::string_view allow;  // the Allow header of a 405; empty otherwise
};

/// What a static file response adds to a response's head.
struct response_extras {
  std::string_view headers;             // more header lines, each as "\r\nName: value"
  std::optional<std::uint64_t> length;  // Content-Length when the body is sent apart (a file); else body.size()
  bool has_length = true;               // false: no Content-Length at all (a 304)
};

/// How a response is framed for the request it answers.
struct framing {
  bool head_only = false;           // a HEAD request: headers as for GET, no body
  bool close = false;               // the server closes after this response
  bool http10_keep_alive = false;   // an HTTP/1.0 request that asked for keep-alive
};

/// Appends the status line, headers and (unless head_only) the body to `out`.
void append_response(std::string& out, const response& r, std::string_view date, framing how,
                     const response_extras& extras = {});

/// Appends only the status line and headers of a response whose body follows later (POST /echo
/// streaming): `Content-Length: content_length`, or `Transfer-Encoding: chunked` when it is unknown
/// (nullopt; the body then goes out with append_chunk and append_last_chunk). `r.body` is ignored.
void append_head(std::string& out, const response& r, std::optional<std::uint64_t> content_length,
                 std::string_view date, framing how);

/// Appends `data` as one chunk (nothing when it is empty: an empty chunk would end the body).
void append_chunk(std::string& out, std::string_view data);
/// Appends the last chunk and the end of the (empty) trailer section.
inline void append_last_chunk(std::string& out) { out += "0\r\n\r\n"; }

/// The interim answer to `Expect: 100-continue`.
inline constexpr std::string_view continue_response = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace http
