// wasio::sys filesystem calls over wasi_snapshot_preview1 (declared here, beside imports.hpp, with
// the exact core-wasm signatures: pointers and sizes i32, offsets, rights and timestamps i64).

#include "imports.hpp"
#include "wasio/sys/fs.hpp"

#define WASIO_WASI_IMPORT(name) \
  __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

namespace wasio::sys {
namespace wasi {
extern "C" {
errno_t wasio_wasi_fd_prestat_get(abi::fd fd, abi::prestat* out) WASIO_WASI_IMPORT(fd_prestat_get);
errno_t wasio_wasi_fd_prestat_dir_name(abi::fd fd, char* out, std::uint32_t len) WASIO_WASI_IMPORT(fd_prestat_dir_name);
errno_t wasio_wasi_path_open(abi::fd dir, std::uint32_t lookup, const char* path, std::uint32_t path_len,
                             std::uint32_t oflags, abi::rights base, abi::rights inheriting, std::uint32_t fdflags,
                             abi::fd* opened) WASIO_WASI_IMPORT(path_open);
errno_t wasio_wasi_fd_pread(abi::fd fd, const void* iovs, std::uint32_t iovs_len, abi::filesize offset,
                            std::uint32_t* read) WASIO_WASI_IMPORT(fd_pread);
errno_t wasio_wasi_fd_pwrite(abi::fd fd, const void* ciovs, std::uint32_t ciovs_len, abi::filesize offset,
                             std::uint32_t* written) WASIO_WASI_IMPORT(fd_pwrite);
errno_t wasio_wasi_fd_seek(abi::fd fd, abi::filedelta offset, std::uint32_t whence, abi::filesize* at)
    WASIO_WASI_IMPORT(fd_seek);
errno_t wasio_wasi_fd_tell(abi::fd fd, abi::filesize* at) WASIO_WASI_IMPORT(fd_tell);
errno_t wasio_wasi_fd_sync(abi::fd fd) WASIO_WASI_IMPORT(fd_sync);
errno_t wasio_wasi_fd_datasync(abi::fd fd) WASIO_WASI_IMPORT(fd_datasync);
errno_t wasio_wasi_fd_filestat_get(abi::fd fd, abi::filestat* out) WASIO_WASI_IMPORT(fd_filestat_get);
errno_t wasio_wasi_fd_filestat_set_size(abi::fd fd, abi::filesize size) WASIO_WASI_IMPORT(fd_filestat_set_size);
errno_t wasio_wasi_fd_filestat_set_times(abi::fd fd, abi::timestamp atim, abi::timestamp mtim, std::uint32_t flags)
    WASIO_WASI_IMPORT(fd_filestat_set_times);
errno_t wasio_wasi_fd_allocate(abi::fd fd, abi::filesize offset, abi::filesize len) WASIO_WASI_IMPORT(fd_allocate);
errno_t wasio_wasi_fd_advise(abi::fd fd, abi::filesize offset, abi::filesize len, std::uint32_t advice)
    WASIO_WASI_IMPORT(fd_advise);
errno_t wasio_wasi_fd_readdir(abi::fd fd, void* buf, std::uint32_t len, abi::dircookie cookie, std::uint32_t* used)
    WASIO_WASI_IMPORT(fd_readdir);
errno_t wasio_wasi_fd_renumber(abi::fd from, abi::fd to) WASIO_WASI_IMPORT(fd_renumber);
errno_t wasio_wasi_fd_fdstat_set_rights(abi::fd fd, abi::rights base, abi::rights inheriting)
    WASIO_WASI_IMPORT(fd_fdstat_set_rights);
errno_t wasio_wasi_path_filestat_get(abi::fd dir, std::uint32_t lookup, const char* path, std::uint32_t path_len,
                                     abi::filestat* out) WASIO_WASI_IMPORT(path_filestat_get);
errno_t wasio_wasi_path_filestat_set_times(abi::fd dir, std::uint32_t lookup, const char* path, std::uint32_t path_len,
                                           abi::timestamp atim, abi::timestamp mtim, std::uint32_t flags)
    WASIO_WASI_IMPORT(path_filestat_set_times);
errno_t wasio_wasi_path_create_directory(abi::fd dir, const char* path, std::uint32_t path_len)
    WASIO_WASI_IMPORT(path_create_directory);
errno_t wasio_wasi_path_remove_directory(abi::fd dir, const char* path, std::uint32_t path_len)
    WASIO_WASI_IMPORT(path_remove_directory);
errno_t wasio_wasi_path_unlink_file(abi::fd dir, const char* path, std::uint32_t path_len)
    WASIO_WASI_IMPORT(path_unlink_file);
errno_t wasio_wasi_path_rename(abi::fd old_dir, const char* old_path, std::uint32_t old_len, abi::fd new_dir,
                               const char* new_path, std::uint32_t new_len) WASIO_WASI_IMPORT(path_rename);
errno_t wasio_wasi_path_link(abi::fd old_dir, std::uint32_t lookup, const char* old_path, std::uint32_t old_len,
                             abi::fd new_dir, const char* new_path, std::uint32_t new_len) WASIO_WASI_IMPORT(path_link);
errno_t wasio_wasi_path_symlink(const char* target, std::uint32_t target_len, abi::fd dir, const char* path,
                                std::uint32_t path_len) WASIO_WASI_IMPORT(path_symlink);
errno_t wasio_wasi_path_readlink(abi::fd dir, const char* path, std::uint32_t path_len, char* buf, std::uint32_t len,
                                 std::uint32_t* used) WASIO_WASI_IMPORT(path_readlink);
}

std::uint32_t length(std::string_view s) { return static_cast<std::uint32_t>(s.size()); }
}  // namespace wasi

using wasi::length;
using wasi::to_result;

result<abi::prestat> fd_prestat_get(fd_t fd) {
  abi::prestat out{};
  if (auto r = to_result(wasi::wasio_wasi_fd_prestat_get(fd, &out)); !r) return fail(r.error());
  return out;
}

result<void> fd_prestat_dir_name(fd_t fd, std::span<char> out) {
  return to_result(wasi::wasio_wasi_fd_prestat_dir_name(fd, out.data(), static_cast<std::uint32_t>(out.size())));
}

result<fd_t> path_open(fd_t dir, abi::lookupflags lookup, std::string_view path, abi::oflags oflags,
                       abi::rights base, abi::rights inheriting, abi::fdflags flags) {
  abi::fd opened = 0;
  if (auto r = to_result(wasi::wasio_wasi_path_open(dir, lookup, path.data(), length(path), oflags, base, inheriting,
                                                     flags, &opened));
      !r)
    return fail(r.error());
  return opened;
}

result<std::size_t> fd_pread(fd_t fd, std::span<const buffer> buffers, abi::filesize offset) {
  std::uint32_t read = 0;
  // Safety: sys::buffer is a preview1 iovec on wasm32 (static_assert in sys.hpp).
  if (auto r = to_result(wasi::wasio_wasi_fd_pread(fd, buffers.data(), static_cast<std::uint32_t>(buffers.size()),
                                                   offset, &read));
      !r)
    return fail(r.error());
  return static_cast<std::size_t>(read);
}

result<std::size_t> fd_pwrite(fd_t fd, std::span<const const_buffer> buffers, abi::filesize offset) {
  std::uint32_t written = 0;
  // Safety: sys::const_buffer is a preview1 ciovec on wasm32 (static_assert in sys.hpp).
  if (auto r = to_result(wasi::wasio_wasi_fd_pwrite(fd, buffers.data(), static_cast<std::uint32_t>(buffers.size()),
                                                    offset, &written));
      !r)
    return fail(r.error());
  return static_cast<std::size_t>(written);
}

result<abi::filesize> fd_seek(fd_t fd, abi::filedelta offset, abi::whence whence) {
  abi::filesize at = 0;
  if (auto r = to_result(wasi::wasio_wasi_fd_seek(fd, offset, static_cast<std::uint32_t>(whence), &at)); !r)
    return fail(r.error());
  return at;
}

result<abi::filesize> fd_tell(fd_t fd) {
  abi::filesize at = 0;
  if (auto r = to_result(wasi::wasio_wasi_fd_tell(fd, &at)); !r) return fail(r.error());
  return at;
}

result<void> fd_sync(fd_t fd) { return to_result(wasi::wasio_wasi_fd_sync(fd)); }
result<void> fd_datasync(fd_t fd) { return to_result(wasi::wasio_wasi_fd_datasync(fd)); }

result<abi::filestat> fd_filestat_get(fd_t fd) {
  abi::filestat out{};
  if (auto r = to_result(wasi::wasio_wasi_fd_filestat_get(fd, &out)); !r) return fail(r.error());
  return out;
}

result<void> fd_filestat_set_size(fd_t fd, abi::filesize size) {
  return to_result(wasi::wasio_wasi_fd_filestat_set_size(fd, size));
}

result<void> fd_filestat_set_times(fd_t fd, abi::timestamp atim, abi::timestamp mtim, abi::fstflags flags) {
  return to_result(wasi::wasio_wasi_fd_filestat_set_times(fd, atim, mtim, flags));
}

result<void> fd_allocate(fd_t fd, abi::filesize offset, abi::filesize len) {
  return to_result(wasi::wasio_wasi_fd_allocate(fd, offset, len));
}

result<void> fd_advise(fd_t fd, abi::filesize offset, abi::filesize len, abi::advice advice) {
  return to_result(wasi::wasio_wasi_fd_advise(fd, offset, len, static_cast<std::uint32_t>(advice)));
}

result<std::size_t> fd_readdir(fd_t fd, std::span<std::byte> out, abi::dircookie cookie) {
  std::uint32_t used = 0;
  if (auto r = to_result(
          wasi::wasio_wasi_fd_readdir(fd, out.data(), static_cast<std::uint32_t>(out.size()), cookie, &used));
      !r)
    return fail(r.error());
  return static_cast<std::size_t>(used);
}

result<void> fd_renumber(fd_t from, fd_t to) { return to_result(wasi::wasio_wasi_fd_renumber(from, to)); }

result<void> fd_fdstat_set_rights(fd_t fd, abi::rights base, abi::rights inheriting) {
  return to_result(wasi::wasio_wasi_fd_fdstat_set_rights(fd, base, inheriting));
}

result<abi::filestat> path_filestat_get(fd_t dir, abi::lookupflags lookup, std::string_view path) {
  abi::filestat out{};
  if (auto r = to_result(wasi::wasio_wasi_path_filestat_get(dir, lookup, path.data(), length(path), &out)); !r)
    return fail(r.error());
  return out;
}

result<void> path_filestat_set_times(fd_t dir, abi::lookupflags lookup, std::string_view path, abi::timestamp atim,
                                     abi::timestamp mtim, abi::fstflags flags) {
  return to_result(wasi::wasio_wasi_path_filestat_set_times(dir, lookup, path.data(), length(path), atim, mtim, flags));
}

result<void> path_create_directory(fd_t dir, std::string_view path) {
  return to_result(wasi::wasio_wasi_path_create_directory(dir, path.data(), length(path)));
}

result<void> path_remove_directory(fd_t dir, std::string_view path) {
  return to_result(wasi::wasio_wasi_path_remove_directory(dir, path.data(), length(path)));
}

result<void> path_unlink_file(fd_t dir, std::string_view path) {
  return to_result(wasi::wasio_wasi_path_unlink_file(dir, path.data(), length(path)));
}

result<void> path_rename(fd_t old_dir, std::string_view old_path, fd_t new_dir, std::string_view new_path) {
  return to_result(
      wasi::wasio_wasi_path_rename(old_dir, old_path.data(), length(old_path), new_dir, new_path.data(), length(new_path)));
}

result<void> path_link(fd_t old_dir, abi::lookupflags lookup, std::string_view old_path, fd_t new_dir,
                       std::string_view new_path) {
  return to_result(wasi::wasio_wasi_path_link(old_dir, lookup, old_path.data(), length(old_path), new_dir,
                                              new_path.data(), length(new_path)));
}

result<void> path_symlink(std::string_view target, fd_t dir, std::string_view path) {
  return to_result(wasi::wasio_wasi_path_symlink(target.data(), length(target), dir, path.data(), length(path)));
}

result<std::size_t> path_readlink(fd_t dir, std::string_view path, std::span<char> out) {
  std::uint32_t used = 0;
  if (auto r = to_result(wasi::wasio_wasi_path_readlink(dir, path.data(), length(path), out.data(),
                                                        static_cast<std::uint32_t>(out.size()), &used));
      !r)
    return fail(r.error());
  return static_cast<std::size_t>(used);
}

}  // namespace wasio::sys

#undef WASIO_WASI_IMPORT
