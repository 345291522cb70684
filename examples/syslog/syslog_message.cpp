// RFC 5424 (strict, as its ABNF) and RFC 3164 (lenient, as relays read it) parsers, and JSON output.
#include "syslog_message.hpp"

#include <array>
#include <charconv>

namespace syslog {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_print(char c) { return c >= 33 && c <= 126; }

// Reads "<PRI>" at the start of `in`; advances past it.
std::string_view parse_pri(std::string_view& in, syslog_message& out) {
  if (in.empty() || in[0] != '<') return "missing PRI";
  std::size_t i = 1;
  int value = 0;
  while (i < in.size() && i <= 4 && is_digit(in[i])) value = value * 10 + (in[i++] - '0');
  const std::size_t digits = i - 1;
  if (digits == 0 || digits > 3 || i >= in.size() || in[i] != '>') return "bad PRI";
  if ((digits > 1 && in[1] == '0') || value > 191) return "bad PRI";
  out.facility = value / 8;
  out.severity = value % 8;
  in.remove_prefix(i + 1);
  return {};
}

// The next SP-delimited field of an RFC 5424 header; "-" is the NILVALUE.
bool header_field(std::string_view& in, std::size_t max_length, std::optional<std::string_view>& field) {
  const std::size_t end = in.find(' ');
  if (end == std::string_view::npos || end == 0 || end > max_length) return false;
  const std::string_view value = in.substr(0, end);
  for (char c : value)
    if (!is_print(c)) return false;
  field = value == "-" ? std::nullopt : std::optional(value);
  in.remove_prefix(end + 1);
  return true;
}

bool digits_at(std::string_view s, std::size_t at, std::size_t count, int low, int high) {
  if (at + count > s.size()) return false;
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (!is_digit(s[i])) return false;
    value = value * 10 + (s[i] - '0');
  }
  return value >= low && value <= high;
}

// FULL-DATE "T" FULL-TIME: 2003-10-11T22:14:15.003Z, 2003-08-24T05:14:15.000003-07:00.
bool valid_rfc5424_timestamp(std::string_view t) {
  if (!(digits_at(t, 0, 4, 0, 9999) && t.size() > 19 && t[4] == '-' && digits_at(t, 5, 2, 1, 12) && t[7] == '-' &&
        digits_at(t, 8, 2, 1, 31) && t[10] == 'T' && digits_at(t, 11, 2, 0, 23) && t[13] == ':' &&
        digits_at(t, 14, 2, 0, 59) && t[16] == ':' && digits_at(t, 17, 2, 0, 60)))
    return false;
  std::size_t i = 19;
  if (t[i] == '.') {
    const std::size_t start = ++i;
    while (i < t.size() && is_digit(t[i])) ++i;
    if (i == start || i - start > 6) return false;
  }
  if (i == t.size() - 1) return t[i] == 'Z';
  return i + 6 == t.size() && (t[i] == '+' || t[i] == '-') && digits_at(t, i + 1, 2, 0, 23) && t[i + 3] == ':' &&
         digits_at(t, i + 4, 2, 0, 59);
}

bool sd_name_char(char c) { return is_print(c) && c != '=' && c != ']' && c != '"'; }

// "-" or one or more [SD-ID *(SP PARAM-NAME="PARAM-VALUE")]; advances past it.
bool parse_structured_data(std::string_view& in, std::vector<sd_element>& out) {
  if (!in.empty() && in[0] == '-') {
    in.remove_prefix(1);
    return true;
  }
  if (in.empty() || in[0] != '[') return false;
  while (!in.empty() && in[0] == '[') {
    std::size_t i = 1;
    while (i < in.size() && sd_name_char(in[i]) && in[i] != ' ') ++i;
    if (i == 1 || i - 1 > 32 || i >= in.size()) return false;
    sd_element element{in.substr(1, i - 1), {}};
    while (i < in.size() && in[i] == ' ') {
      const std::size_t name_start = ++i;
      while (i < in.size() && sd_name_char(in[i]) && in[i] != ' ') ++i;
      if (i == name_start || i - name_start > 32 || i + 1 >= in.size() || in[i] != '=' || in[i + 1] != '"')
        return false;
      const std::string_view name = in.substr(name_start, i - name_start);
      i += 2;
      std::string value;
      for (;;) {
        if (i >= in.size()) return false;
        const char c = in[i];
        if (c == '"') break;
        // Only \" \\ \] are escapes; any other backslash is kept as is (RFC 5424 6.3.3).
        if (c == '\\' && i + 1 < in.size() && (in[i + 1] == '"' || in[i + 1] == '\\' || in[i + 1] == ']')) {
          value.push_back(in[i + 1]);
          i += 2;
          continue;
        }
        value.push_back(c);
        ++i;
      }
      ++i;  // the closing quote
      element.params.emplace_back(name, std::move(value));
    }
    if (i >= in.size() || in[i] != ']') return false;
    out.push_back(std::move(element));
    in.remove_prefix(i + 1);
  }
  return true;
}

std::string_view parse_rfc5424(std::string_view in, syslog_message& out) {
  out.format = message_format::rfc5424;
  std::size_t i = 0;
  while (i < in.size() && i < 3 && is_digit(in[i])) ++i;
  if (i == 0 || i > 2 || in[0] == '0' || i >= in.size() || in[i] != ' ') return "bad VERSION";
  out.version = in[0] - '0';
  if (i == 2) out.version = out.version * 10 + (in[1] - '0');
  in.remove_prefix(i + 1);
  if (!header_field(in, 64, out.timestamp) || (out.timestamp && !valid_rfc5424_timestamp(*out.timestamp)))
    return "bad TIMESTAMP";
  if (!header_field(in, 255, out.hostname)) return "bad HOSTNAME";
  if (!header_field(in, 48, out.app_name)) return "bad APP-NAME";
  if (!header_field(in, 128, out.procid)) return "bad PROCID";
  if (!header_field(in, 32, out.msgid)) return "bad MSGID";
  if (!parse_structured_data(in, out.structured_data)) return "bad STRUCTURED-DATA";
  if (in.empty()) return {};
  if (in[0] != ' ') return "missing SP";
  in.remove_prefix(1);
  if (in.substr(0, 3) == "\xEF\xBB\xBF") in.remove_prefix(3);
  out.message = in;
  return {};
}

