#pragma once
/// wasio::sys filesystem calls: thin typed wrappers of the WASI preview1 file and directory calls.
///
/// Like sys.hpp, implemented only by guest/sys/wasi (wasm32) and host-testbed/native (natively
/// linked guests). Most programs use the layer above, wasio/fs/ (paths against the pre-opens,
/// RAII files); these are for code that needs the raw calls.
///
/// Errors: each function returns the host's errno as `errc` unchanged. Common ones: badf (not an
/// open fd), notdir (a path call on a fd that is not a directory), notcapable (the fd lacks the
/// right, or the path leads outside the pre-opened directory), noent, exist, isdir, notempty,
/// loop (a symlink where none may be followed), inval, nametoolong, ilseq (a path not UTF-8).
/// Notes: files are always ready: these calls never return `again` on regular files and are
/// synchronous (a write returns once the host's write(2) did); `path` is the guest's bytes, not
/// NUL-terminated, relative to `dir`.

#include <cstddef>
#include <span>
#include <string_view>

#include "wasio/result.hpp"
#include "wasio/sys/fs_abi.hpp"
#include "wasio/sys/sys.hpp"

namespace wasio::sys {

/// The pre-open behind `fd` (tag 0 = directory, and its name's length). Errors: badf (not a
/// pre-open: the scan of pre-opens stops there).
result<abi::prestat> fd_prestat_get(fd_t fd);
/// Copies the pre-open's name (no NUL) into `out`. Errors: badf, nametoolong (`out` too short).
result<void> fd_prestat_dir_name(fd_t fd, std::span<char> out);

/// Opens `path` beneath `dir`; returns the new fd.
/// Errors: noent, exist (creat|excl), notdir, isdir (write access to a directory), loop,
/// notcapable, mfile, acces, rofs.
result<fd_t> path_open(fd_t dir, abi::lookupflags lookup, std::string_view path, abi::oflags oflags,
                       abi::rights base, abi::rights inheriting, abi::fdflags flags);

/// Positional read / write: the fd's offset does not move. Errors: badf, notcapable, isdir, spipe.
result<std::size_t> fd_pread(fd_t fd, std::span<const buffer> buffers, abi::filesize offset);
result<std::size_t> fd_pwrite(fd_t fd, std::span<const const_buffer> buffers, abi::filesize offset);
/// Moves the offset; returns the new one. Errors: badf, spipe (not seekable), inval, notcapable.
result<abi::filesize> fd_seek(fd_t fd, abi::filedelta offset, abi::whence whence);
/// The current offset. Errors: badf, spipe, notcapable.
result<abi::filesize> fd_tell(fd_t fd);
/// fsync(2) / fdatasync(2). Errors: badf, notcapable, io, inval (sockets).
result<void> fd_sync(fd_t fd);
result<void> fd_datasync(fd_t fd);
/// Errors: badf, notcapable.
result<abi::filestat> fd_filestat_get(fd_t fd);
/// Errors: badf, notcapable, inval, isdir, fbig.
result<void> fd_filestat_set_size(fd_t fd, abi::filesize size);
/// Errors: badf, notcapable, inval (a time both given and _now).
result<void> fd_filestat_set_times(fd_t fd, abi::timestamp atim, abi::timestamp mtim, abi::fstflags flags);
/// Errors: badf, notcapable, inval, nospc; notsup where the host has no such call.
result<void> fd_allocate(fd_t fd, abi::filesize offset, abi::filesize len);
/// Errors: badf, notcapable, inval.
result<void> fd_advise(fd_t fd, abi::filesize offset, abi::filesize len, abi::advice advice);
/// Reads dirents from `cookie` into `out`; returns the bytes used (== out.size(): call again from
/// the last whole entry's d_next). Errors: badf, notdir, notcapable.
result<std::size_t> fd_readdir(fd_t fd, std::span<std::byte> out, abi::dircookie cookie);
/// Errors: badf, notsup (hosts that cannot renumber that fd).
result<void> fd_renumber(fd_t from, fd_t to);
/// Errors: badf, notcapable (asks for more than the fd has).
result<void> fd_fdstat_set_rights(fd_t fd, abi::rights base, abi::rights inheriting);

/// Errors: noent, notdir, loop, notcapable.
result<abi::filestat> path_filestat_get(fd_t dir, abi::lookupflags lookup, std::string_view path);
/// Errors: as path_filestat_get, inval.
result<void> path_filestat_set_times(fd_t dir, abi::lookupflags lookup, std::string_view path, abi::timestamp atim,
                                     abi::timestamp mtim, abi::fstflags flags);
/// Errors: exist, noent, notdir, notcapable.
result<void> path_create_directory(fd_t dir, std::string_view path);
/// Errors: noent, notdir, notempty, notcapable.
result<void> path_remove_directory(fd_t dir, std::string_view path);
/// Errors: noent, isdir, notdir, notcapable.
result<void> path_unlink_file(fd_t dir, std::string_view path);
/// Atomically replaces `new_path` (as rename(2)). Errors: noent, notdir, isdir, notempty, xdev,
/// notcapable.
result<void> path_rename(fd_t old_dir, std::string_view old_path, fd_t new_dir, std::string_view new_path);
/// Errors: exist, noent, notcapable, xdev, perm.
result<void> path_link(fd_t old_dir, abi::lookupflags lookup, std::string_view old_path, fd_t new_dir,
                       std::string_view new_path);
/// Errors: exist, noent, notcapable (an absolute target).
result<void> path_symlink(std::string_view target, fd_t dir, std::string_view path);
/// Copies the link's text into `out`; returns its length (cut at out.size()). Errors: inval (not a
/// link), noent, notcapable.
result<std::size_t> path_readlink(fd_t dir, std::string_view path, std::span<char> out);

}  // namespace wasio::sys
