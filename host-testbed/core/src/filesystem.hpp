#pragma once
// The filesystem part of the host core: its own state type (fs_object, one per open file or
// directory), the one sandboxed path resolver every path call goes through, and the calls.
// Sockets and stdio never see any of this; the shared fd table only points at an fs_object.

#include <dirent.h>
#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "host_impl.hpp"
#include "wasio/sys/fs_abi.hpp"

namespace wasio::testbed {

/// An owned host descriptor (closed on destruction).
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {}
  unique_fd& operator=(unique_fd&& other) noexcept;
  ~unique_fd();
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;

  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

/// One open file or directory of the guest.
struct fs_object {
  unique_fd fd;
  bool directory = false;
  abi::rights rights_base = 0;
  abi::rights rights_inheriting = 0;
  /// The guest-visible fdflags (APPEND, DSYNC, NONBLOCK, RSYNC, SYNC) as opened or set.
  abi::fdflags flags = 0;
  /// Set for a pre-opened directory: the name fd_prestat_dir_name gives.
  std::optional<std::string> preopen_name;
  /// Everything under a read-only pre-open is opened read-only by the host, whatever the rights.
  bool read_only = false;
  /// fd_readdir: an open stream over a dup of `fd` and the cookie of the entry it reads next.
  DIR* stream = nullptr;
  abi::dircookie stream_position = 0;

  ~fs_object();
};

/// Rights of a directory and of the files opened through it (what wasmtime's legacy host grants).
inline constexpr abi::rights file_rights =
    abi::right_fd_datasync | abi::right_fd_read | abi::right_fd_seek | abi::right_fd_fdstat_set_flags |
    abi::right_fd_sync | abi::right_fd_tell | abi::right_fd_write | abi::right_fd_advise | abi::right_fd_allocate |
    abi::right_fd_filestat_get | abi::right_fd_filestat_set_size | abi::right_fd_filestat_set_times |
    abi::right_poll_fd_readwrite;
inline constexpr abi::rights directory_rights =
    abi::right_fd_fdstat_set_flags | abi::right_fd_sync | abi::right_fd_datasync | abi::right_fd_advise |
    abi::right_path_create_directory | abi::right_path_create_file | abi::right_path_link_source |
    abi::right_path_link_target | abi::right_path_open | abi::right_fd_readdir | abi::right_path_readlink |
    abi::right_path_rename_source | abi::right_path_rename_target | abi::right_path_filestat_get |
    abi::right_path_filestat_set_size | abi::right_path_filestat_set_times | abi::right_fd_filestat_get |
    abi::right_fd_filestat_set_times | abi::right_path_symlink | abi::right_path_remove_directory |
    abi::right_path_unlink_file | abi::right_poll_fd_readwrite;
/// The rights that change the filesystem: a read-only pre-open lacks all of them.
inline constexpr abi::rights mutating_rights =
    abi::right_fd_datasync | abi::right_fd_write | abi::right_fd_allocate | abi::right_fd_filestat_set_size |
    abi::right_fd_filestat_set_times | abi::right_path_create_directory | abi::right_path_create_file |
    abi::right_path_link_source | abi::right_path_link_target | abi::right_path_rename_source |
    abi::right_path_rename_target | abi::right_path_filestat_set_size | abi::right_path_filestat_set_times |
    abi::right_path_symlink | abi::right_path_remove_directory | abi::right_path_unlink_file | abi::right_fd_sync;

/// The sandboxed resolver. Every path a guest gives is checked (check_path) and then resolved
/// beneath a directory descriptor, never above it: with openat2(RESOLVE_BENEATH |
/// RESOLVE_NO_MAGICLINKS) where the kernel has it, else by walking one component at a time with
/// openat(O_NOFOLLOW), keeping the directories walked so far on a stack (`..` pops it and never
/// leaves the base) and expanding symlinks itself (absolute targets refused, at most 40).
/// Both hold descriptors of what they checked, so a directory swapped for a symlink during the
/// call is either walked as the directory it was or seen as the symlink it became.
class path_resolver_impl {
 public:
  explicit path_resolver_impl(bool use_openat2) : openat2_(use_openat2) {}
  /// Whether openat2 with RESOLVE_BENEATH works here (ENOSYS/EPERM from old kernels, seccomp).
  static bool kernel_has_openat2();
  bool uses_openat2() const { return openat2_; }

  /// Opens `path` beneath `base` with open(2) `flags` (O_CLOEXEC added). With follow_last false
  /// a symlink as last component is not followed (O_NOFOLLOW: loop, or the link itself for O_PATH).
  /// Errors: notcapable (the path leads outside), loop, and open(2)'s.
  result<unique_fd> open_beneath(int base, std::string_view path, int flags, mode_t mode, bool follow_last) const;

  /// The directory holding the last component of `path` (opened O_PATH beneath `base`), and that
  /// component as written (a trailing slash kept, so the *at(2) call applies the kernel's
  /// trailing-slash rules; "." and ".." kept, after checking the whole path stays beneath).
  struct parent {
    unique_fd owned;  // empty when the parent is `base` itself
    int fd = -1;
    std::string name;
    bool trailing_slash = false;
  };
  result<parent> parent_of(int base, std::string_view path) const;

