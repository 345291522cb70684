// The preview1 file and directory calls (filesystem.hpp). Every path goes through
// path_resolver_impl; every call checks the fd's rights before it does anything.
#include "filesystem.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "errno_map.hpp"
#include "iovecs.hpp"

namespace wasio::testbed {

void fs_object_deleter::operator()(fs_object* object) const { delete object; }

fs_object::~fs_object() {
  if (stream != nullptr) ::closedir(stream);  // closes its own dup, never `fd`
}

abi::filetype to_filetype(mode_t mode) {
  if (S_ISREG(mode)) return abi::filetype::regular_file;
  if (S_ISDIR(mode)) return abi::filetype::directory;
  if (S_ISLNK(mode)) return abi::filetype::symbolic_link;
  if (S_ISCHR(mode)) return abi::filetype::character_device;
  if (S_ISBLK(mode)) return abi::filetype::block_device;
  if (S_ISSOCK(mode)) return abi::filetype::socket_stream;
  return abi::filetype::unknown;  // FIFOs have no WASI type
}

abi::filestat to_filestat(const struct stat& st) {
  abi::filestat out{};
  auto ns = [](const timespec& t) {
    return static_cast<abi::timestamp>(t.tv_sec) * 1'000'000'000u + static_cast<abi::timestamp>(t.tv_nsec);
  };
  out.dev = static_cast<abi::device>(st.st_dev);
  out.ino = static_cast<abi::inode>(st.st_ino);
  out.filetype = static_cast<std::uint8_t>(to_filetype(st.st_mode));
  out.nlink = static_cast<abi::linkcount>(st.st_nlink);
  out.size = static_cast<abi::filesize>(st.st_size);
  out.atim = ns(st.st_atim);
  out.mtim = ns(st.st_mtim);
  out.ctim = ns(st.st_ctim);
  return out;
}

namespace {

constexpr abi::fdflags known_fdflags =
    abi::fdflag_append | abi::fdflag_dsync | abi::fdflag_nonblock | abi::fdflag_rsync | abi::fdflag_sync;

int open_flags_for(abi::fdflags flags) {
  int out = 0;
  if (flags & abi::fdflag_append) out |= O_APPEND;
  if (flags & abi::fdflag_dsync) out |= O_DSYNC;
  if (flags & abi::fdflag_nonblock) out |= O_NONBLOCK;
  if (flags & abi::fdflag_rsync) out |= O_RSYNC;
  if (flags & abi::fdflag_sync) out |= O_SYNC;
  return out;
}

/// utimensat's pair from WASI's (value, flags) for one time. Errors: inval (value and _now both).
errc to_timespec(abi::timestamp value, bool set, bool now, timespec& out) {
  if (set && now) return errc::inval;
  if (now) {
    out = {0, UTIME_NOW};
  } else if (set) {
    out.tv_sec = static_cast<time_t>(value / 1'000'000'000u);
    out.tv_nsec = static_cast<long>(value % 1'000'000'000u);
  } else {
    out = {0, UTIME_OMIT};
  }
  return errc::success;
}

errc times_of(abi::timestamp atim, abi::timestamp mtim, abi::fstflags flags, timespec (&times)[2]) {
  if ((flags & ~(abi::fstflag_atim | abi::fstflag_atim_now | abi::fstflag_mtim | abi::fstflag_mtim_now)) != 0)
    return errc::inval;
  if (errc e = to_timespec(atim, flags & abi::fstflag_atim, flags & abi::fstflag_atim_now, times[0]); e != errc::success)
    return e;
  return to_timespec(mtim, flags & abi::fstflag_mtim, flags & abi::fstflag_mtim_now, times[1]);
}

/// Sets times on what an O_PATH descriptor names (AT_EMPTY_PATH, else its /proc/self/fd link on
/// kernels whose utimensat lacks AT_EMPTY_PATH).
errc set_times_on(int fd, const timespec (&times)[2], bool is_symlink) {
  if (::utimensat(fd, "", times, AT_EMPTY_PATH | (is_symlink ? AT_SYMLINK_NOFOLLOW : 0)) == 0) return errc::success;
  if (errno != EINVAL) return from_errno(errno);
  const std::string proc = "/proc/self/fd/" + std::to_string(fd);
  if (::utimensat(AT_FDCWD, proc.c_str(), times, 0) == 0) return errc::success;
  return from_errno(errno);
}

errc io_result(ssize_t n, std::size_t& count) {
  if (n < 0) return from_errno(errno);
  count = static_cast<std::size_t>(n);
  return errc::success;
}

}  // namespace

result<void> filesystem::open_preopen(host::impl& h, const preopen_spec& spec) {
  int fd = ::open(spec.host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail(from_errno(errno));
  auto object = std::unique_ptr<fs_object, fs_object_deleter>(new fs_object);
  object->fd = unique_fd(fd);
  object->directory = true;
  object->read_only = spec.read_only;
  object->rights_base = spec.read_only ? directory_rights & ~mutating_rights : directory_rights;
  object->rights_inheriting = spec.read_only ? (directory_rights | file_rights) & ~mutating_rights
                                             : directory_rights | file_rights;
  object->preopen_name = spec.guest_path;
  auto entry = std::make_unique<open_fd>();
  entry->kind = fd_kind::directory;
  entry->host_fd = fd;
  entry->fs = std::move(object);
  open_fd& added = h.add(std::move(entry));
  h.directories.push_back(bound_directory{added.number, spec.host_path, spec.guest_path, spec.read_only});
  return {};
}

result<fs_object*> filesystem::object(abi::fd fd, abi::rights needed, std::string_view call) {
  open_fd* f = h_.find(fd);
  if (f == nullptr) return fail(errc::badf);
  if (!f->is_fs()) {
    errc e = h_.fd_unsupported(call, fd);
    return fail(e == errc::success ? errc::notsup : e);
  }
  if ((f->fs->rights_base & needed) != needed) return fail(errc::notcapable);
  return f->fs.get();
}

result<fs_object*> filesystem::directory(abi::fd fd, abi::rights needed, std::string_view call,
                                         std::string_view path) {
  open_fd* f = h_.find(fd);
  if (f == nullptr) return fail(errc::badf);
  if (!f->is_fs()) {
    // uvwasi answers a path call on stdio with notcapable (HOST-SEMANTICS.md section 4).
    if (h_.config.semantics == profile::uvwasi && f->kind == fd_kind::stdio) return fail(errc::notcapable);
    errc e = h_.fd_unsupported(call, fd);
    return fail(e == errc::success ? errc::notsup : e);
  }
  if (!f->fs->directory) return fail(errc::notdir);
  if ((f->fs->rights_base & needed) != needed) return fail(errc::notcapable);
  if (errc e = check_path(path, h_.config.semantics != profile::uvwasi); e != errc::success) return fail(e);
  return f->fs.get();
}

// --- Reads and writes.

errc filesystem::fd_read(open_fd& f, std::span<const host_iovec> buffers, std::size_t& read) {
  read = 0;
  if ((f.fs->rights_base & abi::right_fd_read) == 0) return f.fs->directory ? errc::isdir : errc::notcapable;
  iovec vectors[max_iovecs];
  const std::size_t count = build_iovecs(buffers, 0, false, vectors);
  if (count == 0) return errc::success;
  ssize_t n;
  do {
    n = ::readv(f.fs->fd.get(), vectors, static_cast<int>(count));
  } while (n < 0 && errno == EINTR);
  return io_result(n, read);
}

errc filesystem::fd_write(open_fd& f, std::span<const host_ciovec> buffers, std::size_t& written) {
  written = 0;
  if ((f.fs->rights_base & abi::right_fd_write) == 0) return f.fs->directory ? errc::isdir : errc::notcapable;
  iovec vectors[max_iovecs];
  const std::size_t count = build_iovecs(buffers, 0, false, vectors);
  if (count == 0) return errc::success;
  ssize_t n;
  do {
    n = ::writev(f.fs->fd.get(), vectors, static_cast<int>(count));
  } while (n < 0 && errno == EINTR);
  return io_result(n, written);
}

errc filesystem::fd_pread(abi::fd fd, std::span<const host_iovec> buffers, abi::filesize offset, std::size_t& read) {
  read = 0;
  auto o = object(fd, abi::right_fd_read | abi::right_fd_seek, "fd_pread");
  if (!o) return o.error();
  if ((*o)->directory) return errc::isdir;
  if (offset > static_cast<abi::filesize>(INT64_MAX)) return errc::inval;
  iovec vectors[max_iovecs];
  const std::size_t count = build_iovecs(buffers, 0, false, vectors);
  if (count == 0) return errc::success;
  ssize_t n;
  do {
    n = ::preadv((*o)->fd.get(), vectors, static_cast<int>(count), static_cast<off_t>(offset));
  } while (n < 0 && errno == EINTR);
  return io_result(n, read);
}

errc filesystem::fd_pwrite(abi::fd fd, std::span<const host_ciovec> buffers, abi::filesize offset,
                           std::size_t& written) {
  written = 0;
  auto o = object(fd, abi::right_fd_write | abi::right_fd_seek, "fd_pwrite");
  if (!o) return o.error();
  if ((*o)->directory) return errc::isdir;
  if (offset > static_cast<abi::filesize>(INT64_MAX)) return errc::inval;
  iovec vectors[max_iovecs];
  const std::size_t count = build_iovecs(buffers, 0, false, vectors);
  if (count == 0) return errc::success;
  ssize_t n;
  do {
    n = ::pwritev((*o)->fd.get(), vectors, static_cast<int>(count), static_cast<off_t>(offset));
  } while (n < 0 && errno == EINTR);
  return io_result(n, written);
}

errc filesystem::fd_seek(abi::fd fd, abi::filedelta offset, abi::whence whence, abi::filesize& new_offset) {
  new_offset = 0;
  // Seeking to the current position is what fd_tell needs; either right allows it (wasmtime).
  const abi::rights needed = whence == abi::whence::cur && offset == 0 ? abi::right_fd_tell : abi::right_fd_seek;
  auto o = object(fd, 0, "fd_seek");
  if (!o) return o.error();
  if (((*o)->rights_base & (needed | abi::right_fd_seek)) == 0) return errc::notcapable;
  int how = whence == abi::whence::set ? SEEK_SET : whence == abi::whence::cur ? SEEK_CUR : SEEK_END;
  if (static_cast<std::uint8_t>(whence) > 2) return errc::inval;
  off_t at = ::lseek((*o)->fd.get(), static_cast<off_t>(offset), how);
  if (at < 0) return from_errno(errno);
  new_offset = static_cast<abi::filesize>(at);
  return errc::success;
}

errc filesystem::fd_tell(abi::fd fd, abi::filesize& offset) {
  offset = 0;
  auto o = object(fd, 0, "fd_tell");
  if (!o) return o.error();
  if (((*o)->rights_base & (abi::right_fd_tell | abi::right_fd_seek)) == 0) return errc::notcapable;
  off_t at = ::lseek((*o)->fd.get(), 0, SEEK_CUR);
  if (at < 0) return from_errno(errno);
  offset = static_cast<abi::filesize>(at);
  return errc::success;
}

errc filesystem::fd_sync(abi::fd fd, bool data_only) {
  auto o = object(fd, data_only ? abi::right_fd_datasync : abi::right_fd_sync, data_only ? "fd_datasync" : "fd_sync");
  if (!o) return o.error();
  int r;
  do {
    r = data_only ? ::fdatasync((*o)->fd.get()) : ::fsync((*o)->fd.get());
  } while (r != 0 && errno == EINTR);
  // A directory opened read-only still syncs (its entries), which fs::sync_directory relies on.
  return r == 0 ? errc::success : from_errno(errno);
}

errc filesystem::fd_filestat_get(abi::fd fd, abi::filestat& out) {
  out = abi::filestat{};
  open_fd* f = h_.find(fd);
  if (f != nullptr && f->kind == fd_kind::stdio) {
    struct stat st{};
    if (::fstat(f->host_fd, &st) != 0) return from_errno(errno);
    out = to_filestat(st);
    if (S_ISFIFO(st.st_mode)) out.filetype = static_cast<std::uint8_t>(abi::filetype::unknown);
    return errc::success;
  }
  auto o = object(fd, abi::right_fd_filestat_get, "fd_filestat_get");
  if (!o) return o.error();
  struct stat st{};
  if (::fstat((*o)->fd.get(), &st) != 0) return from_errno(errno);
  out = to_filestat(st);
  return errc::success;
}

errc filesystem::fd_filestat_set_size(abi::fd fd, abi::filesize size) {
  auto o = object(fd, abi::right_fd_filestat_set_size, "fd_filestat_set_size");
  if (!o) return o.error();
  if ((*o)->directory) return errc::isdir;
  if (size > static_cast<abi::filesize>(INT64_MAX)) return errc::inval;
  int r;
  do {
    r = ::ftruncate((*o)->fd.get(), static_cast<off_t>(size));
  } while (r != 0 && errno == EINTR);
  return r == 0 ? errc::success : from_errno(errno);
}

errc filesystem::fd_filestat_set_times(abi::fd fd, abi::timestamp atim, abi::timestamp mtim, abi::fstflags flags) {
  auto o = object(fd, abi::right_fd_filestat_set_times, "fd_filestat_set_times");
  if (!o) return o.error();
  timespec times[2];
  if (errc e = times_of(atim, mtim, flags, times); e != errc::success) return e;
  return ::futimens((*o)->fd.get(), times) == 0 ? errc::success : from_errno(errno);
}

errc filesystem::fd_allocate(abi::fd fd, abi::filesize offset, abi::filesize len) {
  auto o = object(fd, abi::right_fd_allocate, "fd_allocate");
  if (!o) return o.error();
  if ((*o)->directory) return errc::isdir;
  if (offset > static_cast<abi::filesize>(INT64_MAX) || len > static_cast<abi::filesize>(INT64_MAX) - offset)
    return errc::inval;
  int r = ::posix_fallocate((*o)->fd.get(), static_cast<off_t>(offset), static_cast<off_t>(len));
  return r == 0 ? errc::success : from_errno(r);
}

errc filesystem::fd_advise(abi::fd fd, abi::filesize offset, abi::filesize len, abi::advice advice) {
  auto o = object(fd, abi::right_fd_advise, "fd_advise");
  if (!o) return o.error();
  static constexpr int native[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                   POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
  const auto index = static_cast<std::uint8_t>(advice);
  if (index > 5) return errc::inval;
  if (offset > static_cast<abi::filesize>(INT64_MAX) || len > static_cast<abi::filesize>(INT64_MAX)) return errc::inval;
  if ((*o)->directory) return errc::success;  // nothing to advise; Linux would say ESPIPE for none
  int r = ::posix_fadvise((*o)->fd.get(), static_cast<off_t>(offset), static_cast<off_t>(len), native[index]);
  return r == 0 ? errc::success : from_errno(r);
}

// --- Directory listing.

errc filesystem::fd_readdir(abi::fd fd, std::span<std::byte> out, abi::dircookie cookie, std::size_t& used) {
  used = 0;
  auto o = object(fd, 0, "fd_readdir");
  if (!o) return o.error();
  fs_object& dir = **o;
  if (!dir.directory) return errc::notdir;
  if ((dir.rights_base & abi::right_fd_readdir) == 0) return errc::notcapable;
  // Cookies are entry indices: 0 ".", 1 "..", then the stream's entries in order (without its own
  // "." and ".."). A cookie other than the stream's position rewinds and skips, so any cookie a
  // guest saved works, and a hostile one costs at most one pass over the directory.
  if (dir.stream == nullptr) {
    int copy = ::openat(dir.fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (copy < 0) return from_errno(errno);
    dir.stream = ::fdopendir(copy);
    if (dir.stream == nullptr) {
      const int error = errno;
      ::close(copy);
      return from_errno(error);
    }
    dir.stream_position = 2;
  }
  if (cookie < 2 || cookie != dir.stream_position) {
    ::rewinddir(dir.stream);
    dir.stream_position = 2;
  }
  auto emit = [&](abi::dircookie next, abi::inode ino, abi::filetype type, std::string_view name) {
    abi::dirent header{};
    header.d_next = next;
    header.d_ino = ino;
    header.d_namlen = static_cast<std::uint32_t>(name.size());
    header.d_type = static_cast<std::uint8_t>(type);
    // The last entry is cut when it does not fit: used == out.size() tells the guest to call again.
    std::size_t n = std::min(out.size() - used, sizeof header);
    std::memcpy(out.data() + used, &header, n);
    used += n;
    n = std::min(out.size() - used, name.size());
    std::memcpy(out.data() + used, name.data(), n);
    used += n;
    return used < out.size();
  };
  for (abi::dircookie special = cookie; special < 2; ++special) {
    struct stat st{};
    const char* name = special == 0 ? "." : "..";
    // ".." of a pre-open is outside the sandbox: its inode is not the guest's to learn.
    const bool hide = special == 1 && dir.preopen_name.has_value();
    if (!hide && ::fstatat(dir.fd.get(), name, &st, 0) != 0) st = {};
    if (!emit(special + 1, hide ? 0 : st.st_ino, abi::filetype::directory, name)) return errc::success;
  }
  for (;;) {
    errno = 0;
    const long before = ::telldir(dir.stream);
    dirent64* entry = ::readdir64(dir.stream);
    if (entry == nullptr) {
      if (errno != 0) return from_errno(errno);
      return errc::success;
    }
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (dir.stream_position < cookie) {
      ++dir.stream_position;
      continue;
    }
    abi::filetype type = abi::filetype::unknown;
    switch (entry->d_type) {
      case DT_REG: type = abi::filetype::regular_file; break;
      case DT_DIR: type = abi::filetype::directory; break;
      case DT_LNK: type = abi::filetype::symbolic_link; break;
      case DT_CHR: type = abi::filetype::character_device; break;
      case DT_BLK: type = abi::filetype::block_device; break;
      case DT_SOCK: type = abi::filetype::socket_stream; break;
      default: {
        struct stat st{};
        if (::fstatat(dir.fd.get(), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) type = to_filetype(st.st_mode);
      }
    }
    const abi::dircookie next = dir.stream_position + 1;
    if (!emit(next, entry->d_ino, type, name)) {
      // Cut: the guest asks again from this entry's cookie; step the stream back onto it.
      ::seekdir(dir.stream, before);
      return errc::success;
    }
    dir.stream_position = next;
  }
}

// --- Descriptor bookkeeping.

errc filesystem::fd_fdstat_get(open_fd& f, abi::fdstat& out) {
  out = abi::fdstat{};
  struct stat st{};
  if (::fstat(f.fs->fd.get(), &st) != 0) return from_errno(errno);
  out.filetype = static_cast<std::uint8_t>(to_filetype(st.st_mode));
  out.flags = f.fs->flags;
  out.rights_base = f.fs->rights_base;
  out.rights_inheriting = f.fs->rights_inheriting;
  return errc::success;
}

errc filesystem::fd_fdstat_set_flags(open_fd& f, abi::fdflags flags) {
  if ((flags & ~known_fdflags) != 0) return errc::inval;
  if ((f.fs->rights_base & abi::right_fd_fdstat_set_flags) == 0) return errc::notcapable;
  // Linux's F_SETFL changes only APPEND and NONBLOCK; the sync flags are fixed at open.
  constexpr abi::fdflags settable = abi::fdflag_append | abi::fdflag_nonblock;
  if ((flags & ~settable) != (f.fs->flags & ~settable)) return errc::notsup;
  int current = ::fcntl(f.fs->fd.get(), F_GETFL);
  if (current < 0) return from_errno(errno);
  int wanted = (current & ~(O_APPEND | O_NONBLOCK)) | open_flags_for(flags & settable);
  if (::fcntl(f.fs->fd.get(), F_SETFL, wanted) != 0) return from_errno(errno);
  f.fs->flags = flags;
  return errc::success;
}

errc filesystem::fd_renumber(abi::fd from, abi::fd to) {
  open_fd* source = h_.find(from);
  open_fd* target = h_.find(to);
  if (source == nullptr || target == nullptr) return errc::badf;
  if (from == to) return errc::success;
  // Readiness waits find their fd by number: cancel the source's, drop the target (its waits are
  // cancelled with it), and let every aborted handler run now, while neither number is in use by
  // anything they could confuse; then the moved fd waits again under its new number.
  boost::system::error_code ignored;
  if (source->acceptor) source->acceptor->cancel(ignored);
  if (source->socket) source->socket->cancel(ignored);
  if (source->watcher) source->watcher->cancel(ignored);
  std::unique_ptr<open_fd> moved = h_.fds_.take(from);
  h_.fds_.take(to).reset();  // closes what `to` was (stdio only forgets its number)
  h_.fd_table_changed();
  h_.io_.poll();
  moved->number = to;
  moved->read.armed = false;
  moved->write.armed = false;
  open_fd& placed = h_.fds_.insert(to, std::move(moved));
  if (placed.is_socket() && !placed.read.ready) h_.arm(placed, direction::read);
  return errc::success;
}

errc filesystem::fd_fdstat_set_rights(abi::fd fd, abi::rights base, abi::rights inheriting) {
  auto o = object(fd, 0, "fd_fdstat_set_rights");
  if (!o) return o.error();
  fs_object& object = **o;
  if ((base & ~object.rights_base) != 0 || (inheriting & ~object.rights_inheriting) != 0) return errc::notcapable;
  object.rights_base = base;
  object.rights_inheriting = inheriting;
  return errc::success;
}

errc filesystem::fd_prestat_get(abi::fd fd, abi::prestat& out) {
  out = abi::prestat{};
  open_fd* f = h_.find(fd);
  if (f == nullptr) return errc::badf;
  if (!f->is_fs() || !f->fs->preopen_name) {
    if (h_.config.semantics == profile::uvwasi && f->kind == fd_kind::stdio) return errc::inval;
    return errc::badf;
  }
  out.tag = 0;
  out.dir_name_len = static_cast<std::uint32_t>(f->fs->preopen_name->size());
  return errc::success;
}

errc filesystem::fd_prestat_dir_name(abi::fd fd, std::span<std::byte> out) {
  open_fd* f = h_.find(fd);
  if (f == nullptr) return errc::badf;
  if (!f->is_fs() || !f->fs->preopen_name) {
    if (h_.config.semantics == profile::uvwasi && f->kind == fd_kind::stdio) return errc::inval;
    return errc::badf;
  }
  const std::string& name = *f->fs->preopen_name;
  if (out.size() < name.size()) return h_.config.semantics == profile::uvwasi ? errc::nobufs : errc::nametoolong;
  std::memcpy(out.data(), name.data(), name.size());
  return errc::success;
}

// --- Paths.

errc filesystem::path_open(abi::fd dir_fd, abi::lookupflags lookup, std::string_view path, abi::oflags oflags,
                           abi::rights base, abi::rights inheriting, abi::fdflags flags, abi::fd& opened) {
  opened = 0;
  if ((oflags & ~(abi::oflag_creat | abi::oflag_directory | abi::oflag_excl | abi::oflag_trunc)) != 0 ||
      (flags & ~known_fdflags) != 0 || (lookup & ~abi::lookup_symlink_follow) != 0)
    return errc::inval;
  abi::rights needed = abi::right_path_open;
  if (oflags & abi::oflag_creat) needed |= abi::right_path_create_file;
  if (oflags & abi::oflag_trunc) needed |= abi::right_path_filestat_set_size;
  auto d = directory(dir_fd, needed, "path_open", path);
  if (!d) return d.error();
  fs_object& dir = **d;
  if (h_.fds_.size() >= h_.config.max_open_fds) return errc::mfile;

  // The new fd gets what it asked for, as far as the directory passes rights on (wasmtime).
  const abi::rights granted_base = base & dir.rights_inheriting;
  const abi::rights granted_inheriting = inheriting & dir.rights_inheriting;
  const bool wants_directory = (oflags & abi::oflag_directory) != 0;
  const bool read = (granted_base & (abi::right_fd_read | abi::right_fd_readdir)) != 0;
  bool write = (granted_base & (abi::right_fd_write | abi::right_fd_datasync | abi::right_fd_allocate |
                                abi::right_fd_filestat_set_size)) != 0;
  if (dir.read_only) write = false;
  int open_flags = open_flags_for(flags);
  // A directory is never opened for fd_write (open(2) refuses O_DIRECTORY | O_RDWR the same way).
  if (wants_directory && (granted_base & abi::right_fd_write) != 0) return errc::isdir;
  if (wants_directory) {
    open_flags |= O_DIRECTORY | O_RDONLY;
  } else if (write) {
    open_flags |= read ? O_RDWR : O_WRONLY;
  } else {
    open_flags |= O_RDONLY;
  }
  if (oflags & abi::oflag_creat) open_flags |= O_CREAT;
  if (oflags & abi::oflag_excl) open_flags |= O_EXCL;
  // Truncation is the directory's right (path_filestat_set_size, checked above), not the new
  // fd's: Linux truncates through O_RDONLY | O_TRUNC too, after its own permission check.
  if (oflags & abi::oflag_trunc) open_flags |= O_TRUNC;
  const bool follow = (lookup & abi::lookup_symlink_follow) != 0;
  auto file = resolver_.open_beneath(dir.fd.get(), path, open_flags, 0666, follow);
  if (!file && file.error() == errc::isdir && write && !wants_directory &&
      (granted_base & abi::right_fd_write) == 0 && (oflags & (abi::oflag_creat | abi::oflag_trunc)) == 0) {
    // Write-side rights without fd_write itself (a guest asking for "everything the pre-open has",
    // as Rust's std does for a directory): that is a directory open, as in wasmtime. fd_write
    // itself on a directory stays isdir, as open(2) says.
    open_flags = (open_flags & ~(O_WRONLY | O_RDWR)) | O_RDONLY | O_DIRECTORY;
    write = false;
    file = resolver_.open_beneath(dir.fd.get(), path, open_flags, 0666, follow);
  }
  if (!file) return file.error();
  struct stat st{};
  if (::fstat(file->get(), &st) != 0) return from_errno(errno);
  auto object = std::unique_ptr<fs_object, fs_object_deleter>(new fs_object);
  object->directory = S_ISDIR(st.st_mode);
  object->read_only = dir.read_only;
  object->flags = flags;
  object->rights_base = granted_base & (object->directory ? directory_rights : file_rights);
  object->rights_inheriting = granted_inheriting;
  if (!read) object->rights_base &= ~(abi::right_fd_read | abi::right_fd_readdir);
  if (!write) object->rights_base &= ~(abi::right_fd_write | abi::right_fd_datasync | abi::right_fd_allocate |
                                       abi::right_fd_filestat_set_size);
  if (object->directory) object->rights_base |= granted_base & abi::right_fd_readdir;
  const int host_fd = file->get();
  object->fd = std::move(*file);
  auto entry = std::make_unique<open_fd>();
  entry->kind = object->directory ? fd_kind::directory : fd_kind::file;
  entry->host_fd = host_fd;
  entry->fs = std::move(object);
  opened = h_.add(std::move(entry)).number;
  return errc::success;
}

errc filesystem::path_create_directory(abi::fd dir_fd, std::string_view path) {
  auto d = directory(dir_fd, abi::right_path_create_directory, "path_create_directory", path);
  if (!d) return d.error();
  auto p = resolver_.parent_of((*d)->fd.get(), path);
  if (!p) return p.error();
  return ::mkdirat(p->fd, p->name.c_str(), 0777) == 0 ? errc::success : from_errno(errno);
}

errc filesystem::path_remove_directory(abi::fd dir_fd, std::string_view path) {
  auto d = directory(dir_fd, abi::right_path_remove_directory, "path_remove_directory", path);
  if (!d) return d.error();
  auto p = resolver_.parent_of((*d)->fd.get(), path);
  if (!p) return p.error();
  return ::unlinkat(p->fd, p->name.c_str(), AT_REMOVEDIR) == 0 ? errc::success : from_errno(errno);
}

errc filesystem::path_unlink_file(abi::fd dir_fd, std::string_view path) {
  auto d = directory(dir_fd, abi::right_path_unlink_file, "path_unlink_file", path);
  if (!d) return d.error();
  auto p = resolver_.parent_of((*d)->fd.get(), path);
  if (!p) return p.error();
  return ::unlinkat(p->fd, p->name.c_str(), 0) == 0 ? errc::success : from_errno(errno);
}

errc filesystem::path_rename(abi::fd old_dir, std::string_view old_path, abi::fd new_dir, std::string_view new_path) {
  auto from = directory(old_dir, abi::right_path_rename_source, "path_rename", old_path);
  if (!from) return from.error();
  auto to = directory(new_dir, abi::right_path_rename_target, "path_rename", new_path);
  if (!to) return to.error();
  auto source = resolver_.parent_of((*from)->fd.get(), old_path);
  if (!source) return source.error();
  auto target = resolver_.parent_of((*to)->fd.get(), new_path);
  if (!target) return target.error();
  return ::renameat(source->fd, source->name.c_str(), target->fd, target->name.c_str()) == 0 ? errc::success
                                                                                             : from_errno(errno);
}

errc filesystem::path_filestat_get(abi::fd dir_fd, abi::lookupflags lookup, std::string_view path,
                                   abi::filestat& out) {
  out = abi::filestat{};
  auto d = directory(dir_fd, abi::right_path_filestat_get, "path_filestat_get", path);
  if (!d) return d.error();
  auto held = resolver_.open_beneath((*d)->fd.get(), path, O_PATH, 0, (lookup & abi::lookup_symlink_follow) != 0);
  if (!held) return held.error();
  struct stat st{};
  if (::fstat(held->get(), &st) != 0) return from_errno(errno);
  out = to_filestat(st);
  return errc::success;
}

errc filesystem::path_filestat_set_times(abi::fd dir_fd, abi::lookupflags lookup, std::string_view path,
                                         abi::timestamp atim, abi::timestamp mtim, abi::fstflags flags) {
  auto d = directory(dir_fd, abi::right_path_filestat_set_times, "path_filestat_set_times", path);
  if (!d) return d.error();
  timespec times[2];
  if (errc e = times_of(atim, mtim, flags, times); e != errc::success) return e;
  auto held = resolver_.open_beneath((*d)->fd.get(), path, O_PATH, 0, (lookup & abi::lookup_symlink_follow) != 0);
  if (!held) return held.error();
  struct stat st{};
  if (::fstat(held->get(), &st) != 0) return from_errno(errno);
  return set_times_on(held->get(), times, S_ISLNK(st.st_mode));
}

errc filesystem::path_link(abi::fd old_dir, abi::lookupflags lookup, std::string_view old_path, abi::fd new_dir,
                           std::string_view new_path) {
  if ((lookup & ~abi::lookup_symlink_follow) != 0) return errc::inval;
  auto from = directory(old_dir, abi::right_path_link_source, "path_link", old_path);
  if (!from) return from.error();
  auto to = directory(new_dir, abi::right_path_link_target, "path_link", new_path);
  if (!to) return to.error();
  auto target = resolver_.parent_of((*to)->fd.get(), new_path);
  if (!target) return target.error();
  if ((lookup & abi::lookup_symlink_follow) == 0) {
    auto source = resolver_.parent_of((*from)->fd.get(), old_path);
    if (!source) return source.error();
    return ::linkat(source->fd, source->name.c_str(), target->fd, target->name.c_str(), 0) == 0 ? errc::success
                                                                                                : from_errno(errno);
  }
  // Following: resolve beneath first, then link what we hold (never let linkat follow a link).
  auto held = resolver_.open_beneath((*from)->fd.get(), old_path, O_PATH, 0, true);
  if (!held) return held.error();
  const std::string proc = "/proc/self/fd/" + std::to_string(held->get());
  return ::linkat(AT_FDCWD, proc.c_str(), target->fd, target->name.c_str(), AT_SYMLINK_FOLLOW) == 0
             ? errc::success
             : from_errno(errno);
}

errc filesystem::path_symlink(std::string_view link_target, abi::fd dir_fd, std::string_view path) {
  auto d = directory(dir_fd, abi::right_path_symlink, "path_symlink", path);
  if (!d) return d.error();
  if (errc e = check_path(link_target, h_.config.semantics != profile::uvwasi); e != errc::success) return e;
  // An absolute target could only ever resolve outside the sandbox (the resolver refuses it).
  if (link_target.front() == '/') return errc::notcapable;
  auto p = resolver_.parent_of((*d)->fd.get(), path);
  if (!p) return p.error();
  const std::string text(link_target);
  return ::symlinkat(text.c_str(), p->fd, p->name.c_str()) == 0 ? errc::success : from_errno(errno);
}

errc filesystem::path_readlink(abi::fd dir_fd, std::string_view path, std::span<std::byte> out, std::size_t& used) {
  used = 0;
  auto d = directory(dir_fd, abi::right_path_readlink, "path_readlink", path);
  if (!d) return d.error();
  auto p = resolver_.parent_of((*d)->fd.get(), path);
  if (!p) return p.error();
  if (p->trailing_slash) {
    // "link/" names the directory a link points to, never a link: resolve it beneath, then refuse.
    auto whole = resolver_.open_beneath((*d)->fd.get(), path, O_PATH, 0, true);
    return whole ? errc::inval : whole.error();
  }
  std::string text(PATH_MAX, '\0');
  ssize_t n = ::readlinkat(p->fd, p->name.c_str(), text.data(), text.size());
  if (n < 0) return from_errno(errno);
  used = std::min(static_cast<std::size_t>(n), out.size());
  std::memcpy(out.data(), text.data(), used);
  return errc::success;
}

}  // namespace wasio::testbed
