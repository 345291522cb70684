// sock_accept, sock_recv, sock_send, sock_shutdown, with each profile's rows of HOST-SEMANTICS.md.
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <utility>

#include "errno_map.hpp"
#include "host_impl.hpp"
#include "iovecs.hpp"

namespace wasio::testbed {

errc host::impl::receive(open_fd& f, std::span<const host_iovec> buffers, bool first_only, int flags,
                         bool wait_all, std::size_t& received) {
  if (f.tls) return tls_receive(f, buffers, first_only, (flags & MSG_PEEK) != 0, wait_all, received);
  received = 0;
  if (f.pending_error != errc::success) return std::exchange(f.pending_error, errc::success);
  const std::size_t wanted = first_only ? first_nonempty_size(buffers) : total_size(buffers);
  if (wanted == 0) return errc::success;
  host_iovec shortened;
  if (faults_) {
    if (errc fault = receive_fault(f, buffers, shortened); fault != errc::success) return fault;
    if (shortened.data != nullptr) {
      buffers = std::span<const host_iovec>(&shortened, 1);
      wait_all = false;
    }
  }
  iovec vectors[max_iovecs];
  for (;;) {
    msghdr message{};
    message.msg_iov = vectors;
    message.msg_iovlen = build_iovecs(buffers, received, first_only, vectors);
    ssize_t n = ::recvmsg(f.host_fd, &message, flags | MSG_DONTWAIT);
    if (n > 0) {
      received += static_cast<std::size_t>(n);
      if ((flags & MSG_PEEK) == 0) count_received(f.observed.get(), static_cast<std::size_t>(n));
      if (!wait_all || received >= wanted) return errc::success;
      continue;
    }
    if (n == 0) return errc::success;  // EOF (with WAITALL: what arrived before it)
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      on_would_block(f, direction::read);
      if (received > 0 && f.guest_nonblocking) return errc::success;
      if (f.guest_nonblocking) return errc::again;
      wait_until_ready(f, direction::read);
      continue;
    }
    if (received > 0) {
      // The kernel reports the error only this once: keep it for the next call on this fd.
      f.pending_error = from_errno(errno);
      return errc::success;
    }
    return from_errno(errno);
  }
}

errc host::impl::transmit(open_fd& f, std::span<const host_ciovec> buffers, std::size_t& sent, bool may_block) {
  if (f.tls) return tls_transmit(f, buffers, sent);
  const bool nonblocking = f.guest_nonblocking || !may_block;
  sent = 0;
  if (f.pending_error != errc::success) return std::exchange(f.pending_error, errc::success);
  std::size_t wanted = total_size(buffers);
  if (wanted == 0) return errc::success;
  host_ciovec shortened;
  if (faults_) {
    if (errc fault = transmit_fault(f, buffers, nonblocking, shortened); fault != errc::success) return fault;
    if (shortened.data != nullptr) {
      buffers = std::span<const host_ciovec>(&shortened, 1);
      wanted = shortened.size;
    }
  }
  iovec vectors[max_iovecs];
  for (;;) {
    msghdr message{};
    message.msg_iov = vectors;
    message.msg_iovlen = build_iovecs(buffers, sent, false, vectors);
    ssize_t n = ::sendmsg(f.host_fd, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) {
      sent += static_cast<std::size_t>(n);
      count_sent(f.observed.get(), static_cast<std::size_t>(n));
      // A blocking guest socket sends everything, like send(2) on a blocking socket.
      if (nonblocking || sent >= wanted) return errc::success;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      on_would_block(f, direction::write);
      if (nonblocking) return sent > 0 ? errc::success : errc::again;
      wait_until_ready(f, direction::write);
      continue;
    }
    if (sent > 0) {
      f.pending_error = from_errno(errno);  // reported once by the kernel: kept for the next call
      return errc::success;
    }
    return from_errno(errno);
  }
}

