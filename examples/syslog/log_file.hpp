#pragma once
/// syslog::log_file, syslog::log_directory: the few file operations the log file sink needs.
///
/// The receiver implements them over wasio::fs (log_file_fs.cpp: guest paths resolved against the
/// pre-opened directories); the unit tests implement them in memory with faults on demand
/// (tests/e2e/syslog/fake_log_directory.hpp). Keeping the sink behind this seam lets every failure
/// path (short writes, a full disk, a rename that fails halfway through a rotation) be tested
/// without a disk.
///
/// Errors: each call returns the errc of the underlying file call (nospc, dquot, fbig, io, acces,
/// noent, notcapable, ...). File calls are synchronous: files are always "ready".

#include <cstdint>
#include <memory>
#include <string_view>

#include "wasio/result.hpp"

namespace syslog {

/// One log file, open for appending.
class log_file {
 public:
  virtual ~log_file() = default;
  /// Appends some of `bytes` at the end of the file; a count below bytes.size() is a short write
  /// (the first count bytes are in the file).
  virtual wasio::result<std::size_t> write(std::string_view bytes) = 0;
  /// Makes what was written durable (fdatasync).
  virtual wasio::result<void> sync() = 0;
  /// The file's size now.
  virtual wasio::result<std::uint64_t> size() = 0;
  /// The byte at `offset` (to see whether a file the sink reopens ends with a whole line).
  virtual wasio::result<char> byte_at(std::uint64_t offset) = 0;
};

/// The directory operations, on guest paths.
class log_directory {
 public:
  virtual ~log_directory() = default;
  /// Opens `path` for appending, creating it when missing.
  virtual wasio::result<std::unique_ptr<log_file>> open_append(std::string_view path) = 0;
  /// Renames `from` to `to`, replacing `to`. Errors: noent when `from` does not exist.
  virtual wasio::result<void> rename(std::string_view from, std::string_view to) = 0;
  /// Removes the file `path`. Errors: noent when it does not exist.
  virtual wasio::result<void> remove(std::string_view path) = 0;
};

}  // namespace syslog
