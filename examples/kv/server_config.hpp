#pragma once
/// kv::server_config: the settings a running kv can change (CONFIG GET / CONFIG SET), and the table
/// of parameters CONFIG sees, with Redis 7's names, value syntax and error texts.
///
/// Parameters: maxmemory (bytes; Redis's memory syntax: digits then b, k, kb, m, mb, g or gb, any
/// case, "1k" = 1000, "1kb" = 1024), maxmemory-policy (noeviction, allkeys-lru, allkeys-random),
/// maxmemory-samples (1..2^31-1, at most 64 used), client-output-buffer-limit ("normal HARD SOFT
/// SECONDS", the normal class only), maxmemory-clients (bytes; Redis's percentages are refused), and read-only ones: appendonly, appendfilename, appendfsync, auto-aof-rewrite-*,
/// databases, proto-max-bulk-len, save, timeout.
///
/// Errors (text after "-ERR ", as CONFIG SET replies them): "CONFIG SET failed (possibly related to
/// argument 'maxmemory') - argument must be a memory value" and the other Redis wordings listed with
/// each parameter in server_config.cpp; "... - can't set immutable config" for read-only ones.
/// Notes: values are read as C strings, as Redis reads them: "10mb\0junk" sets 10 MiB.
///
/// Example (compiled in tests/e2e/kv/command_engine_test.cpp):
///   kv::server_config config;
///   auto bytes = kv::parse_memory("10mb");   // 10485760

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "resp_parser.hpp"

namespace kv {

enum class eviction_policy : std::uint8_t { noeviction, allkeys_lru, allkeys_random };

/// Redis's client-output-buffer-limit for one client class: 0 disables a limit.
struct output_buffer_limit {
  std::uint64_t hard_bytes = 0;     // pending reply bytes at or past this: the client is closed now
  std::uint64_t soft_bytes = 0;     // at or past this for longer than soft_seconds: closed
  std::int64_t soft_seconds = 0;
};

/// Where a wasm32 guest's 4 GiB linear memory is: the default maxmemory keeps the data set at half of
/// it, leaving the other half to what the accounting does not see (allocator overhead and
/// fragmentation, code, stacks) and to one request's overshoot past the limit.
inline constexpr std::uint64_t default_maxmemory = std::uint64_t{2} << 30;

struct server_config {
  std::uint64_t maxmemory = default_maxmemory;  // 0: no limit (Redis's default on 64-bit hosts)
  eviction_policy policy = eviction_policy::noeviction;
  unsigned maxmemory_samples = 5;
  // Redis's default for normal clients is "0 0 0" (none). kv keeps replies bounded by streaming
  // (see session.hpp), and closes a client that holds 64 MiB (more than one largest value plus the
  // high-water mark) or 16 MiB for over a minute.
  output_buffer_limit normal{64u << 20, 16u << 20, 60};
  // Redis 7's maxmemory-clients (default 0 there): the total of every client's buffers. One
  // client's are bounded by the limits above; this bounds many clients together, so a crowd of
  // them cannot take a wasm32 guest to its 4 GiB wall. 0: no limit.
  std::uint64_t maxmemory_clients = std::uint64_t{1} << 30;
  request_limits requests;  // fixed at start (command-line options)
};

/// Redis's memtoull: digits, then an optional unit; nullopt when it is not a memory value. Like
/// Redis, a number past 2^64 - 1 saturates and the unit's multiplication wraps.
std::optional<std::uint64_t> parse_memory(std::string_view text);

std::string_view policy_name(eviction_policy policy);

/// One CONFIG parameter.
struct config_parameter {
  std::string_view name;
  std::string (*get)(const server_config&);
  /// Sets the value (read as a C string); returns the error text after "... - ", or nullopt on success.
  /// nullptr: the parameter is immutable.
  std::optional<std::string_view> (*set)(server_config&, std::string_view value);
};

/// Every parameter, sorted by name.
std::span<const config_parameter> config_parameters();
/// The parameter named `name` (ASCII case-insensitive, NUL bytes included), or nullptr.
const config_parameter* find_config_parameter(std::string_view name);

}  // namespace kv