namespace {

/// The errno for a sock_* call on an open fd that cannot do it (stdio for every call, a listener
/// for recv/send/shutdown). wasmtime-legacy: badf for both, as HOST-SEMANTICS.md section 3 gives
/// for sock_accept on anything but a listener; we apply the same to recv/send/shutdown, reading
/// that row as wasi-common's "operation not provided by this file" default (derived, not run).
/// Other profiles: notsock for stdio, notconn for a listener (what Linux says).
errc wrong_kind(profile semantics, fd_kind kind) {
  if (semantics == profile::wasmtime_legacy) return errc::badf;
  return kind == fd_kind::listener ? errc::notconn : errc::notsock;  // stdio, files, directories
}

}  // namespace

errc host::impl::sock_accept(abi::fd listener, abi::fdflags flags, abi::fd& accepted) {
  accepted = 0;
  // uvwasi checks the flags before the fd: only bits other than NONBLOCK are refused.
  if (config.semantics == profile::uvwasi && (flags & ~abi::fdflag_nonblock) != 0) return errc::notsup;
  open_fd* l = find(listener);
  if (l == nullptr) return errc::badf;
  if (l->kind == fd_kind::stdio || l->is_fs())
    return config.semantics == profile::wasmtime_legacy ? errc::badf : errc::notsock;
  if (l->kind != fd_kind::listener) return errc::badf;  // wasmtime: accept on a stream is badf
  const bool flags_valid = flags == 0 || flags == abi::fdflag_nonblock;
  if (config.semantics == profile::strict && !flags_valid) return errc::inval;  // checked first: no connection is lost
  // wasmtime-legacy checks the flags after the accept (below). uvwasi: flags 0 is a BLOCKING accept
  // whatever the listener's own flags (it runs its loop until a client comes), NONBLOCK never blocks.
  const bool blocking = config.semantics == profile::uvwasi ? flags == 0 : !l->guest_nonblocking;
  if (fds_.size() >= config.max_open_fds) return errc::mfile;  // the connection stays pending
  if (l->tls_listener) return tls_accept(*l, flags, flags_valid, accepted);

  if (faults_) {
    if (errc fault = accept_fault_before(*l, blocking); fault != errc::success) return fault;
  }
  int connection = -1;
  for (;;) {
    connection = ::accept4(l->host_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (connection >= 0) break;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      on_would_block(*l, direction::read);
      if (!blocking) return errc::again;
      wait_until_ready(*l, direction::read);
      continue;
    }
    return from_errno(errno);  // EMFILE -> mfile, ENFILE -> nfile, ECONNABORTED -> connaborted
  }
  if (!flags_valid) {
    ::close(connection);  // wasmtime-legacy: accepted, dropped, then EINVAL
    return errc::inval;
  }
  if (faults_ && inject(fault_kind::accept_aborted, "sock_accept", l->number)) {
    abort_connection(connection);
    return errc::connaborted;
  }

  sockaddr_storage local{};
  socklen_t length = sizeof local;
  if (::getsockname(connection, reinterpret_cast<sockaddr*>(&local), &length) != 0) {
    errc failure = from_errno(errno);
    ::close(connection);
    return failure;
  }
  auto socket = std::make_unique<asio::ip::tcp::socket>(io_);
  boost::system::error_code ec;
  socket->assign(local.ss_family == AF_INET6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), connection, ec);
  if (ec) {
    // epoll could not take the descriptor (ENOMEM, ENOSPC: max_user_watches): without a watch
    // the guest could never wait on it, so the connection is closed; say so rather than drop it unseen.
    ::close(connection);
    if (tracing())
      trace_line("sock_accept: accepted a connection but could not watch it (" + ec.message() + "): closed it");
    return from_errno(ec.value());
  }
  auto entry = std::make_unique<open_fd>();
  entry->kind = fd_kind::stream;
  entry->host_fd = connection;
  entry->guest_nonblocking = (flags & abi::fdflag_nonblock) != 0;
  entry->socket = std::move(socket);
  entry->write.ready = true;  // an empty send buffer: the first send finds out otherwise
  open_fd& added = add(std::move(entry));
  // Armed before the io_context runs again, so data that came with the connection is not missed.
  arm(added, direction::read);
  accepted = added.number;
  observe_accept(*l, added);
  return errc::success;
}

