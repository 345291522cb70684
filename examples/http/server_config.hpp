#pragma once
/// server_config: the HTTP server's limits, from command-line arguments, then the environment, then
/// defaults (an argument wins over the environment).
///
/// | argument               | environment                 | default  | what happens past it            |
/// |------------------------|-----------------------------|----------|---------------------------------|
/// | --max-head-bytes=N     | WASIO_HTTP_MAX_HEAD_BYTES   | 8192     | 431, then close                 |
/// | --max-body-bytes=N     | WASIO_HTTP_MAX_BODY_BYTES   | 1048576  | 413, then close                 |
/// | --head-timeout-ms=N    | WASIO_HTTP_HEAD_TIMEOUT_MS  | 10000    | 408, then close (slowloris)     |
/// | --idle-timeout-ms=N    | WASIO_HTTP_IDLE_TIMEOUT_MS  | 15000    | close (keep-alive idleness)     |
/// | --max-connections=N    | WASIO_HTTP_MAX_CONNECTIONS  | 1024     | 503, then close                 |
/// | --body-timeout-ms=N    | WASIO_HTTP_BODY_TIMEOUT_MS  | 30000    | 408 (or a cut response), close  |
/// | --send-timeout-ms=N    | WASIO_HTTP_SEND_TIMEOUT_MS  | 30000    | close (the peer stopped reading)|
/// Each also reads "--name N". Numbers are decimal.
///
/// Errors: parse_server_config returns nullopt and sets `error` to one line naming the argument or
/// variable, the value and the accepted range; or, when every value is in range but together they
/// do not fit the guest (check_fits_guest), a line saying how much they need and how many
/// connections fit. `--help` returns nullopt with an empty error and fills `help` instead.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace http {

/// Where one setting's value came from, for the start-up line.
enum class setting_source : unsigned char { preset, environment, argument };

struct server_config {
  std::size_t max_head_bytes = 8192;
  std::size_t max_body_bytes = 1u << 20;
  std::chrono::milliseconds head_timeout{10000};
  std::chrono::milliseconds idle_timeout{15000};
  std::size_t max_connections = 1024;
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::milliseconds send_timeout{30000};

  setting_source max_head_bytes_from = setting_source::preset;
  setting_source max_body_bytes_from = setting_source::preset;
  setting_source head_timeout_from = setting_source::preset;
  setting_source idle_timeout_from = setting_source::preset;
  setting_source max_connections_from = setting_source::preset;
  setting_source body_timeout_from = setting_source::preset;
  setting_source send_timeout_from = setting_source::preset;

  /// "max-head-bytes=8192 (default) max-body-bytes=... (env) ..." for the start-up line.
  std::string describe() const;
};

/// Per-connection buffers, shared by the server code and the memory check below.
inline constexpr std::size_t read_buffer_bytes = 16u << 10;   // a connection's reads while a request is under way
inline constexpr std::size_t idle_read_bytes = 2u << 10;      // its reads while idle (in the task's frame)
inline constexpr std::size_t output_high_water = 64u << 10;   // output that stops parsing until written
inline constexpr std::size_t echo_hold_bytes = 64u << 10;     // POST /echo body held before streaming starts
inline constexpr std::size_t refusal_count_limit = 64;        // 503 refusals in progress at once

/// What the memory check assumes (upper bounds, rounded up): per connection, the read buffer, the
/// output (high water + one read's worth of echoed body + a small response), the held echo body,
/// coroutine frames and the small read buffer, plus the head (the request target is kept up to
/// max-head-bytes); per refusal its frame, response and discard buffer; and the server itself.
inline constexpr std::uint64_t connection_fixed_bytes =
    read_buffer_bytes + (output_high_water + read_buffer_bytes + 4096) + (echo_hold_bytes + read_buffer_bytes) +
    idle_read_bytes + 16384;
inline constexpr std::uint64_t refusal_bytes = 16384;
inline constexpr std::uint64_t server_fixed_bytes = 4u << 20;
/// The most the configuration may need: half of wasm32's 4 GiB, leaving the other half for the
/// allocator's fragmentation, the stack, code and data, and the runtime's tables.
inline constexpr std::uint64_t guest_memory_budget = 2ull << 30;

/// Bytes the configuration may need at its limits.
std::uint64_t guest_bytes_needed(const server_config& config);
/// True when guest_bytes_needed fits guest_memory_budget; otherwise false and `error` says why.
bool check_fits_guest(const server_config& config, std::string& error);

/// Looks up an environment variable; nullptr when unset. std::getenv in the program, a map in tests.
using environment_lookup = const char* (*)(const char* name, void* context);

/// `arguments` excludes the program name.
std::optional<server_config> parse_server_config(std::span<const std::string_view> arguments,
                                                 environment_lookup lookup, void* lookup_context,
                                                 std::string& error, std::string& help);

/// The usage text `--help` prints.
std::string server_usage();

}  // namespace http
