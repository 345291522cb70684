#pragma once
/// WASI preview1 filesystem wire layouts and constants (wasm32, little-endian), shared by guest
/// and host: filestat, dirent, oflags, lookupflags, whence, fstflags, advice and every right.
///
/// Kept beside abi.hpp (sockets and poll) rather than inside it, so the filesystem part of the
/// ABI has its own home; static_asserts pin every size and offset on both sides.

#include <cstddef>
#include <cstdint>

#include "wasio/sys/abi.hpp"

namespace wasio::abi {

using device = std::uint64_t;
using inode = std::uint64_t;
using linkcount = std::uint64_t;
using dircookie = std::uint64_t;
using filedelta = std::int64_t;

/// First cookie of fd_readdir: "start at the beginning".
inline constexpr dircookie dircookie_start = 0;

using oflags = std::uint16_t;
inline constexpr oflags oflag_creat = 1, oflag_directory = 2, oflag_excl = 4, oflag_trunc = 8;

using lookupflags = std::uint32_t;
/// Follow a symbolic link in the LAST component (intermediate ones are always followed).
inline constexpr lookupflags lookup_symlink_follow = 1;

enum class whence : std::uint8_t { set = 0, cur = 1, end = 2 };

using fstflags = std::uint16_t;
inline constexpr fstflags fstflag_atim = 1, fstflag_atim_now = 2, fstflag_mtim = 4, fstflag_mtim_now = 8;

enum class advice : std::uint8_t { normal = 0, sequential = 1, random = 2, willneed = 3, dontneed = 4, noreuse = 5 };

inline constexpr rights right_fd_datasync = 1ull << 0, right_fd_seek = 1ull << 2, right_fd_sync = 1ull << 4,
                        right_fd_tell = 1ull << 5, right_fd_advise = 1ull << 7, right_fd_allocate = 1ull << 8,
                        right_path_create_directory = 1ull << 9, right_path_create_file = 1ull << 10,
                        right_path_link_source = 1ull << 11, right_path_link_target = 1ull << 12,
                        right_path_open = 1ull << 13, right_fd_readdir = 1ull << 14,
                        right_path_readlink = 1ull << 15, right_path_rename_source = 1ull << 16,
                        right_path_rename_target = 1ull << 17, right_path_filestat_get = 1ull << 18,
                        right_path_filestat_set_size = 1ull << 19, right_path_filestat_set_times = 1ull << 20,
                        right_fd_filestat_get = 1ull << 21, right_fd_filestat_set_size = 1ull << 22,
                        right_fd_filestat_set_times = 1ull << 23, right_path_symlink = 1ull << 24,
                        right_path_remove_directory = 1ull << 25, right_path_unlink_file = 1ull << 26;
/// Every right preview1 defines (bits 0..29).
inline constexpr rights rights_all = (1ull << 30) - 1;

/// fd_filestat_get / path_filestat_get's result (64 bytes).
struct filestat {
  device dev;
  inode ino;
  std::uint8_t filetype;
  std::uint8_t pad[7];
  linkcount nlink;
  filesize size;
  timestamp atim;
  timestamp mtim;
  timestamp ctim;
};

/// The fixed header of one fd_readdir entry (24 bytes); d_namlen bytes of name follow it.
struct dirent {
  dircookie d_next;
  inode d_ino;
  std::uint32_t d_namlen;
  std::uint8_t d_type;
  std::uint8_t pad[3];
};

inline constexpr std::size_t filestat_size = 64, dirent_size = 24;

static_assert(sizeof(filestat) == filestat_size && alignof(filestat) == 8);
static_assert(offsetof(filestat, dev) == 0 && offsetof(filestat, ino) == 8 && offsetof(filestat, filetype) == 16 &&
              offsetof(filestat, nlink) == 24 && offsetof(filestat, size) == 32 && offsetof(filestat, atim) == 40 &&
              offsetof(filestat, mtim) == 48 && offsetof(filestat, ctim) == 56);
static_assert(sizeof(dirent) == dirent_size && offsetof(dirent, d_ino) == 8 && offsetof(dirent, d_namlen) == 16 &&
              offsetof(dirent, d_type) == 20);

}  // namespace wasio::abi
