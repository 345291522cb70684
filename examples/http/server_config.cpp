#include "server_config.hpp"

#include <charconv>
#include <cstdint>

namespace http {
namespace {

struct setting {
  std::string_view argument;     // without the leading "--"
  const char* environment;
  std::uint64_t min;
  std::uint64_t max;
  std::string_view unit;
};

// Bounds keep a value meaningful: a head limit below a request line's size refuses everything, and
// a wasm32 guest cannot hold a body near 4 GiB.
constexpr setting settings[] = {
    {"max-head-bytes", "WASIO_HTTP_MAX_HEAD_BYTES", 256, 1u << 20, "bytes"},
    {"max-body-bytes", "WASIO_HTTP_MAX_BODY_BYTES", 0, 1u << 30, "bytes"},
    {"head-timeout-ms", "WASIO_HTTP_HEAD_TIMEOUT_MS", 1, 86'400'000, "ms"},
    {"idle-timeout-ms", "WASIO_HTTP_IDLE_TIMEOUT_MS", 1, 86'400'000, "ms"},
    {"max-connections", "WASIO_HTTP_MAX_CONNECTIONS", 1, 1u << 20, "connections"},
    {"body-timeout-ms", "WASIO_HTTP_BODY_TIMEOUT_MS", 1, 86'400'000, "ms"},
    {"send-timeout-ms", "WASIO_HTTP_SEND_TIMEOUT_MS", 1, 86'400'000, "ms"},
};
constexpr int setting_count = sizeof settings / sizeof settings[0];

void store(server_config& config, int index, std::uint64_t value, setting_source from) {
  switch (index) {
    case 0: config.max_head_bytes = value; config.max_head_bytes_from = from; break;
    case 1: config.max_body_bytes = value; config.max_body_bytes_from = from; break;
    case 2: config.head_timeout = std::chrono::milliseconds(value); config.head_timeout_from = from; break;
    case 3: config.idle_timeout = std::chrono::milliseconds(value); config.idle_timeout_from = from; break;
    case 4: config.max_connections = value; config.max_connections_from = from; break;
    case 5: config.body_timeout = std::chrono::milliseconds(value); config.body_timeout_from = from; break;
    case 6: config.send_timeout = std::chrono::milliseconds(value); config.send_timeout_from = from; break;
  }
}

bool parse_value(const setting& s, std::string_view origin, std::string_view text, std::uint64_t& value,
                 std::string& error) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < s.min || value > s.max) {
    error = std::string(origin) + "=\"" + std::string(text) + "\": expected a decimal number of " +
            std::string(s.unit) + " from " + std::to_string(s.min) + " to " + std::to_string(s.max);
    return false;
  }
  return true;
}

const char* source_name(setting_source from) {
  switch (from) {
    case setting_source::preset: return "default";
    case setting_source::environment: return "env";
    case setting_source::argument: return "arg";
  }
  return "?";
}

}  // namespace

std::string server_config::describe() const {
  const std::uint64_t values[setting_count] = {
      max_head_bytes, max_body_bytes, static_cast<std::uint64_t>(head_timeout.count()),
      static_cast<std::uint64_t>(idle_timeout.count()), max_connections,
      static_cast<std::uint64_t>(body_timeout.count()), static_cast<std::uint64_t>(send_timeout.count())};
  const setting_source sources[setting_count] = {max_head_bytes_from, max_body_bytes_from, head_timeout_from,
                                                 idle_timeout_from,   max_connections_from, body_timeout_from,
                                                 send_timeout_from};
  std::string out;
  for (int i = 0; i < setting_count; ++i) {
    if (i != 0) out += ' ';
    out += settings[i].argument;
    out += '=';
    out += std::to_string(values[i]);
    out += " (";
    out += source_name(sources[i]);
    out += ')';
  }
  return out;
}

