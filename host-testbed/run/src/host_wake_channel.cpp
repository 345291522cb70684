#include "host_wake_channel.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include <pthread.h>

namespace wasio::run {

namespace {

std::atomic<host_wake_channel*> sigusr1_channel{nullptr};

extern "C" void on_sigusr1(int) {
  if (host_wake_channel* channel = sigusr1_channel.load(std::memory_order_acquire)) channel->wake();
}

errc from_socket_errno(int e) {
  switch (e) {
    case EMFILE: return errc::mfile;
    case ENFILE: return errc::nfile;
    case ENOMEM: case ENOBUFS: return errc::nomem;
    default: return errc::io;
  }
}

}  // namespace

result<std::unique_ptr<host_wake_channel>> host_wake_channel::create(testbed::host& h) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) != 0)
    return fail(from_socket_errno(errno));
  auto adopted = h.adopt_stream(pair[1]);  // the host owns pair[1] now, also on failure
  if (!adopted) {
    ::close(pair[0]);
    return fail(adopted.error());
  }
  return std::unique_ptr<host_wake_channel>(new host_wake_channel(pair[0], *adopted));
}

host_wake_channel::~host_wake_channel() {
  host_wake_channel* self = this;
  sigusr1_channel.compare_exchange_strong(self, nullptr);
  ::close(host_end_);
}

void host_wake_channel::wake() const {
  const int saved = errno;
  const char byte = 1;
  ssize_t n;
  do n = ::send(host_end_, &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n == 1) sent_.fetch_add(1, std::memory_order_relaxed);
  errno = saved;
}

void host_wake_channel::wake_on_sigusr1(host_wake_channel* channel) {
  struct sigaction action {};
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  if (channel == nullptr) {
    // Ignored first, then forgotten: a signal in between finds no handler rather than a stale channel.
    action.sa_handler = SIG_IGN;
    ::sigaction(SIGUSR1, &action, nullptr);
    sigusr1_channel.store(nullptr, std::memory_order_release);
    return;
  }
  sigusr1_channel.store(channel, std::memory_order_release);
  action.sa_handler = on_sigusr1;
  ::sigaction(SIGUSR1, &action, nullptr);
  // Why: a SIGUSR1 taken by this (the main) thread, asleep in pthread_join, cost a second thread
  // wake-up on the way to the guest (this thread wakes, writes the byte, the guest thread wakes):
  // about 20 to 40 us of the wasm wake latency. Blocked here, and so in every thread started from
  // here on, it is delivered to the guest thread, the one thread that unblocks it (run_guest): the
  // signal ends the guest's epoll_wait itself and the handler's byte is ready when it looks again.
  sigset_t wake_signal;
  sigemptyset(&wake_signal);
  sigaddset(&wake_signal, SIGUSR1);
  ::pthread_sigmask(SIG_BLOCK, &wake_signal, nullptr);
}

void host_wake_channel::ignore_sigusr1() { wake_on_sigusr1(nullptr); }

void host_wake_channel::take_wake_signal_on_this_thread() {
  if (sigusr1_channel.load(std::memory_order_acquire) == nullptr) return;
  sigset_t wake_signal;
  sigemptyset(&wake_signal);
  sigaddset(&wake_signal, SIGUSR1);
  ::pthread_sigmask(SIG_UNBLOCK, &wake_signal, nullptr);
}

}  // namespace wasio::run
