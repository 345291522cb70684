#pragma once
/// syslog::parse_message: one syslog message, RFC 5424 or RFC 3164 (BSD), into its fields.
///
/// A message is RFC 5424 when a version number and a space follow its PRI (`<13>1 ...`); anything
/// else with a valid PRI is read as RFC 3164, leniently, as relays do (RFC 3164 4.3): a missing or
/// unparseable TIMESTAMP leaves timestamp and hostname empty and the rest is the content.
///
/// Errors (parse_message returns the reason; the message counts as malformed):
/// - "missing PRI", "bad PRI" (not <0>..<191>, or leading zeros);
/// - RFC 5424: "bad VERSION", "bad TIMESTAMP", "bad HOSTNAME" / "bad APP-NAME" / "bad PROCID" /
///   "bad MSGID" (empty, too long, or bytes outside 33..126), "bad STRUCTURED-DATA", "missing SP".
/// Notes:
/// - Views point into the frame; structured-data values are unescaped copies (\" \\ \]).
/// - A UTF-8 BOM at the start of an RFC 5424 MSG is removed.
///
/// Example (compiled in tests/e2e/syslog/syslog_message_test.cpp):
///   syslog::syslog_message m;
///   if (auto error = syslog::parse_message("<13>1 - host app - - - hi", m); error.empty())
///     use(m.hostname, m.message);                    // "host", "hi"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace syslog {

enum class message_format : std::uint8_t { rfc5424, rfc3164 };

struct sd_element {
  std::string_view id;
  std::vector<std::pair<std::string_view, std::string>> params;  // name, unescaped value
};

struct syslog_message {
  message_format format = message_format::rfc3164;
  int facility = 0;  // PRI / 8
  int severity = 0;  // PRI % 8
  int version = 0;   // RFC 5424 only
  // Empty optionals are the NILVALUE "-" (RFC 5424) or a field RFC 3164 did not carry.
  std::optional<std::string_view> timestamp;
  std::optional<std::string_view> hostname;
  std::optional<std::string_view> app_name;  // RFC 3164: the TAG
  std::optional<std::string_view> procid;    // RFC 3164: the [pid] after the TAG
  std::optional<std::string_view> msgid;
  std::vector<sd_element> structured_data;
  std::string_view message;
};

/// Parses `frame` into `out` (cleared first). Returns an empty view on success, else the reason.
std::string_view parse_message(std::string_view frame, syslog_message& out);

/// Appends `m` as one JSON object and a LF to `out`. Bytes that are not valid UTF-8 become U+FFFD.
void append_json(const syslog_message& m, std::string& out);

/// Appends `text` as a JSON string literal (quotes included).
void append_json_string(std::string_view text, std::string& out);

}  // namespace syslog
