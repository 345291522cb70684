#include "router.hpp"

namespace http {
namespace {

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

response method_not_allowed(std::string_view allow) {
  return {status::method_not_allowed, "text/plain", "Method Not Allowed\n", allow};
}

}  // namespace

bool wants_body(method m, std::string_view target) { return m == method::post && path_of(target) == "/echo"; }

response route(method m, std::string_view target, std::string_view body, const server_stats& stats,
               std::string& scratch) {
  const std::string_view path = path_of(target);
  const bool get_or_head = m == method::get || m == method::head;
  if (path == "/") {
    if (!get_or_head) return method_not_allowed("GET, HEAD");
    return {status::ok, "text/plain", "Hello, World!", {}};
  }
  if (path == "/echo") {
    if (m != method::post) return method_not_allowed("POST");
    return {status::ok, "application/octet-stream", body, {}};
  }
  if (path == "/stats") {
    if (!get_or_head) return method_not_allowed("GET, HEAD");
    scratch = stats.to_json();
    return {status::ok, "application/json", scratch, {}};
  }
  return {status::not_found, "text/plain", "Not Found\n", {}};
}

}  // namespace http
