#pragma once
/// kv::resp_parser: an incremental parser of Redis requests, both RESP2 multibulk
/// (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and inline (`GET k\r\n`, with sdssplitargs quoting).
///
/// The parser reads one request at a time from the unconsumed bytes of a connection's input buffer.
/// It remembers how far it got, as offsets, so a request arriving in many small reads is scanned
/// once, and the buffer may grow (move) between calls as long as the bytes already seen stay in place.
///
/// Errors (parse_status::protocol_error; error() has the text Redis sends after "ERR "):
/// - "Protocol error: invalid multibulk length": a count that is not an integer or above max_arguments;
/// - "Protocol error: invalid bulk length": not an integer, negative, or above max_bulk_length;
/// - "Protocol error: expected '$', got 'X'";
/// - "Protocol error: too big mbulk count string" / "too big bulk count string" / "too big inline
///   request": a header line or inline request longer than max_inline_length without its newline;
/// - "Protocol error: unbalanced quotes in request" (inline);
/// - "Protocol error: request too big": a request larger than max_request_length.
/// After an error the connection is beyond repair (Redis closes it too); reset() is still allowed.
/// Notes:
/// - `*0`, `*-1` and empty inline lines are requests with no arguments: the caller skips them.
/// - Limits bound the memory one request can pin: nothing is allocated ahead of the bytes that arrive.
///
/// Example (compiled in tests/e2e/kv/resp_parser_test.cpp):
///   kv::resp_parser parser;
///   if (parser.parse(buffer) == kv::parse_status::complete) {
///     run(parser.arguments());
///     buffer.erase(0, parser.consumed());
///     parser.reset();
///   }

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kv {

/// Bounds on what one request may hold.
struct request_limits {
  std::size_t max_bulk_length = 32u << 20;    // one argument (Redis: proto-max-bulk-len, 512 MiB)
  std::size_t max_arguments = 1u << 20;       // arguments of one request (Redis: INT_MAX)
  std::size_t max_inline_length = 64u << 10;  // an inline request or a header line (as Redis)
  std::size_t max_request_length = 64u << 20; // all bytes of one request
};

enum class parse_status : std::uint8_t { complete, incomplete, protocol_error };

class resp_parser {
 public:
  explicit resp_parser(request_limits limits = {}) : limits_(limits) {}

  /// Continues parsing the request at the start of `input` (the unconsumed bytes, which must begin
  /// with what earlier calls saw). complete: arguments() and consumed() describe it.
  parse_status parse(std::string_view input);

  /// The request's arguments; valid after `complete` until `input` changes or reset().
  std::span<const std::string_view> arguments() const { return views_; }
  /// Bytes of `input` the complete request occupies.
  std::size_t consumed() const { return cursor_; }
  /// The error text after protocol_error (without the "ERR " prefix).
  std::string_view error() const { return error_; }
  /// While incomplete: the bytes the request needs at least, from its start, once a bulk length
  /// says so (the header, the arguments so far, this one and its CRLF); 0 when not known.
  std::size_t bytes_needed() const {
    return mode_ == mode::multibulk && bulk_length_ >= 0 ? cursor_ + static_cast<std::size_t>(bulk_length_) + 2 : 0;
  }
  /// Gets ready for the next request.
  void reset();

 private:
  enum class mode : std::uint8_t { unknown, multibulk, inline_request };
  struct span_offset {
    std::size_t offset;
    std::size_t length;
  };

  parse_status parse_multibulk(std::string_view input);
  parse_status parse_inline(std::string_view input);
  parse_status fail(std::string message);

  request_limits limits_;
  mode mode_ = mode::unknown;
  std::size_t cursor_ = 0;            // next byte to look at, from the request's start
  std::int64_t expected_args_ = -1;   // from the `*N` header, -1 before it
  std::int64_t bulk_length_ = -1;     // the `$N` being waited for, -1 between arguments
  std::vector<span_offset> offsets_;  // multibulk arguments found so far
  std::vector<std::string> inline_args_;
  std::vector<std::string_view> views_;
  std::string error_;
};

/// Redis's string2ll: a strict decimal integer (no spaces, no '+', no leading zeros), fitting int64.
bool parse_int64(std::string_view text, std::int64_t& out);

/// Redis's sdssplitargs: splits an inline request into arguments, honouring "double quotes" with
/// \n \r \t \b \a \\ \" \xHH escapes and 'single quotes' with \'. False on unbalanced quotes.
bool split_inline_arguments(std::string_view line, std::vector<std::string>& out);

}  // namespace kv