 private:
  result<unique_fd> open_kernel(int base, std::string_view path, int flags, mode_t mode, bool follow_last) const;
  result<unique_fd> open_manual(int base, std::string_view path, int flags, mode_t mode, bool follow_last) const;
  bool openat2_;
};

/// Checks a guest path before any syscall: inval (a NUL byte), nametoolong (PATH_MAX bytes or
/// more), ilseq (not UTF-8; skipped when `require_utf8` is false, as uvwasi does), noent (empty).
errc check_path(std::string_view path, bool require_utf8);

/// A host stat as a WASI filestat.
abi::filestat to_filestat(const struct stat& st);
abi::filetype to_filetype(mode_t mode);

}  // namespace wasio::testbed

namespace wasio::testbed {

/// The filesystem calls, over one host's state. host's public methods (filesystem_calls.cpp)
/// trace and forward here; descriptors.cpp forwards fd_read/fd_write/fdstat on files.
class filesystem {
 public:
  explicit filesystem(host::impl& h) : h_(h), resolver_(h.use_openat2) {}

  errc fd_read(open_fd& f, std::span<const host_iovec> buffers, std::size_t& read);
  errc fd_write(open_fd& f, std::span<const host_ciovec> buffers, std::size_t& written);
  errc fd_fdstat_get(open_fd& f, abi::fdstat& out);
  errc fd_fdstat_set_flags(open_fd& f, abi::fdflags flags);

  errc fd_seek(abi::fd fd, abi::filedelta offset, abi::whence whence, abi::filesize& new_offset);
  errc fd_tell(abi::fd fd, abi::filesize& offset);
  errc fd_pread(abi::fd fd, std::span<const host_iovec> buffers, abi::filesize offset, std::size_t& read);
  errc fd_pwrite(abi::fd fd, std::span<const host_ciovec> buffers, abi::filesize offset, std::size_t& written);
  errc fd_sync(abi::fd fd, bool data_only);
  errc fd_filestat_get(abi::fd fd, abi::filestat& out);
  errc fd_filestat_set_size(abi::fd fd, abi::filesize size);
  errc fd_filestat_set_times(abi::fd fd, abi::timestamp atim, abi::timestamp mtim, abi::fstflags flags);
  errc fd_allocate(abi::fd fd, abi::filesize offset, abi::filesize len);
  errc fd_advise(abi::fd fd, abi::filesize offset, abi::filesize len, abi::advice advice);
  errc fd_readdir(abi::fd fd, std::span<std::byte> out, abi::dircookie cookie, std::size_t& used);
  errc fd_renumber(abi::fd from, abi::fd to);
  errc fd_fdstat_set_rights(abi::fd fd, abi::rights base, abi::rights inheriting);
  errc fd_prestat_get(abi::fd fd, abi::prestat& out);
  errc fd_prestat_dir_name(abi::fd fd, std::span<std::byte> out);

  errc path_open(abi::fd dir, abi::lookupflags lookup, std::string_view path, abi::oflags oflags, abi::rights base,
                 abi::rights inheriting, abi::fdflags flags, abi::fd& opened);
  errc path_create_directory(abi::fd dir, std::string_view path);
  errc path_remove_directory(abi::fd dir, std::string_view path);
  errc path_unlink_file(abi::fd dir, std::string_view path);
  errc path_rename(abi::fd old_dir, std::string_view old_path, abi::fd new_dir, std::string_view new_path);
  errc path_filestat_get(abi::fd dir, abi::lookupflags lookup, std::string_view path, abi::filestat& out);
  errc path_filestat_set_times(abi::fd dir, abi::lookupflags lookup, std::string_view path, abi::timestamp atim,
                               abi::timestamp mtim, abi::fstflags flags);
  errc path_link(abi::fd old_dir, abi::lookupflags lookup, std::string_view old_path, abi::fd new_dir,
                 std::string_view new_path);
  errc path_symlink(std::string_view target, abi::fd dir, std::string_view path);
  errc path_readlink(abi::fd dir, std::string_view path, std::span<std::byte> out, std::size_t& used);

  /// Opens a configured pre-open as the next fd. Errors: the host's open(2) errors, notdir.
  static result<void> open_preopen(host::impl& h, const preopen_spec& spec);

 private:
  /// The fs object behind `fd` when it is a file or directory with every right in `needed`.
  /// Errors: badf (not open), the fd_unsupported answer for stdio and sockets (`call` names it),
  /// notcapable (a right missing).
  result<fs_object*> object(abi::fd fd, abi::rights needed, std::string_view call);
  /// A directory fd with `needed`, and the path checked. Errors: badf, notdir, notcapable, and
  /// check_path's.
  result<fs_object*> directory(abi::fd fd, abi::rights needed, std::string_view call, std::string_view path);

  host::impl& h_;
  path_resolver_impl resolver_;
};

}  // namespace wasio::testbed