errc host::impl::sock_recv(abi::fd fd, std::span<const host_iovec> buffers, abi::riflags flags,
                           std::size_t& received, abi::roflags& out_flags) {
  received = 0;
  out_flags = 0;
  if (config.semantics == profile::uvwasi && flags != 0) return errc::notsup;  // before the fd, as uvwasi
  open_fd* f = find(fd);
  if (f == nullptr) return errc::badf;
  if (f->kind != fd_kind::stream) return wrong_kind(config.semantics, f->kind);
  switch (config.semantics) {
    case profile::uvwasi: {
      // Only the first buffer is filled; libuv's UV_EOF comes back as ENOSYS (uvwasi's mapping).
      errc result = receive(*f, buffers.first(std::min<std::size_t>(buffers.size(), 1)), false, 0, false, received);
      if (result == errc::success && received == 0 && !buffers.empty() && buffers[0].size > 0) return errc::nosys;
      return result;
    }
    case profile::wasmtime_legacy:
    case profile::strict: {
      if ((flags & ~(abi::recv_peek | abi::recv_waitall)) != 0) return errc::inval;
      const bool peek = (flags & abi::recv_peek) != 0;
      // PEEK with WAITALL peeks what is there (one call): peeking cannot wait for "more".
      const bool wait_all = (flags & abi::recv_waitall) != 0 && !peek;
      const bool first_only = config.semantics == profile::wasmtime_legacy;
      return receive(*f, buffers, first_only, peek ? MSG_PEEK : 0, wait_all, received);
    }
  }
  return errc::inval;
}

errc host::impl::sock_send(abi::fd fd, std::span<const host_ciovec> buffers, abi::siflags flags,
                           std::size_t& sent) {
  sent = 0;
  if (config.semantics == profile::uvwasi && flags != 0) return errc::inval;  // before the fd, as uvwasi
  open_fd* f = find(fd);
  if (f == nullptr) return errc::badf;
  if (f->kind != fd_kind::stream) return wrong_kind(config.semantics, f->kind);
  if (flags != 0 && config.semantics != profile::wasmtime_legacy) return errc::inval;  // legacy ignores them
  // uvwasi sends with uv_try_write: EAGAIN (or a short send) instead of blocking.
  return transmit(*f, buffers, sent, config.semantics != profile::uvwasi);
}

errc host::impl::sock_shutdown(abi::fd fd, abi::sdflags how) {
  // uvwasi: any bit but WR is notsup, checked before the fd; 0 is then a no-op on a valid fd.
  if (config.semantics == profile::uvwasi && (how & ~abi::shut_wr) != 0) return errc::notsup;
  open_fd* f = find(fd);
  if (f == nullptr) return errc::badf;
  if (f->kind == fd_kind::stdio || f->is_fs() ||
      (f->kind == fd_kind::listener && config.semantics == profile::wasmtime_legacy))
    return wrong_kind(config.semantics, f->kind);
  if (config.semantics == profile::uvwasi) {
    if (how == 0) return errc::success;
  } else if (how == 0 || how > (abi::shut_rd | abi::shut_wr)) {
    return errc::inval;
  }
  // shutdown(SHUT_RD) on a Linux listener would stop it listening: a listener is not connected.
  if (f->kind == fd_kind::listener) return errc::notconn;
  if (f->tls) return tls_shutdown(*f, how);
  int mode = how == abi::shut_rd ? SHUT_RD : how == abi::shut_wr ? SHUT_WR : SHUT_RDWR;
  if (::shutdown(f->host_fd, mode) != 0) return from_errno(errno);
  return errc::success;
}

}  // namespace wasio::testbed
