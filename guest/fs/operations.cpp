// wasio::fs path operations over wasio::sys's path calls.
#include "wasio/fs/operations.hpp"

#include <array>
#include <cstring>

#include "wasio/fs/preopens.hpp"
#include "wasio/sys/fs.hpp"

namespace wasio::fs {

result<void> rename(std::string_view from, std::string_view to) {
  auto source = resolve(from);
  if (!source) return fail(source.error());
  auto target = resolve(to);
  if (!target) return fail(target.error());
  return sys::path_rename(source->directory, source->relative, target->directory, target->relative);
}

result<void> remove(std::string_view path) {
  auto where = resolve(path);
  if (!where) return fail(where.error());
  auto unlinked = sys::path_unlink_file(where->directory, where->relative);
  if (unlinked || (unlinked.error() != errc::isdir && unlinked.error() != errc::perm)) return unlinked;
  // Linux answers EISDIR for a directory (POSIX allows EPERM): then it is rmdir's job.
  return sys::path_remove_directory(where->directory, where->relative);
}

result<void> create_directory(std::string_view path) {
  auto where = resolve(path);
  if (!where) return fail(where.error());
  return sys::path_create_directory(where->directory, where->relative);
}

result<file_status> stat(std::string_view path) {
  auto where = resolve(path);
  if (!where) return fail(where.error());
  auto s = sys::path_filestat_get(where->directory, abi::lookup_symlink_follow, where->relative);
  if (!s) return fail(s.error());
  file_status out;
  out.type = static_cast<file_type>(s->filetype);
  out.size = s->size;
  out.links = s->nlink;
  out.modified_ns = s->mtim;
  out.accessed_ns = s->atim;
  out.changed_ns = s->ctim;
  return out;
}

result<std::vector<directory_entry>> list_directory(std::string_view path, std::size_t max_entries) {
  auto where = resolve(path);
  if (!where) return fail(where.error());
  auto dir = sys::path_open(where->directory, abi::lookup_symlink_follow, where->relative, abi::oflag_directory,
                            abi::right_fd_readdir, 0, 0);
  if (!dir) return fail(dir.error());
  std::vector<directory_entry> entries;
  // A buffer of 4 KiB holds many entries; an entry longer than it (a name near NAME_MAX fits) would
  // be cut forever, so a cut first entry is an error rather than a loop.
  alignas(8) std::array<std::byte, 4096> buffer;
  abi::dircookie cookie = abi::dircookie_start;
  errc failure = errc::success;
  for (;;) {
    auto used = sys::fd_readdir(*dir, buffer, cookie);
    if (!used) {
      failure = used.error();
      break;
    }
    std::size_t at = 0;
    bool progressed = false;
    while (at + sizeof(abi::dirent) <= *used) {
      abi::dirent header;
      std::memcpy(&header, buffer.data() + at, sizeof header);
      if (at + sizeof header + header.d_namlen > *used) break;  // cut: ask again from `cookie`
      std::string name(reinterpret_cast<const char*>(buffer.data() + at + sizeof header), header.d_namlen);
      at += sizeof header + header.d_namlen;
      cookie = header.d_next;
      progressed = true;
      if (name == "." || name == "..") continue;
      if (entries.size() >= max_entries) {
        failure = errc::nomem;
        break;
      }
      entries.push_back(directory_entry{std::move(name), static_cast<file_type>(header.d_type)});
    }
    if (failure != errc::success || *used < buffer.size()) break;  // a short buffer is the end
    if (!progressed) {
      failure = errc::nametoolong;
      break;
    }
  }
  (void)sys::fd_close(*dir);
  if (failure != errc::success) return fail(failure);
  return entries;
}

result<void> sync_directory(std::string_view path) {
  auto where = resolve(path);
  if (!where) return fail(where.error());
  auto dir = sys::path_open(where->directory, abi::lookup_symlink_follow, where->relative, abi::oflag_directory,
                            abi::right_fd_sync | abi::right_fd_datasync, 0, 0);
  if (!dir) return fail(dir.error());
  auto synced = sys::fd_sync(*dir);
  (void)sys::fd_close(*dir);
  return synced;
}

}  // namespace wasio::fs
