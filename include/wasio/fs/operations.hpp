#pragma once
/// wasio::fs operations on guest paths (resolved against the pre-opens, see preopens.hpp):
/// rename, remove, create_directory, stat, list_directory, sync_directory. All synchronous.
///
/// Errors: notcapable (no pre-open has the path, or it leads outside one, or a read-only
/// pre-open), noent, exist, notdir, isdir, notempty, xdev (rename across pre-opens on different
/// filesystems), loop, nametoolong, ilseq (not UTF-8).
///
/// Example (compiled in tests/guest/fs_test.cpp):
///   if (auto r = wasio::fs::rename("/data/wal.tmp", "/data/wal"); !r) return r.error();
///   if (auto r = wasio::fs::sync_directory("/data"); !r) return r.error();  // the rename is durable

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wasio/result.hpp"

namespace wasio::fs {

enum class file_type : std::uint8_t {
  unknown = 0, block_device = 1, character_device = 2, directory = 3, regular = 4,
  socket_dgram = 5, socket_stream = 6, symlink = 7,
};

struct file_status {
  file_type type = file_type::unknown;
  std::uint64_t size = 0;
  std::uint64_t links = 0;
  std::uint64_t modified_ns = 0;  // realtime nanoseconds
  std::uint64_t accessed_ns = 0;
  std::uint64_t changed_ns = 0;
};

struct directory_entry {
  std::string name;
  file_type type = file_type::unknown;
};

/// Atomically replaces `to` with `from` (rename(2)). Both paths may be under different pre-opens.
result<void> rename(std::string_view from, std::string_view to);
/// Removes a file, a symlink, or an empty directory. Errors: notempty, noent.
result<void> remove(std::string_view path);
/// Creates one directory (not its parents). Errors: exist, noent (no parent).
result<void> create_directory(std::string_view path);
/// Follows a symlink in the last component (stat(2), not lstat(2)).
result<file_status> stat(std::string_view path);
/// Every entry except "." and "..", in the host's order. Errors: notdir, noent.
/// Notes: memory grows with the directory; `max_entries` bounds it (errc::nomem past it).
result<std::vector<directory_entry>> list_directory(std::string_view path, std::size_t max_entries = 1 << 20);
/// fsync(2) on the directory itself: renames, creations and removals in it are durable.
result<void> sync_directory(std::string_view path);

}  // namespace wasio::fs