std::string server_usage() {
  std::string out =
      "usage: http [--NAME=N]...\n"
      "Serves HTTP/1.1 on every listening socket the host pre-opened:\n"
      "  GET /       Hello, World!\n"
      "  POST /echo  the request body\n"
      "  GET /stats  JSON counters\n"
      "Limits (argument, environment variable, default):\n";
  const server_config defaults;
  const std::uint64_t values[setting_count] = {
      defaults.max_head_bytes, defaults.max_body_bytes, static_cast<std::uint64_t>(defaults.head_timeout.count()),
      static_cast<std::uint64_t>(defaults.idle_timeout.count()), defaults.max_connections,
      static_cast<std::uint64_t>(defaults.body_timeout.count()),
      static_cast<std::uint64_t>(defaults.send_timeout.count())};
  for (int i = 0; i < setting_count; ++i) {
    out += "  --";
    out += settings[i].argument;
    out += "=N  ";
    out += settings[i].environment;
    out += "  ";
    out += std::to_string(values[i]);
    out += ' ';
    out += settings[i].unit;
    out += '\n';
  }
  out += "The limits together must fit the guest: max-connections x (";
  out += std::to_string(connection_fixed_bytes);
  out += " bytes + max-head-bytes) within ";
  out += std::to_string(guest_memory_budget >> 20);
  out += " MiB, half of wasm32's address space.\n";
  return out;
}

std::uint64_t guest_bytes_needed(const server_config& config) {
  return static_cast<std::uint64_t>(config.max_connections) * (connection_fixed_bytes + config.max_head_bytes) +
         refusal_count_limit * refusal_bytes + server_fixed_bytes;
}

bool check_fits_guest(const server_config& config, std::string& error) {
  const std::uint64_t needed = guest_bytes_needed(config);
  if (needed <= guest_memory_budget) return true;
  const std::uint64_t per_connection = connection_fixed_bytes + config.max_head_bytes;
  const std::uint64_t most = (guest_memory_budget - refusal_count_limit * refusal_bytes - server_fixed_bytes) /
                             per_connection;
  error = "max-connections=" + std::to_string(config.max_connections) + " with max-head-bytes=" +
          std::to_string(config.max_head_bytes) + " needs up to " + std::to_string(needed >> 20) + " MiB (" +
          std::to_string(per_connection) + " bytes per connection), more than the " +
          std::to_string(guest_memory_budget >> 20) +
          " MiB the server allows itself (half of wasm32's 4 GiB address space); with this head limit at most " +
          std::to_string(most) + " connections fit";
  return false;
}

std::optional<server_config> parse_server_config(std::span<const std::string_view> arguments,
                                                 environment_lookup lookup, void* lookup_context,
                                                 std::string& error, std::string& help) {
  error.clear();
  help.clear();
  server_config config;
  for (int i = 0; i < setting_count; ++i) {
    const char* text = lookup ? lookup(settings[i].environment, lookup_context) : nullptr;
    if (text == nullptr) continue;
    std::uint64_t value = 0;
    if (!parse_value(settings[i], settings[i].environment, text, value, error)) return std::nullopt;
    store(config, i, value, setting_source::environment);
  }
  for (std::size_t at = 0; at < arguments.size(); ++at) {
    const std::string_view word = arguments[at];
    if (word == "-h" || word == "--help") {
      help = server_usage();
      return std::nullopt;
    }
    int found = -1;
    std::string_view value;
    bool has_value = false;
    if (word.starts_with("--")) {
      const std::string_view body = word.substr(2);
      const auto equals = body.find('=');
      const std::string_view name = body.substr(0, equals);
      for (int i = 0; i < setting_count; ++i)
        if (name == settings[i].argument) found = i;
      if (equals != std::string_view::npos) {
        value = body.substr(equals + 1);
        has_value = true;
      }
    }
    if (found < 0) {
      error = "unknown argument \"" + std::string(word) + "\" (--help lists the options)";
      return std::nullopt;
    }
    if (!has_value) {
      if (at + 1 == arguments.size()) {
        error = std::string(word) + " needs a value";
        return std::nullopt;
      }
      value = arguments[++at];
    }
    std::uint64_t number = 0;
    if (!parse_value(settings[found], "--" + std::string(settings[found].argument), value, number, error))
      return std::nullopt;
    store(config, found, number, setting_source::argument);
  }
  if (!check_fits_guest(config, error)) return std::nullopt;
  return config;
}

}  // namespace http
