// Frames in, JSON lines and counters out.
#include "json_sink.hpp"

namespace syslog {

void json_sink::on_frame(std::string_view frame) {
  if (std::string_view error = parse_message(frame, scratch_); !error.empty()) {
    on_malformed_frame(error);
    return;
  }
  append_json(scratch_, out_);
  ++stats_.messages;
  ++(scratch_.format == message_format::rfc5424 ? stats_.rfc5424 : stats_.rfc3164);
}

void json_sink::on_malformed_frame(std::string_view reason) {
  ++stats_.malformed;
  last_error_.assign(reason);
}

std::string format_summary(const receiver_stats& s) {
  return "syslog: summary: connections=" + std::to_string(s.connections) + " messages=" + std::to_string(s.messages) +
         " rfc5424=" + std::to_string(s.rfc5424) + " rfc3164=" + std::to_string(s.rfc3164) +
         " malformed=" + std::to_string(s.malformed) + " bytes=" + std::to_string(s.bytes) +
         " refused=" + std::to_string(s.refused) + " timed_out=" + std::to_string(s.timed_out);
}

}  // namespace syslog
