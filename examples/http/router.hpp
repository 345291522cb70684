#pragma once
/// The example's routes:
///   GET|HEAD /       200 "Hello, World!" (text/plain, 13 bytes)
///   POST /echo       200 with the request body (application/octet-stream)
///   GET|HEAD /stats  200 with server_stats as JSON
///   a known path with another method: 405 with Allow; any other path: 404.
/// The query string (from '?') is ignored for routing.

#include <string>
#include <string_view>

#include "response.hpp"
#include "server_stats.hpp"

namespace http {

enum class method : unsigned char { get, head, post, other };

/// True when `target` names POST /echo's path: only then does the connection keep the body.
bool wants_body(method m, std::string_view target);

/// Answers one request. `body` is the request body when wants_body() said so; the response may point
/// into it and into `scratch` (which holds the /stats JSON), so both must outlive the response.
response route(method m, std::string_view target, std::string_view body, const server_stats& stats,
               std::string& scratch);

}  // namespace http
