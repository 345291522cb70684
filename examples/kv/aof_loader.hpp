#pragma once
/// kv::load_aof: replays an append-only file through the command engine at start-up.
///
/// The file is read in 1 MiB chunks and parsed with the request parser (so a value is held once,
/// and the same limits apply as on the wire); each command runs through the engine, its reply
/// discarded. The engine must not have the persistence attached yet: replaying logs nothing.
///
/// Errors (in the result, never a trap):
/// - truncated: the file ends inside a command (a crash in the middle of a write): everything up
///   to the last complete command (valid_bytes) was loaded; the caller decides (aof-load-truncated).
/// - error (non-empty): anything else, with the byte offset of the command at fault: a command not
///   starting with '*', a protocol error, an unknown command, a command that failed (e.g. SELECT of
///   another database), an RDB preamble, or a read error. What was before it is loaded.

#include <cstdint>
#include <string>

#include "aof_storage.hpp"
#include "command_engine.hpp"

namespace kv {

struct aof_load_result {
  std::uint64_t commands = 0;     // commands replayed
  std::uint64_t valid_bytes = 0;  // offset just past the last complete command
  std::uint64_t file_bytes = 0;   // bytes read
  bool truncated = false;
  std::string error;
};

/// `now_ms` is the clock the commands run at (kv::aof passes 0: nothing expires while loading).
aof_load_result load_aof(aof_file& file, command_engine& engine, request_limits limits, std::int64_t now_ms);

}  // namespace kv
