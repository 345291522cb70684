#pragma once
/// syslog::json_sink: turns decoded frames into JSON lines and counts what it saw.
///
/// One sink serves every connection: its output buffer is the single queue of lines waiting for
/// stdout, in the order messages completed.
///
/// Example (compiled in tests/e2e/syslog/json_sink_test.cpp):
///   syslog::receiver_stats stats;
///   std::string lines;
///   syslog::json_sink sink(lines, stats);
///   decoder.feed(bytes, sink);   // lines gets one JSON object per message

#include <cstdint>
#include <string>
#include <string_view>

#include "frame_decoder.hpp"
#include "syslog_message.hpp"

namespace syslog {

struct receiver_stats {
  std::uint64_t connections = 0;
  std::uint64_t messages = 0;   // parsed and written out
  std::uint64_t rfc5424 = 0;
  std::uint64_t rfc3164 = 0;
  std::uint64_t malformed = 0;  // bad frames plus frames that did not parse
  std::uint64_t bytes = 0;      // received from clients
  std::uint64_t refused = 0;    // connections closed at once: max_connections were open
  std::uint64_t timed_out = 0;  // connections closed by the idle or the frame deadline
};

class json_sink final : public frame_sink {
 public:
  json_sink(std::string& out, receiver_stats& stats) : out_(out), stats_(stats) {}
  void on_frame(std::string_view frame) override;
  void on_malformed_frame(std::string_view reason) override;
  /// The reason the latest malformed frame was rejected (for a diagnostic line).
  std::string_view last_error() const { return last_error_; }

 private:
  std::string& out_;
  receiver_stats& stats_;
  syslog_message scratch_;
  std::string last_error_;
};

/// "syslog: summary: connections=N messages=N rfc5424=N rfc3164=N malformed=N bytes=N refused=N timed_out=N".
std::string format_summary(const receiver_stats& stats);

}  // namespace syslog
