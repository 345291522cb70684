// Parsing of the receiver's --output options.
#include "output_options.hpp"

#include <charconv>
#include <cstdint>

namespace syslog {
namespace {

bool number_in(std::string_view text, std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size() && out >= min && out <= max;
}

}  // namespace

bool take_output_option(std::string_view flag, std::string_view value, output_request& out, std::string& error) {
  error.clear();
  file_sink_options& o = out.options;
  struct numeric {
    std::string_view flag;
    std::uint64_t min, max;
  };
  static constexpr numeric numerics[] = {
      {"--flush-ms", 1, 3'600'000},          {"--flush-bytes", 1, 16u << 20}, {"--fsync-ms", 1, 3'600'000},
      {"--rotate-bytes", 0, std::uint64_t{1} << 50}, {"--rotate-keep", 0, 1000}, {"--buffer-bytes", 64u << 10, 1u << 30},
  };
  if (flag == "--output") {
    if (value.empty()) {
      error = "--output needs a guest path";
      return true;
    }
    out.wanted = true;
    o.path = std::string(value);
    return true;
  }
  if (flag == "--fsync") {
    out.tuned = true;
    if (value == "never") o.fsync = fsync_policy::never;
    else if (value == "always") o.fsync = fsync_policy::always;
    else if (value == "interval") o.fsync = fsync_policy::interval;
    else error = "--fsync \"" + std::string(value) + "\": expected never, always or interval";
    return true;
  }
  for (const numeric& n : numerics) {
    if (flag != n.flag) continue;
    out.tuned = true;
    std::uint64_t v = 0;
    if (!number_in(value, n.min, n.max, v)) {
      error = std::string(flag) + " \"" + std::string(value) + "\": expected a decimal number from " +
              std::to_string(n.min) + " to " + std::to_string(n.max);
      return true;
    }
    if (flag == "--flush-ms") o.flush_interval = std::chrono::milliseconds(v);
    else if (flag == "--flush-bytes") o.flush_bytes = static_cast<std::size_t>(v);
    else if (flag == "--fsync-ms") o.fsync_interval = std::chrono::milliseconds(v);
    else if (flag == "--rotate-bytes") o.rotate_bytes = v;
    else if (flag == "--rotate-keep") o.rotate_keep = static_cast<unsigned>(v);
    else o.buffer_bytes = static_cast<std::size_t>(v);
    return true;
  }
  return false;
}

std::string_view output_usage() {
  return "  --output PATH        write JSON lines to PATH (a guest path in a pre-opened directory) instead of stdout\n"
         "  --flush-ms N         write waiting lines at least every N ms (default 500)\n"
         "  --flush-bytes N      and as soon as N bytes wait (default 65536)\n"
         "  --fsync POLICY       never | always (after every write batch) | interval (default)\n"
         "  --fsync-ms N         the interval policy's period (default 1000)\n"
         "  --rotate-bytes N     rotate PATH before it would pass N bytes (default 0: never)\n"
         "  --rotate-keep N      keep PATH.1 .. PATH.N (default 5; 0: remove PATH when rotating)\n"
         "  --buffer-bytes N     the bound on lines waiting for the file (default 8388608)\n";
}

}  // namespace syslog
