#pragma once
/// kv::aof_directory, kv::aof_file: the few file operations the append-only file needs, as an
/// interface, so the AOF logic is tested against an in-memory fake (tests/e2e/kv/fake_storage.hpp)
/// and runs on wasio::fs in the server (aof_wasio_storage.hpp).
///
/// Every call is synchronous: files are always ready, so the event loop calls them directly and
/// keeps each call small (the AOF writes what one loop turn logged, a rewrite step a bounded chunk).
///
/// Errors (wasio::errc, as the host reports them): nospc (disk full), io (the device failed),
/// dquot, noent (open for reading of a missing file), acces/perm, and whatever else the host
/// returns; the AOF turns write and sync errors into its -MISCONF state.
/// Notes: names are file names inside the directory (no separators): the directory is the
/// `--dir` the server was given.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "wasio/result.hpp"

namespace kv {

class aof_file {
 public:
  virtual ~aof_file() = default;
  /// Appends at the end of what this handle wrote so far; returns the bytes taken (may be fewer
  /// than given, e.g. when the disk fills up in the middle).
  virtual wasio::result<std::size_t> write(std::span<const char> data) = 0;
  /// Reads from the current position (files opened with open_mode::read); 0 at the end.
  virtual wasio::result<std::size_t> read(std::span<char> into) = 0;
  /// Makes what was written durable (fdatasync: data and the size, not timestamps).
  virtual wasio::result<void> sync() = 0;
  /// The file's size in bytes.
  virtual wasio::result<std::uint64_t> size() = 0;
  /// Cuts the file to `length` bytes (ftruncate).
  virtual wasio::result<void> truncate(std::uint64_t length) = 0;
};

enum class open_mode : std::uint8_t {
  read,              // existing file, read from the start
  append,            // write at the end; created when missing
  create_truncate,   // write from an empty file; created when missing
};

class aof_directory {
 public:
  virtual ~aof_directory() = default;
  virtual wasio::result<std::unique_ptr<aof_file>> open(std::string_view name, open_mode mode) = 0;
  /// Replaces `to` by `from` atomically (rename(2)).
  virtual wasio::result<void> rename(std::string_view from, std::string_view to) = 0;
  /// Removes a file; noent when it is not there.
  virtual wasio::result<void> remove(std::string_view name) = 0;
  /// Makes the directory's entries durable (a rename survives a power loss once this returned).
  virtual wasio::result<void> sync() = 0;
};

}  // namespace kv
