#pragma once
/// http_connection: one client's HTTP/1.1 conversation, without I/O. Bytes go in through feed();
/// responses, in request order, collect in output() for the caller to write.
///
/// Parsing is llhttp's (built in its strict mode); request_validator adds the RFC 9112 rules
/// llhttp 8.1 does not check. The connection pauses llhttp after each head and each message, which
/// gives exact head sizes (for the 431 limit), lets it refuse a declared body before it arrives
/// (413), and lets it stop between two pipelined requests when enough output is waiting.
///
/// Limits (server_config) and what the peer sees:
/// - more than max_leading_bytes of CR/LF before a request line: 400, then close;
/// - head over max_head_bytes: 431, then close;
/// - body over max_body_bytes (declared by Content-Length, or counted while chunks arrive): 413, then close;
/// - a chunk-size line (the CRLF ending the previous chunk, size digits and extensions) over
///   max_chunk_line_bytes: 400, then close (leading zeros and extensions cannot grow without bound);
/// - the last chunk's line and the trailer section over max_chunk_line_bytes + max_head_bytes: 431;
/// - anything llhttp or request_validator rejects: 400 (505 for HTTP/2.0 and other major versions);
/// - on_timeout() during a request: 408, then close; between requests: close without a word.
/// Static files (server_context::statics): GET and HEAD of a path a mount covers are answered by
/// static_files; a body longer than its inline limit is left in pending_file() for the caller to
/// stream after output(), and no further request is parsed until file_sent().
/// Once POST /echo has started streaming its response (below), a later error cannot be answered:
/// the connection closes with the response cut short (counted as the error it was, aborted() true).
///
/// POST /echo streams: the body is held until it passes echo_hold_bytes; a body completing before
/// that is answered with Content-Length as any response. A longer one starts the response at that
/// point (`Content-Length` for a Content-Length request, `Transfer-Encoding: chunked` for a chunked
/// one) and passes each later piece of body straight to output(). Parsing pauses whenever output()
/// reaches output_high_water, mid-body too, so memory per connection stays bounded whatever the
/// body's size, and a client that does not read its echo stops being read (backpressure).
/// `Expect: 100-continue` gets an interim 100 when the declared body is within the limit.
///
/// Notes: the caller owns time. It reads phase() and phase_changes() after each feed() to know
/// which deadline applies (server_config: idle_timeout while idle, head_timeout from the first byte
/// of a request, including CR/LF before its request line, body_timeout from the end of its head)
/// and calls on_timeout() when it passes. After phase() becomes closing, the caller writes what
/// output() holds, then closes; feed() consumes and ignores everything from then on.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http_date.hpp"
#include "llhttp.h"
#include "request_validator.hpp"
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
  head,     // part of a request (its head, or empty lines before it) has arrived
  body,     // the head is complete, the body is arriving
  closing,  // no more requests: write output(), then close
};

class http_connection {
 public:
  /// Output this large stops feed() until the caller has written it.
  static constexpr std::size_t output_high_water = http::output_high_water;
  static constexpr std::size_t echo_hold_bytes = http::echo_hold_bytes;
  static constexpr std::size_t max_leading_bytes = 64;
  static constexpr std::size_t max_chunk_line_bytes = 4096;

  explicit http_connection(server_context& context);
  // Lifetime: llhttp keeps a pointer to this object (parser_.data), so it never moves.
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;

  /// Parses `input` and appends the responses of every request it completes (and the streamed
  /// part of an echo) to output(). Returns how many bytes were consumed: all of them, except when
  /// output() reached output_high_water (feed the rest after writing the output).
  std::size_t feed(std::string_view input);

  /// A deadline passed: 408 if a request was under way, then closing either way.
  void on_timeout();

  /// The server is shutting down (rt::service): the response to the last request fed so far says
  /// `Connection: close` and the connection closes after it. Requests already fed are all answered.
  /// The caller closes an idle connection with nothing left to feed without a word.
  void drain() { draining_ = true; }
  bool draining() const { return draining_; }

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
  /// Counts phase changes: a change tells the caller a new deadline applies.
  std::uint64_t phase_changes() const { return phase_changes_; }
  /// True when the connection closed in the middle of a streamed response.
  bool aborted() const { return aborted_; }

  /// Between requests, with output() written: gives back the capacity the last request grew
  /// (output, held body, target), so an idle keep-alive connection holds no large buffer.
  void release_idle_buffers();

 private:
  enum class pause_reason : unsigned char { none, headers_complete, message_complete, output_full };
  // The request headers kept (by index into headers_): Expect, and what static files read.
  struct header {
    enum : int { expect, if_none_match, if_modified_since, range, if_range };
  };
  static constexpr int header_count = 5;

  static const llhttp_settings_t& settings();
  static http_connection& of(llhttp_t* parser);

  void set_phase(connection_phase p);
  void begin_request();
  void on_headers_done();
  void on_message_done();
  /// A piece of body (llhttp's on_body). Returns an llhttp callback result.
  int on_body(const char* at, std::size_t size);
  /// Chunked framing bytes (everything of a chunked body but its data); false when over a limit.
  bool on_framing(const char* from, const char* to);
  void echo(std::string_view data);
  /// Answers with `code`, counts `kind`, and closes after it (or cuts a streamed response short).
  void fail(status code, error_kind kind);
  /// A callback found an error: fail() with it once llhttp returns.
  int fail_later(status code, error_kind kind);
  framing framing_for(bool close) const;

  server_context& context_;
  llhttp_t parser_;
  request_validator rules_;
  connection_phase phase_ = connection_phase::idle;
  pause_reason paused_ = pause_reason::none;
  std::uint64_t phase_changes_ = 0;
  bool draining_ = false;
  bool more_input_ = false;  // while on_message_done runs: bytes after this request in the same feed
  bool aborted_ = false;

  // The request under way.
  bool message_begun_ = false;  // llhttp saw its first byte past any empty lines
  std::size_t leading_bytes_ = 0;
  std::size_t head_bytes_ = 0;
  std::string target_;
  std::string header_field_;   // only as long as needed to recognise a kept field
  std::string header_value_;   // only for a kept field
  std::string headers_[header_count];  // the kept fields' values (empty: absent)
  int kept_field_ = -1;        // the header field being read is headers_[kept_field_]
  bool field_too_long_ = false;
  bool value_too_long_ = false;
  bool expects_continue_ = false;
  bool chunked_ = false;
  bool in_trailers_ = false;
  std::uint64_t declared_length_ = 0;
  std::uint64_t body_bytes_ = 0;
  bool keep_alive_ = false;
  status pending_status_ = status::ok;  // set by fail_later
  error_kind pending_kind_ = error_kind::bad_request;

  // Chunked framing: where the bytes not yet accounted for start in the current llhttp input, and
  // the length of the current run of framing bytes between two pieces of data.
  const char* framing_from_ = nullptr;
  std::size_t framing_run_ = 0;

  // POST /echo.
  bool echo_ = false;
  bool echo_started_ = false;  // the response head is out; body pieces follow
  bool echo_close_ = false;    // what that head said about the connection
  std::string held_;

  std::string stats_scratch_;
  std::string output_;
  file_body file_body_;
};

}  // namespace http
