// wasio::sys filesystem calls for natively linked guests: straight to the host core.

#include "host_buffers.hpp"
#include "wasio/sys/fs.hpp"
#include "wasio/testbed/native.hpp"

namespace wasio::sys {

using testbed::native::current;
using testbed::native::detail::host_ciovecs;
using testbed::native::detail::host_iovecs;

namespace {
std::span<std::byte> bytes_of(std::span<char> out) { return std::as_writable_bytes(out); }
}  // namespace

result<abi::prestat> fd_prestat_get(fd_t fd) {
  abi::prestat out{};
  if (auto code = current().fd_prestat_get(fd, out); code != errc::success) return fail(code);
  return out;
}

result<void> fd_prestat_dir_name(fd_t fd, std::span<char> out) {
  return check(current().fd_prestat_dir_name(fd, bytes_of(out)));
}

result<fd_t> path_open(fd_t dir, abi::lookupflags lookup, std::string_view path, abi::oflags oflags,
                       abi::rights base, abi::rights inheriting, abi::fdflags flags) {
  abi::fd opened = 0;
  if (auto code = current().path_open(dir, lookup, path, oflags, base, inheriting, flags, opened);
      code != errc::success)
    return fail(code);
  return opened;
}

result<std::size_t> fd_pread(fd_t fd, std::span<const buffer> buffers, abi::filesize offset) {
  const host_iovecs translated(buffers);
  std::size_t read = 0;
  if (auto code = current().fd_pread(fd, translated.view(), offset, read); code != errc::success) return fail(code);
  return read;
}

result<std::size_t> fd_pwrite(fd_t fd, std::span<const const_buffer> buffers, abi::filesize offset) {
  const host_ciovecs translated(buffers);
  std::size_t written = 0;
  if (auto code = current().fd_pwrite(fd, translated.view(), offset, written); code != errc::success)
    return fail(code);
  return written;
}

result<abi::filesize> fd_seek(fd_t fd, abi::filedelta offset, abi::whence whence) {
  abi::filesize at = 0;
  if (auto code = current().fd_seek(fd, offset, whence, at); code != errc::success) return fail(code);
  return at;
}

result<abi::filesize> fd_tell(fd_t fd) {
  abi::filesize at = 0;
  if (auto code = current().fd_tell(fd, at); code != errc::success) return fail(code);
  return at;
}

result<void> fd_sync(fd_t fd) { return check(current().fd_sync(fd)); }
result<void> fd_datasync(fd_t fd) { return check(current().fd_datasync(fd)); }

result<abi::filestat> fd_filestat_get(fd_t fd) {
  abi::filestat out{};
  if (auto code = current().fd_filestat_get(fd, out); code != errc::success) return fail(code);
  return out;
}

result<void> fd_filestat_set_size(fd_t fd, abi::filesize size) { return check(current().fd_filestat_set_size(fd, size)); }

result<void> fd_filestat_set_times(fd_t fd, abi::timestamp atim, abi::timestamp mtim, abi::fstflags flags) {
  return check(current().fd_filestat_set_times(fd, atim, mtim, flags));
}

result<void> fd_allocate(fd_t fd, abi::filesize offset, abi::filesize len) {
  return check(current().fd_allocate(fd, offset, len));
}

result<void> fd_advise(fd_t fd, abi::filesize offset, abi::filesize len, abi::advice advice) {
  return check(current().fd_advise(fd, offset, len, advice));
}

result<std::size_t> fd_readdir(fd_t fd, std::span<std::byte> out, abi::dircookie cookie) {
  std::size_t used = 0;
  if (auto code = current().fd_readdir(fd, out, cookie, used); code != errc::success) return fail(code);
  return used;
}

result<void> fd_renumber(fd_t from, fd_t to) { return check(current().fd_renumber(from, to)); }

result<void> fd_fdstat_set_rights(fd_t fd, abi::rights base, abi::rights inheriting) {
  return check(current().fd_fdstat_set_rights(fd, base, inheriting));
}

result<abi::filestat> path_filestat_get(fd_t dir, abi::lookupflags lookup, std::string_view path) {
  abi::filestat out{};
  if (auto code = current().path_filestat_get(dir, lookup, path, out); code != errc::success) return fail(code);
  return out;
}

result<void> path_filestat_set_times(fd_t dir, abi::lookupflags lookup, std::string_view path, abi::timestamp atim,
                                     abi::timestamp mtim, abi::fstflags flags) {
  return check(current().path_filestat_set_times(dir, lookup, path, atim, mtim, flags));
}

result<void> path_create_directory(fd_t dir, std::string_view path) {
  return check(current().path_create_directory(dir, path));
}

result<void> path_remove_directory(fd_t dir, std::string_view path) {
  return check(current().path_remove_directory(dir, path));
}

result<void> path_unlink_file(fd_t dir, std::string_view path) { return check(current().path_unlink_file(dir, path)); }

result<void> path_rename(fd_t old_dir, std::string_view old_path, fd_t new_dir, std::string_view new_path) {
  return check(current().path_rename(old_dir, old_path, new_dir, new_path));
}

result<void> path_link(fd_t old_dir, abi::lookupflags lookup, std::string_view old_path, fd_t new_dir,
                       std::string_view new_path) {
  return check(current().path_link(old_dir, lookup, old_path, new_dir, new_path));
}

result<void> path_symlink(std::string_view target, fd_t dir, std::string_view path) {
  return check(current().path_symlink(target, dir, path));
}

result<std::size_t> path_readlink(fd_t dir, std::string_view path, std::span<char> out) {
  std::size_t used = 0;
  if (auto code = current().path_readlink(dir, path, bytes_of(out), used); code != errc::success) return fail(code);
  return used;
}

}  // namespace wasio::sys
