#pragma once
/// server_stats: the counters `GET /stats` reports, kept by the connections and the acceptor.
///
/// Notes: one runtime thread owns them (the server is single-threaded), so they are plain integers.

#include <cstdint>
#include <string>

namespace http {

/// Why a request or connection ended in an error; one counter each.
enum class error_kind : std::uint8_t {
  bad_request,         // 400: llhttp or request_validator rejected the request (then the connection closes)
  not_found,           // 404
  method_not_allowed,  // 405
  request_timeout,     // 408: the head (or a body) arrived too slowly (then the connection closes)
  body_too_large,      // 413 (then the connection closes)
  head_too_large,      // 431 (then the connection closes)
  over_capacity,       // 503: a client beyond the connection limit (then the connection closes)
  io,                  // a read or write failed (reset peer, broken pipe)
  version_not_supported,  // 505: HTTP/2.0 and other major versions (then the connection closes)
};
inline constexpr int error_kind_count = 9;

/// The JSON key of `kind` ("bad_request", ...).
const char* name(error_kind kind);

/// Static file serving (static_files.hpp): responses by kind, and body bytes actually sent.
struct static_counters {
  std::uint64_t hits = 0;             // 200 and 206 responses with a file
  std::uint64_t not_modified = 0;     // 304
  std::uint64_t partial = 0;          // 206 (also counted in hits)
  std::uint64_t not_satisfiable = 0;  // 416
  std::uint64_t redirects = 0;        // 301 to a directory's slash
  std::uint64_t refused = 0;          // 400, 403, 404 from static serving (bad paths, links, missing files)
  std::uint64_t truncated = 0;        // a file shrank while it was sent: the connection was closed early
  std::uint64_t bytes_sent = 0;       // file body bytes written to clients
};

struct server_stats {
  std::uint64_t connections_open = 0;   // counted at accept, before the connection's task runs
  std::uint64_t connections_total = 0;
  std::uint64_t connections_peak = 0;   // the most connections_open has been
  std::uint64_t refusing_peak = 0;      // the most 503 refusals in progress at once
  std::uint64_t refused_silently = 0;   // over the limit while max_refusing refusals ran: closed without a 503
  std::uint64_t requests = 0;          // requests parsed to their end and answered
  std::uint64_t idle_closed = 0;       // keep-alive connections closed for idleness (not an error)
  std::uint64_t errors[error_kind_count] = {};
  static_counters statics;

  void count(error_kind kind) { ++errors[static_cast<int>(kind)]; }
  std::uint64_t count_of(error_kind kind) const { return errors[static_cast<int>(kind)]; }

  /// {"connections":{"open":N,"total":N,"peak":N},"refusals":{"peak":N,"silent":N},"requests":N,
  ///  "idle_closed":N,"errors":{"bad_request":N,...},"static":{"hits":N,"not_modified":N,"partial":N,
  ///  "not_satisfiable":N,"redirects":N,"refused":N,"truncated":N,"bytes_sent":N}}
  std::string to_json() const;
};

}  // namespace http
