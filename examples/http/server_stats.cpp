#include "server_stats.hpp"

#include <charconv>
#include <utility>

namespace http {
namespace {

void append_number(std::string& out, std::uint64_t value) {
  char digits[20];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

}  // namespace

const char* name(error_kind kind) {
  switch (kind) {
    case error_kind::bad_request: return "bad_request";
    case error_kind::not_found: return "not_found";
    case error_kind::method_not_allowed: return "method_not_allowed";
    case error_kind::request_timeout: return "request_timeout";
    case error_kind::body_too_large: return "body_too_large";
    case error_kind::head_too_large: return "head_too_large";
    case error_kind::over_capacity: return "over_capacity";
    case error_kind::io: return "io";
    case error_kind::version_not_supported: return "version_not_supported";
  }
  return "unknown";
}

std::string server_stats::to_json() const {
  std::string out;
  out.reserve(320);
  out += "{\"connections\":{\"open\":";
  append_number(out, connections_open);
  out += ",\"total\":";
  append_number(out, connections_total);
  out += ",\"peak\":";
  append_number(out, connections_peak);
  out += "},\"refusals\":{\"peak\":";
  append_number(out, refusing_peak);
  out += ",\"silent\":";
  append_number(out, refused_silently);
  out += "},\"requests\":";
  append_number(out, requests);
  out += ",\"idle_closed\":";
  append_number(out, idle_closed);
  out += ",\"errors\":{";
  for (int i = 0; i < error_kind_count; ++i) {
    if (i != 0) out += ',';
    out += '"';
    out += name(static_cast<error_kind>(i));
    out += "\":";
    append_number(out, errors[i]);
  }
  const std::pair<const char*, std::uint64_t> statics_fields[] = {
      {"hits", statics.hits}, {"not_modified", statics.not_modified}, {"partial", statics.partial},
      {"not_satisfiable", statics.not_satisfiable}, {"redirects", statics.redirects},
      {"refused", statics.refused}, {"truncated", statics.truncated}, {"bytes_sent", statics.bytes_sent}};
  out += "},\"static\":{";
  for (const auto& [key, value] : statics_fields) {
    if (key != statics_fields[0].first) out += ',';
    out += '"';
    out += key;
    out += "\":";
    append_number(out, value);
  }
  out += "}}\n";
  return out;
}

}  // namespace http
