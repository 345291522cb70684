// fd_read, fd_write, fd_close, fd_fdstat_get, fd_fdstat_set_flags.
#include <fcntl.h>
#include <sys/stat.h>

#include "filesystem.hpp"
#include "host_impl.hpp"

namespace wasio::testbed {

namespace {

constexpr abi::rights stream_rights = abi::right_fd_read | abi::right_fd_write | abi::right_fd_fdstat_set_flags |
                                      abi::right_poll_fd_readwrite | abi::right_sock_shutdown;
constexpr abi::rights listener_rights = stream_rights | abi::right_sock_accept;
// What wasmtime's legacy host reports for every socket: fd_read | fd_write.
constexpr abi::rights wasmtime_socket_rights = 0x42;
// uvwasi's socket rights (0x3820004a: read, write, set_flags, filestat_get, poll, shutdown, accept)
// and its "every right" inheriting set.
constexpr abi::rights uvwasi_socket_rights = 0x3820004a;
constexpr abi::rights uvwasi_all_rights = 0x3fffffff;

/// The guest-visible flags of a host stdio descriptor.
abi::fdflags stdio_flags(int host_fd) {
  int flags = ::fcntl(host_fd, F_GETFL);
  if (flags < 0) return 0;
  abi::fdflags result = 0;
  if (flags & O_NONBLOCK) result |= abi::fdflag_nonblock;
  if (flags & O_APPEND) result |= abi::fdflag_append;
  return result;
}

}  // namespace

errc host::impl::fd_read(abi::fd fd, std::span<const host_iovec> buffers, std::size_t& read) {
  read = 0;
  open_fd* f = find(fd);
  if (f == nullptr) return errc::badf;
  switch (f->kind) {
    case fd_kind::stdio: return stdio_read(*f, buffers, read);
    case fd_kind::listener: return errc::notconn;
    case fd_kind::stream:
      return receive(*f, buffers, config.semantics == profile::wasmtime_legacy, 0, false, read);
    case fd_kind::file:
    case fd_kind::directory: return filesystem(*this).fd_read(*f, buffers, read);
  }
  return errc::badf;
}

errc host::impl::fd_write(abi::fd fd, std::span<const host_ciovec> buffers, std::size_t& written) {
  written = 0;
  open_fd* f = find(fd);
  if (f == nullptr) return errc::badf;
  switch (f->kind) {
    case fd_kind::stdio: return stdio_write(*f, buffers, written);
    case fd_kind::listener: return errc::notconn;
    case fd_kind::stream: return transmit(*f, buffers, written);
    case fd_kind::file:
    case fd_kind::directory: return filesystem(*this).fd_write(*f, buffers, written);
  }
  return errc::badf;
}

errc host::impl::fd_close(abi::fd fd) {
  open_fd* f = fds_.find(fd);
  if (f == nullptr) return errc::badf;
  if (f->observed) f->observed->report();  // while a TLS stream still has its session
  if (f->tls) tls_close(*f);  // close_notify and a background flush
  // Sockets close with their Asio object (pending waits are cancelled); a stdio descriptor belongs to
  // the host process and is only forgotten, like wasmtime dropping its stdio handle.
  fds_.take(fd).reset();
  fd_table_changed();
  return errc::success;
}

errc host::impl::fd_fdstat_get(abi::fd fd, abi::fdstat& out) {
  out = abi::fdstat{};
  open_fd* f = find(fd);
  if (f == nullptr) return errc::badf;
  if (f->is_fs()) return filesystem(*this).fd_fdstat_get(*f, out);
  if (f->is_socket()) {
    out.filetype = static_cast<std::uint8_t>(abi::filetype::socket_stream);
    out.flags = f->guest_nonblocking ? abi::fdflag_nonblock : 0;
    if (config.semantics == profile::wasmtime_legacy) {
      out.rights_base = wasmtime_socket_rights;
      out.rights_inheriting = 0;
    } else if (config.semantics == profile::uvwasi) {
      // uvwasi gives every socket the same rights (its UVWASI__RIGHTS_SOCKET_*).
      out.rights_base = uvwasi_socket_rights;
      out.rights_inheriting = uvwasi_all_rights;
    } else {
      out.rights_base = f->kind == fd_kind::listener ? listener_rights : stream_rights;
      out.rights_inheriting = f->kind == fd_kind::listener ? stream_rights : 0;
    }
    return errc::success;
  }
  if (config.semantics == profile::uvwasi) {
    uvwasi_stdio_fdstat(*f, out);
    return errc::success;
  }
  struct stat info{};
  if (::fstat(f->host_fd, &info) != 0) return errc::badf;
  abi::filetype type = abi::filetype::unknown;  // pipes have no WASI file type
  if (S_ISCHR(info.st_mode)) type = abi::filetype::character_device;
  if (S_ISREG(info.st_mode)) type = abi::filetype::regular_file;
  if (S_ISSOCK(info.st_mode)) type = abi::filetype::socket_stream;
  if (S_ISBLK(info.st_mode)) type = abi::filetype::block_device;
  out.filetype = static_cast<std::uint8_t>(type);
  out.flags = stdio_flags(f->host_fd);
  out.rights_base = (f->number == 0 ? abi::right_fd_read : abi::right_fd_write) | abi::right_poll_fd_readwrite;
  return errc::success;
}

errc host::impl::fd_fdstat_set_flags(abi::fd fd, abi::fdflags flags) {
  open_fd* f = find(fd);
  if (f == nullptr) return errc::badf;
  if (f->is_fs()) return filesystem(*this).fd_fdstat_set_flags(*f, flags);
  if (f->is_socket()) {
    if (flags != 0 && flags != abi::fdflag_nonblock) return errc::inval;
    f->guest_nonblocking = flags == abi::fdflag_nonblock;
    return errc::success;
  }
  if (config.semantics == profile::uvwasi) return uvwasi_stdio_set_flags(*f, flags);
  constexpr abi::fdflags known = abi::fdflag_append | abi::fdflag_dsync | abi::fdflag_nonblock |
                                 abi::fdflag_rsync | abi::fdflag_sync;
  if ((flags & ~known) != 0) return errc::inval;
  // The host's stdio is shared with the host process: the testbed does not change its flags.
  return flags == stdio_flags(f->host_fd) ? errc::success : errc::notsup;
}

}  // namespace wasio::testbed
