#pragma once
/// http_connection: one client's HTTP/1.1 conversation, without I/O. Bytes go in through feed();
/// responses, in request order, collect in output() for the caller to write in one go.
///
/// Parsing is llhttp's. The connection pauses llhttp after each head and each message, which gives
/// exact head sizes (for the 431 limit), lets it refuse a declared body before it arrives (413), and
/// lets it stop between two pipelined requests when enough output is waiting (back-pressure).
///
/// Limits (server_config) and what the peer sees:
/// - head over max_head_bytes: 431, then close;
/// - body over max_body_bytes (declared by Content-Length, or counted while chunks arrive): 413, then close;
/// - anything llhttp rejects: 400, then close;
/// - on_timeout() during a request: 408, then close; between requests: close without a word.
/// `Expect: 100-continue` gets an interim 100 when the declared body is within the limit.
///
/// Notes: the caller owns time. It reads phase() and request_count() after each feed() to know which
/// deadline applies (server_config: head_timeout while a head arrives, idle_timeout otherwise) and calls
/// on_timeout() when it passes. After phase() becomes closing, the caller writes what output() holds,
/// then closes; feed() consumes and ignores everything from then on.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <string>

#include "http_date.hpp"
#include "llhttp.h"
#include "router.hpp"
#include "server_config.hpp"
#include "server_stats.hpp"
#include "static_files.hpp"

namespace http {

/// What a connection shares with all others: the limits, the counters, the current Date, and the
/// static file mounts (none: nullptr).
struct server_context {
  const server_config& config;
  server_stats& stats;
  const http_date& date;
  static_files* statics = nullptr;
};

/// A response body still to be sent from an open file, after output(): [offset, offset + remaining).
struct file_body {
  std::unique_ptr<static_file> file;
  std::uint64_t offset = 0;
  std::uint64_t remaining = 0;
};

enum class connection_phase : unsigned char {
  idle,     // between requests: nothing of the next one has arrived
  head,     // part of a request head has arrived
  body,     // the head is complete, the body is arriving
  closing,  // no more requests: write output(), then close
};

class http_connection {
 public:
  /// Output this large stops feed() between two requests until the caller has written it.
  static constexpr std::size_t output_high_water = 64 * 1024;

  explicit http_connection(server_context& context);
  // Lifetime: llhttp keeps a pointer to this object (parser_.data), so it never moves.
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;

  /// Parses `input` and appends the responses of every request it completes to output().
  /// Returns how many bytes were consumed: all of them, except when output() reached
  /// output_high_water between two requests (feed the rest after writing the output).
  std::size_t feed(std::string_view input);

  /// A deadline passed: 408 if a request was under way, then closing either way.
  void on_timeout();

  /// The peer will send nothing more (a read returned 0). Requests it completed are already answered;
  /// a partial one is dropped without a response, since nobody would send the rest of it.
  void on_peer_closed();

  /// Bytes ready to be written, in request order. The caller erases what it wrote.
  std::string& output() { return output_; }
  /// A file body to send right after output() (a static file longer than static_files::inline_limit);
  /// nullptr when there is none. feed() takes no further request until file_sent() is called.
  file_body* pending_file() { return file_body_.file ? &file_body_ : nullptr; }
  void file_sent() { file_body_ = file_body{}; }
  connection_phase phase() const { return phase_; }
  /// How many requests have begun; a change tells the caller a new head started (its deadline restarts).
  std::uint64_t request_count() const { return requests_begun_; }

 private:
  enum class pause_reason : unsigned char { none, headers_complete, message_complete };
  // The request headers kept (by index into headers_): Expect, and what static files read.
  struct header {
    enum : int { expect, if_none_match, if_modified_since, range, if_range };
  };
  static constexpr int header_count = 5;

  static const llhttp_settings_t& settings();
  static http_connection& of(llhttp_t* parser);

  void begin_message();
  void on_headers_done();
  void on_message_done();
  /// Answers with `code`, counts `kind`, and closes after it.
  void fail(status code, error_kind kind);
  framing framing_for(bool close) const;

  server_context& context_;
  llhttp_t parser_;
  connection_phase phase_ = connection_phase::idle;
  pause_reason paused_ = pause_reason::none;
  std::uint64_t requests_begun_ = 0;

  // The request under way.
  std::size_t head_bytes_ = 0;
  std::string target_;
  std::string header_field_;   // only as long as needed to recognise a kept field
  std::string header_value_;   // only for a kept field
  std::string headers_[header_count];  // the kept fields' values (empty: absent)
  int kept_field_ = -1;        // the header field being read is headers_[kept_field_]
  bool field_too_long_ = false;
  bool value_too_long_ = false;
  bool expects_continue_ = false;
  bool keeps_body_ = false;
  bool body_too_large_ = false;
  std::size_t body_bytes_ = 0;
  std::string body_;
  bool keep_alive_ = false;

  std::string stats_scratch_;
  std::string output_;
  file_body file_body_;
};

}  // namespace http
