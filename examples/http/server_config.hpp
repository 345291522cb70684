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
/// Each also reads "--name N". Numbers are decimal.
///
/// Errors: parse_server_config returns nullopt and sets `error` to one line naming the argument or
/// variable, the value and the accepted range; `--help` returns nullopt with an empty error and
/// fills `help` instead.

#include <chrono>
#include <cstddef>
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

  setting_source max_head_bytes_from = setting_source::preset;
  setting_source max_body_bytes_from = setting_source::preset;
  setting_source head_timeout_from = setting_source::preset;
  setting_source idle_timeout_from = setting_source::preset;
  setting_source max_connections_from = setting_source::preset;

  /// "max-head-bytes=8192 (default) max-body-bytes=... (env) ..." for the start-up line.
  std::string describe() const;
};

/// Looks up an environment variable; nullptr when unset. std::getenv in the program, a map in tests.
using environment_lookup = const char* (*)(const char* name, void* context);

/// `arguments` excludes the program name.
std::optional<server_config> parse_server_config(std::span<const std::string_view> arguments,
                                                 environment_lookup lookup, void* lookup_context,
                                                 std::string& error, std::string& help);

/// The usage text `--help` prints.
std::string server_usage();

}  // namespace http