// "Mmm dd hh:mm:ss" with dd space-padded, as RFC 3164 4.1.2 writes it.
bool valid_rfc3164_timestamp(std::string_view t) {
  static constexpr std::array<std::string_view, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (t.size() != 15) return false;
  bool month = false;
  for (std::string_view m : months) month = month || t.substr(0, 3) == m;
  const bool day = (t[4] == ' ' && digits_at(t, 5, 1, 1, 9)) || digits_at(t, 4, 2, 1, 31);
  return month && t[3] == ' ' && day && t[6] == ' ' && digits_at(t, 7, 2, 0, 23) && t[9] == ':' &&
         digits_at(t, 10, 2, 0, 59) && t[12] == ':' && digits_at(t, 13, 2, 0, 60);
}

void parse_rfc3164(std::string_view in, syslog_message& out) {
  out.format = message_format::rfc3164;
  if (in.size() >= 16 && valid_rfc3164_timestamp(in.substr(0, 15)) && in[15] == ' ') {
    out.timestamp = in.substr(0, 15);
    in.remove_prefix(16);
    // The HOSTNAME, unless the first word is already the TAG ("tag:" or "tag[pid]").
    const std::size_t end = in.find(' ');
    const std::string_view word = in.substr(0, end);
    if (end != std::string_view::npos && !word.empty() && word.back() != ':' && word.find('[') == std::string_view::npos) {
      out.hostname = word;
      in.remove_prefix(end + 1);
    }
  }
  // TAG: up to 32 printable characters other than ':', '[' and SP, then an optional [PID] and ':'.
  std::size_t i = 0;
  while (i < in.size() && i < 32 && is_print(in[i]) && in[i] != ':' && in[i] != '[') ++i;
  std::size_t j = i;
  std::optional<std::string_view> procid;
  if (j < in.size() && in[j] == '[') {
    const std::size_t close = in.find(']', j);
    if (close != std::string_view::npos && close - j - 1 <= 128) {
      procid = in.substr(j + 1, close - j - 1);
      j = close + 1;
    }
  }
  if (i > 0 && j < in.size() && in[j] == ':') {
    out.app_name = in.substr(0, i);
    out.procid = procid;
    in.remove_prefix(j + 1);
    if (!in.empty() && in[0] == ' ') in.remove_prefix(1);
  }
  out.message = in;
}

// Length of the valid UTF-8 sequence at s[i], or 0 if it is not one.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n = 0;
  unsigned char low = 0x80, high = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) { n = 3; if (c == 0xE0) low = 0xA0; if (c == 0xED) high = 0x9F; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 4; if (c == 0xF0) low = 0x90; if (c == 0xF4) high = 0x8F; }
  else return 0;
  if (i + n > s.size()) return 0;
  if (b(i + 1) < low || b(i + 1) > high) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  return n;
}

void append_optional(std::string_view key, const std::optional<std::string_view>& value, std::string& out) {
  out += ",\"";
  out += key;
  out += "\":";
  if (value) append_json_string(*value, out);
  else out += "null";
}

}  // namespace

std::string_view parse_message(std::string_view frame, syslog_message& out) {
  out = syslog_message{};
  if (std::string_view error = parse_pri(frame, out); !error.empty()) return error;
  std::size_t digits = 0;
  while (digits < frame.size() && is_digit(frame[digits])) ++digits;
  if (digits > 0 && digits < frame.size() && frame[digits] == ' ') return parse_rfc5424(frame, out);
  parse_rfc3164(frame, out);
  return {};
}

void append_json_string(std::string_view text, std::string& out) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence(text, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

void append_json(const syslog_message& m, std::string& out) {
  out += m.format == message_format::rfc5424 ? "{\"format\":\"rfc5424\"" : "{\"format\":\"rfc3164\"";
  char number[16];
  auto append_int = [&](std::string_view key, int value) {
    out += ",\"";
    out += key;
    out += "\":";
    out.append(number, static_cast<std::size_t>(std::to_chars(number, number + sizeof number, value).ptr - number));
  };
  append_int("facility", m.facility);
  append_int("severity", m.severity);
  if (m.format == message_format::rfc5424) append_int("version", m.version);
  append_optional("timestamp", m.timestamp, out);
  append_optional("hostname", m.hostname, out);
  append_optional("app_name", m.app_name, out);
  append_optional("procid", m.procid, out);
  if (m.format == message_format::rfc5424) {
    append_optional("msgid", m.msgid, out);
    out += ",\"structured_data\":[";
    for (std::size_t e = 0; e < m.structured_data.size(); ++e) {
      if (e > 0) out.push_back(',');
      out += "{\"id\":";
      append_json_string(m.structured_data[e].id, out);
      out += ",\"params\":[";
      for (std::size_t p = 0; p < m.structured_data[e].params.size(); ++p) {
        if (p > 0) out.push_back(',');
        out.push_back('[');
        append_json_string(m.structured_data[e].params[p].first, out);
        out.push_back(',');
        append_json_string(m.structured_data[e].params[p].second, out);
        out.push_back(']');
      }
      out += "]}";
    }
    out += ']';
  }
  out += ",\"message\":";
  append_json_string(m.message, out);
  out += "}\n";
}

}  // namespace syslog
