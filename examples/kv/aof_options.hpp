#pragma once
/// kv::aof_options: the append-only file's settings, under redis-server's names, from the command
/// line (`--appendonly yes`) or the environment (`KV_APPENDONLY=yes`; the name upper-cased, dashes
/// as underscores, prefixed KV_). Arguments win over the environment.
///
/// | option                        | values                         | default          |
/// |-------------------------------|--------------------------------|------------------|
/// | appendonly                    | yes, no                        | no               |
/// | appendfsync                   | always, everysec, no           | everysec         |
/// | appendfilename                | a file name (no '/')           | appendonly.aof   |
/// | dir                           | a guest path in a pre-open     | .                |
/// | auto-aof-rewrite-percentage   | 0 (off) or a growth percentage | 100              |
/// | auto-aof-rewrite-min-size     | bytes, with k kb m mb g gb     | 64mb             |
/// | aof-load-truncated            | yes, no                        | yes              |
///
/// Errors: set() returns Redis's wording for a bad value ("argument must be 'yes' or 'no'",
/// "argument(s) must be one of the following: always, everysec, no", "appendfilename can't be a
/// path, just a filename", "argument must be a memory value", "argument couldn't be parsed into an
/// integer") or "unknown option"; empty on success.
///
/// Example (compiled in tests/e2e/kv/aof_options_test.cpp):
///   kv::aof_options o;
///   o.set("appendfsync", "always");   // ""
///   o.describe();                     // "appendonly no appendfsync always ..."

#include <cstdint>
#include <string>
#include <string_view>

namespace kv {

enum class fsync_policy : std::uint8_t { always, everysec, no };

std::string_view name(fsync_policy p);

struct aof_options {
  bool enabled = false;
  fsync_policy fsync = fsync_policy::everysec;
  std::string filename = "appendonly.aof";
  std::string dir = ".";
  std::int64_t rewrite_percentage = 100;
  std::uint64_t rewrite_min_size = 64ull << 20;
  bool load_truncated = true;

  /// True when `name` (without leading dashes) is one of the options above.
  static bool known(std::string_view name);
  /// Sets option `name` to `value`; the error text, or empty when it was accepted.
  std::string set(std::string_view name, std::string_view value);
  /// "appendonly yes appendfsync everysec dir ... " : every option and its value, for the start line.
  std::string describe() const;

  /// The environment variable an option is read from ("auto-aof-rewrite-min-size" ->
  /// "KV_AUTO_AOF_REWRITE_MIN_SIZE").
  static std::string environment_name(std::string_view option);
  /// Every option's name, for reading them from the environment.
  static const std::string_view* names_begin();
  static const std::string_view* names_end();
};

/// Redis's memtoll: "64mb" -> 67108864 ("k" 1000, "kb" 1024, "m", "mb", "g", "gb"; any case).
bool parse_memory(std::string_view text, std::uint64_t& out);

}  // namespace kv
