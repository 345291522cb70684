// The CONFIG parameter table: each parameter's Redis 7 value syntax and error text (config.c).
#include "server_config.hpp"

#include <algorithm>
#include <climits>
#include <vector>

namespace kv {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_nocase(std::string_view a, std::string_view lower_b) {
  if (a.size() != lower_b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower_b[i]) return false;
  return true;
}

// Redis reads configuration values as C strings.
std::string_view c_string(std::string_view s) { return s.substr(0, s.find('\0')); }

std::string number(std::uint64_t v) { return std::to_string(v); }

constexpr std::string_view not_memory = "argument must be a memory value";

std::optional<std::string_view> set_maxmemory_clients(server_config& c, std::string_view value) {
  const auto bytes = parse_memory(c_string(value));
  if (!bytes) return "argument must be a memory or percent value";
  c.maxmemory_clients = *bytes;
  return std::nullopt;
}

std::optional<std::string_view> set_maxmemory(server_config& c, std::string_view value) {
  const auto bytes = parse_memory(c_string(value));
  if (!bytes) return not_memory;
  c.maxmemory = *bytes;
  return std::nullopt;
}

constexpr std::pair<std::string_view, eviction_policy> policies[] = {
    {"allkeys-lru", eviction_policy::allkeys_lru},
    {"allkeys-random", eviction_policy::allkeys_random},
    {"noeviction", eviction_policy::noeviction},
};

std::optional<std::string_view> set_policy(server_config& c, std::string_view value) {
  for (const auto& [name, policy] : policies) {
    if (equals_nocase(c_string(value), name)) {
      c.policy = policy;
      return std::nullopt;
    }
  }
  return "argument(s) must be one of the following: allkeys-lru, allkeys-random, noeviction";
}

std::optional<std::string_view> set_samples(server_config& c, std::string_view value) {
  std::int64_t n = 0;
  if (!parse_int64(c_string(value), n)) return "argument couldn't be parsed into an integer";
  if (n < 1 || n > INT_MAX) return "argument must be between 1 and 2147483647 inclusive";
  c.maxmemory_samples = static_cast<unsigned>(n);
  return std::nullopt;
}

std::string get_output_limit(const server_config& c) {
  return "normal " + number(c.normal.hard_bytes) + " " + number(c.normal.soft_bytes) + " " +
         std::to_string(c.normal.soft_seconds);
}

// Redis splits the value at single spaces and takes groups of four: class, hard, soft, seconds.
// The whole value is checked before any of it applies. kv has normal clients only, so the other
// classes Redis knows (replica, slave, pubsub) are refused like an unknown one.
std::optional<std::string_view> set_output_limit(server_config& c, std::string_view value) {
  value = c_string(value);
  if (value.empty()) return std::nullopt;  // Redis accepts an empty value and changes nothing
  std::vector<std::string_view> words;
  for (std::size_t start = 0;;) {
    const std::size_t space = value.find(' ', start);
    words.push_back(value.substr(start, space == std::string_view::npos ? std::string_view::npos : space - start));
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  if (words.size() % 4 != 0) return "Wrong number of arguments in buffer limit configuration.";
  output_buffer_limit chosen = c.normal;
  for (std::size_t i = 0; i < words.size(); i += 4) {
    if (!equals_nocase(words[i], "normal")) return "Invalid client class specified in buffer limit configuration.";
    const auto hard = parse_memory(words[i + 1]);
    const auto soft = parse_memory(words[i + 2]);
    std::int64_t seconds = 0;
    if (!hard || !soft || !parse_int64(words[i + 3], seconds) || seconds < 0)
      return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    chosen = {*hard, *soft, seconds};
  }
  c.normal = chosen;
  return std::nullopt;
}

// The append-only file's parameters show their defaults here; with a persistence attached, the
// engine answers them from it (persistence::config_value).
constexpr config_parameter parameters[] = {
    {"appendfilename", [](const server_config&) { return std::string("appendonly.aof"); }, nullptr},
    {"appendfsync", [](const server_config&) { return std::string("everysec"); }, nullptr},
    {"appendonly", [](const server_config&) { return std::string("no"); }, nullptr},
    {"auto-aof-rewrite-min-size", [](const server_config&) { return std::string("67108864"); }, nullptr},
    {"auto-aof-rewrite-percentage", [](const server_config&) { return std::string("100"); }, nullptr},
    {"client-output-buffer-limit", get_output_limit, set_output_limit},
    {"databases", [](const server_config&) { return std::string("1"); }, nullptr},
    {"maxmemory", [](const server_config& c) { return number(c.maxmemory); }, set_maxmemory},
    {"maxmemory-clients", [](const server_config& c) { return number(c.maxmemory_clients); }, set_maxmemory_clients},
    {"maxmemory-policy", [](const server_config& c) { return std::string(policy_name(c.policy)); }, set_policy},
    {"maxmemory-samples", [](const server_config& c) { return number(c.maxmemory_samples); }, set_samples},
    {"proto-max-bulk-len", [](const server_config& c) { return number(c.requests.max_bulk_length); }, nullptr},
    {"save", [](const server_config&) { return std::string(); }, nullptr},
    {"timeout", [](const server_config&) { return std::string("0"); }, nullptr},
};

}  // namespace

std::optional<std::uint64_t> parse_memory(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string_view unit = text.substr(digits);
  std::uint64_t multiplier = 0;
  if (unit.empty() || equals_nocase(unit, "b")) multiplier = 1;
  else if (equals_nocase(unit, "k")) multiplier = 1000;
  else if (equals_nocase(unit, "kb")) multiplier = 1024;
  else if (equals_nocase(unit, "m")) multiplier = 1000 * 1000;
  else if (equals_nocase(unit, "mb")) multiplier = 1024 * 1024;
  else if (equals_nocase(unit, "g")) multiplier = 1000ull * 1000 * 1000;
  else if (equals_nocase(unit, "gb")) multiplier = 1024ull * 1024 * 1024;
  else return std::nullopt;
  if (digits >= 128) return std::nullopt;  // Redis copies the digits into a 128-byte buffer
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const auto d = static_cast<std::uint64_t>(text[i] - '0');
    if (value > (UINT64_MAX - d) / 10) {
      value = UINT64_MAX;  // strtoull saturates
      break;
    }
    value = value * 10 + d;
  }
  return value * multiplier;  // wraps past 2^64, as Redis's does
}

std::string_view policy_name(eviction_policy policy) {
  for (const auto& [name, p] : policies)
    if (p == policy) return name;
  return "noeviction";
}

std::span<const config_parameter> config_parameters() { return parameters; }

const config_parameter* find_config_parameter(std::string_view name) {
  for (const config_parameter& p : parameters)
    if (equals_nocase(name, p.name)) return &p;
  return nullptr;
}

}  // namespace kv
