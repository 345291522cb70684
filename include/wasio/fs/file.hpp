#pragma once
/// wasio::fs::file: an open file, closed when it goes out of scope (RAII, move-only).
///
/// Files are always ready: every call here is synchronous and never returns `again` (a write
/// returns once the host's write(2) did; sync() and datasync() wait for the disk). They need no
/// runtime and may be called from coroutines directly: they block the guest thread only for the
/// time the host's file call takes.
///
/// Errors: open() gives those of path resolution (notcapable: no pre-open has the path) and of
/// path_open (noent, exist with `exclusive`, isdir, notdir, loop, acces, notcapable on a read-only
/// pre-open for write modes); the calls give badf (a closed or moved-from file), notcapable (a
/// read on a write-only file, a write on a read-only one), nospc, fbig, io.
///
/// Example (compiled in tests/guest/fs_test.cpp):
///   using wasio::fs::open_mode;
///   auto log = wasio::fs::file::open("/data/log", open_mode::write | open_mode::create | open_mode::append);
///   if (!log) return log.error();
///   if (auto w = log->write_all(bytes); !w) return w.error();
///   if (auto s = log->datasync(); !s) return s.error();

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "wasio/result.hpp"
#include "wasio/sys/fs_abi.hpp"
#include "wasio/sys/sys.hpp"

namespace wasio::fs {

/// How to open a file; combine with |. `read` or `write` (or both) says which calls work.
enum class open_mode : unsigned {
  read = 1,
  write = 2,
  create = 4,     // create the file if missing
  truncate = 8,   // cut an existing file to 0 bytes (needs write)
  append = 16,    // every write goes to the end (implies write)
  exclusive = 32, // with create: fail with errc::exist if the file exists
};
constexpr open_mode operator|(open_mode a, open_mode b) {
  return static_cast<open_mode>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
constexpr bool has(open_mode set, open_mode flag) { return (static_cast<unsigned>(set) & static_cast<unsigned>(flag)) != 0; }

enum class seek_from : std::uint8_t { start = 0, current = 1, end = 2 };

class file {
 public:
  /// Opens a guest path (resolved against the pre-opens). Errors: see above.
  static result<file> open(std::string_view path, open_mode mode);
  /// Opens `relative` beneath an open directory fd (no pre-open lookup).
  static result<file> open_at(sys::fd_t directory, std::string_view relative, open_mode mode);

  file() = default;
  file(file&& other) noexcept : fd_(other.fd_) { other.fd_ = closed; }
  file& operator=(file&& other) noexcept;
  file(const file&) = delete;
  file& operator=(const file&) = delete;
  ~file();

  bool is_open() const { return fd_ != closed; }
  sys::fd_t native_handle() const { return fd_; }

  /// Reads at the offset and moves it; 0 at end of file.
  result<std::size_t> read(std::span<std::byte> out);
  /// Writes at the offset (the end with append); may be short only on errors after some bytes.
  result<std::size_t> write(std::span<const std::byte> data);
  /// Writes everything, looping over short writes. Errors: as write (bytes before it were written).
  result<void> write_all(std::span<const std::byte> data);
  /// Positional read / write: the offset does not move.
  result<std::size_t> pread(std::span<std::byte> out, std::uint64_t offset);
  result<std::size_t> pwrite(std::span<const std::byte> data, std::uint64_t offset);
  /// Moves the offset; returns the new one. Errors: inval (before the start).
  result<std::uint64_t> seek(std::int64_t offset, seek_from from = seek_from::start);
  /// The file's size now (fd_filestat_get).
  result<std::uint64_t> size();
  /// Cuts or extends the file to `length` bytes. Errors: notcapable (not opened for write).
  result<void> resize(std::uint64_t length);
  /// fsync(2) / fdatasync(2): the data (and for sync the metadata) is on disk when they return.
  result<void> sync();
  result<void> datasync();
  /// Closes now and reports the host's answer (the destructor closes silently).
  result<void> close();

 private:
  static constexpr sys::fd_t closed = static_cast<sys::fd_t>(-1);
  explicit file(sys::fd_t fd) : fd_(fd) {}
  sys::fd_t fd_ = closed;
};

}  // namespace wasio::fs
