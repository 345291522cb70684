#pragma once
/// http::static_fs: the file operations static file serving needs, on guest paths.
///
/// The server implements them over wasio::fs (static_fs_wasio.cpp); unit tests use an in-memory
/// tree (tests/e2e/http/fake_static_fs.hpp). Static serving never follows a symbolic link: it
/// looks at every component with lstat first (see static_files.hpp), and the host's sandbox
/// resolver refuses any path that leaves the pre-opened directory on top of that.
///
/// Errors: the underlying file call's errc (noent, acces, notdir, notcapable, loop, ...).
/// File calls are synchronous: files are always "ready".

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "wasio/result.hpp"

namespace http {

enum class file_kind : std::uint8_t { regular, directory, symlink, other };

struct file_info {
  file_kind kind = file_kind::other;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;  // nanoseconds since the Unix epoch
};

/// A file open for reading.
class static_file {
 public:
  virtual ~static_file() = default;
  /// Reads up to into.size() bytes at `offset`; 0 at the end of the file.
  virtual wasio::result<std::size_t> pread(std::span<char> into, std::uint64_t offset) = 0;
  /// What the open file is now (fstat): the size and date a response describes.
  virtual wasio::result<file_info> info() = 0;
};

class static_fs {
 public:
  virtual ~static_fs() = default;
  /// What `path` names, without following a final symbolic link.
  virtual wasio::result<file_info> lstat(std::string_view path) = 0;
  /// Opens the regular file `path` for reading, without following a final symbolic link.
  virtual wasio::result<std::unique_ptr<static_file>> open(std::string_view path) = 0;
};

}  // namespace http
