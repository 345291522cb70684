#include <poll.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <boost/asio/post.hpp>

#include "host_impl.hpp"

namespace wasio::testbed {

void host::impl::arm_wait(open_fd& f, direction d) {
  if (f.tls || f.tls_listener) return;  // TLS fds wait through their sessions (tls_streams.cpp)
  readiness& state = f.state(d);
  if (state.armed) return;
  if (f.kind == fd_kind::listener && d == direction::write) return;  // a listener is never writable
  if (f.is_fs()) return;  // files and directories never block: poll(2) answers at once
  auto on_ready = [this, number = f.number, d](const boost::system::error_code& ec) {
    // Lifetime: look the fd up again; it may have been closed while the wait was pending.
    open_fd* found = find(number);
    if (found == nullptr) return;
    readiness& seen = found->state(d);
    seen.armed = false;
    if (ec == asio::error::operation_aborted) return;
    if (ec == asio::error::operation_not_supported) found->watcher_unsupported = true;
    // Other errors (a reset socket) also mean "the syscall will not block": it will report them.
    seen.ready = true;
  };
  auto wait = d == direction::read ? asio::socket_base::wait_read : asio::socket_base::wait_write;
  switch (f.kind) {
    case fd_kind::listener:
      f.acceptor->async_wait(wait, std::move(on_ready));
      break;
    case fd_kind::stream:
      f.socket->async_wait(wait, std::move(on_ready));
      break;
    case fd_kind::file:
    case fd_kind::directory: return;
    case fd_kind::stdio: {
      if (f.watcher_unsupported) return;
      if (!f.watcher) {
        // A dup, so that Asio's close never closes the host's own stdio descriptor.
        int copy = ::fcntl(f.host_fd, F_DUPFD_CLOEXEC, 3);
        if (copy < 0) {
          f.watcher_unsupported = true;  // poll(2) then reports POLLNVAL as an event error
          return;
        }
        auto watcher = std::make_unique<asio::posix::stream_descriptor>(io_);
        boost::system::error_code ec;
        watcher->assign(copy, ec);
        if (ec) {
          ::close(copy);
          f.watcher_unsupported = true;
          return;
        }
        f.watcher = std::move(watcher);
      }
      f.watcher->async_wait(d == direction::read ? asio::posix::descriptor_base::wait_read
                                                 : asio::posix::descriptor_base::wait_write,
                            std::move(on_ready));
      break;
    }
  }
  state.armed = true;
}

void host::impl::on_would_block(open_fd& f, direction d) {
  f.state(d).ready = false;
  arm(f, d);
}

void host::impl::wait_until_ready(open_fd& f, direction d) {
  // Lifetime: handlers run by run_one() never close descriptors, so `f` stays valid.
  while (!f.state(d).ready) {
    arm(f, d);
    io_.run_one();
  }
}

fd_probe host::impl::probe(open_fd& f, direction d, bool& cache_said_not_ready) {
  if (f.tls || f.tls_listener) return tls_probe(f, d, cache_said_not_ready);
  // The next recv/send returns the kept error at once: that is readiness, whatever the kernel says.
  if (f.pending_error != errc::success) return fd_probe{true, d == direction::read ? short(POLLIN) : short(POLLOUT), 0};
  if (f.is_socket()) {
    if (f.kind == fd_kind::listener && d == direction::write) {
      cache_said_not_ready = true;
      return {};
    }
    if (!f.state(d).ready) {
      cache_said_not_ready = true;
      arm(f, d);
      return {};
    }
    if (f.kind == fd_kind::stream && d == direction::read) {
      // Bytes waiting prove readiness with the one syscall nbytes needs anyway; only "0 bytes"
      // (EOF, an error, or a stale cache) needs poll(2) to tell which.
      int available = 0;
      if (::ioctl(f.host_fd, FIONREAD, &available) == 0 && available > 0) {
        return fd_probe{true, POLLIN, static_cast<std::uint64_t>(available)};
      }
    }
  }
  short wanted = d == direction::read ? short(POLLIN | POLLRDHUP) : short(POLLOUT);
  pollfd one{f.host_fd, wanted, 0};
  int n = 0;
  do {
    n = ::poll(&one, 1, 0);
  } while (n < 0 && errno == EINTR);
  short seen = n > 0 ? one.revents : short(0);
  bool ready = (seen & (wanted | POLLHUP | POLLERR | POLLNVAL)) != 0;
  if (!ready && f.is_socket()) {
    // Stale cache (the guest drained the socket without meeting EAGAIN): wait again now.
    cache_said_not_ready = true;
    on_would_block(f, d);
  }
  return fd_probe{ready, seen, 0};
}

void host::impl::wake() {
  // Coalescing: only the first wake since the last consumed one posts; the flag is what poll checks.
  if (!wake_pending_.exchange(true)) asio::post(io_, [] {});
}

}  // namespace wasio::testbed
