// fd_read / fd_write on the host's stdio descriptors.
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "errno_map.hpp"
#include "host_impl.hpp"
#include "iovecs.hpp"

namespace wasio::testbed {

namespace {

/// Blocks SIGPIPE in this thread for its lifetime, and swallows a SIGPIPE our own write raised, so a
/// closed stdout pipe becomes errc::pipe instead of killing the host process.
class sigpipe_guard {
 public:
  sigpipe_guard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &previous_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~sigpipe_guard() {
    if (raised_ && !was_pending_) {
      timespec zero{};
      while (sigtimedwait(&pipe_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  void note_epipe() { raised_ = true; }

 private:
  sigset_t pipe_{};
  sigset_t previous_{};
  bool was_pending_ = false;
  bool raised_ = false;
};

void wait_writable(int host_fd) {
  pollfd one{host_fd, POLLOUT, 0};
  while (::poll(&one, 1, -1) < 0 && errno == EINTR) {
  }
}

}  // namespace

errc host::impl::stdio_write(open_fd& f, std::span<const host_ciovec> buffers, std::size_t& written) {
  written = 0;
  const std::size_t wanted = total_size(buffers);
  if (wanted == 0) return errc::success;
  iovec vectors[max_iovecs];
  sigpipe_guard guard;
  int failure = 0;
  while (written < wanted) {
    std::size_t count = build_iovecs(buffers, written, false, vectors);
    ssize_t n = ::writev(f.host_fd, vectors, static_cast<int>(count));
    if (n > 0) {
      written += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) {
      // Nothing taken from a non-empty buffer: retrying would spin forever on such a descriptor.
      failure = EIO;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      wait_writable(f.host_fd);  // a non-blocking host stdout: wait without spinning
      continue;
    }
    failure = errno;
    if (failure == EPIPE) guard.note_epipe();
    break;
  }
  // Bytes already written are reported; the error comes back on the guest's next write.
  if (failure == 0 || written > 0) return errc::success;
  return from_errno(failure);
}

errc host::impl::stdio_read(open_fd& f, std::span<const host_iovec> buffers, std::size_t& read) {
  read = 0;
  const bool first_only = config.semantics == profile::wasmtime_legacy;
  iovec vectors[max_iovecs];
  std::size_t count = build_iovecs(buffers, 0, first_only, vectors);
  if (count == 0) return errc::success;
  for (;;) {
    ssize_t n = ::readv(f.host_fd, vectors, static_cast<int>(count));
    if (n >= 0) {
      read = static_cast<std::size_t>(n);
      return errc::success;
    }
    if (errno != EINTR) return from_errno(errno);
  }
}

}  // namespace wasio::testbed
