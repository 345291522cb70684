// The control channel: signals -> a pipe -> the channel's thread -> bytes to the guest.

#include "wasio/testbed/control_channel.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>

namespace wasio::testbed {

namespace {

// The pipe the handler writes to; one channel per process handles signals.
std::atomic<int> signal_pipe{-1};

extern "C" void on_control_signal(int signal_number) {
  const int saved = errno;
  const int fd = signal_pipe.load(std::memory_order_acquire);
  if (fd >= 0) {
    const auto byte = static_cast<unsigned char>(signal_number);
    // A full pipe means signals are already pending: dropping one changes nothing but its count.
    (void)::write(fd, &byte, 1);
  }
  errno = saved;
}

constexpr int handled_signals[] = {SIGTERM, SIGINT, SIGHUP};

void set_disposition(void (*handler)(int)) {
  struct sigaction action {};
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  action.sa_handler = handler;
  for (int s : handled_signals) ::sigaction(s, &action, nullptr);
}

const char* signal_name(int s) {
  switch (s) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    default: return "signal";
  }
}

errc from_socket_errno(int e) {
  switch (e) {
    case EMFILE: return errc::mfile;
    case ENFILE: return errc::nfile;
    case ENOMEM: case ENOBUFS: return errc::nomem;
    default: return errc::io;
  }
}

void default_end(int status) {
  std::fflush(stderr);
  std::fflush(stdout);
  ::_exit(status);
}

}  // namespace

result<std::chrono::milliseconds> parse_shutdown_timeout(std::string_view text) {
  std::uint64_t value = 0;
  const char* const end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || stop == text.data()) return fail(errc::inval);
  const std::string_view unit(stop, static_cast<std::size_t>(end - stop));
  std::uint64_t ms = 0;
  constexpr std::uint64_t day_ms = 24ull * 3600 * 1000;
  if (unit.empty() || unit == "s") {
    if (value > day_ms / 1000) return fail(errc::inval);
    ms = value * 1000;
  } else if (unit == "ms") {
    ms = value;
  } else {
    return fail(errc::inval);
  }
  if (ms > day_ms) return fail(errc::inval);
  return std::chrono::milliseconds(ms);
}

result<std::unique_ptr<control_channel>> control_channel::create(host& h, options opts) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) != 0)
    return fail(from_socket_errno(errno));
  auto adopted = h.adopt_stream(pair[1]);  // the host owns pair[1] now, also on failure
  if (!adopted) {
    ::close(pair[0]);
    return fail(adopted.error());
  }
  auto channel = std::unique_ptr<control_channel>(new control_channel(pair[0], *adopted, std::move(opts)));
  if (::pipe2(channel->pipe_, O_CLOEXEC | O_NONBLOCK) != 0) return fail(from_socket_errno(errno));
  channel->watcher_ = std::thread([c = channel.get()] { c->watch(); });
  return channel;
}

control_channel::control_channel(int host_end, abi::fd guest_fd, options opts)
    : host_end_(host_end), guest_fd_(guest_fd), opts_(std::move(opts)) {
  if (!opts_.end_process) opts_.end_process = &default_end;
}

control_channel::~control_channel() {
  release_signals();
  if (watcher_.joinable()) {
    const unsigned char stop = 0;
    while (::write(pipe_[1], &stop, 1) < 0 && errno == EINTR) {
    }
    watcher_.join();
  }
  for (int fd : pipe_)
    if (fd >= 0) ::close(fd);
  ::close(host_end_);
}

void control_channel::handle_signals() {
  signal_pipe.store(pipe_[1], std::memory_order_release);
  set_disposition(&on_control_signal);
}

void control_channel::release_signals() {
  int mine = pipe_[1];
  if (!signal_pipe.compare_exchange_strong(mine, -1)) return;
  // Ignored, not defaulted: a signal after the guest ended must not replace its exit status.
  set_disposition(SIG_IGN);
}

void control_channel::deliver(int signal_number) {
  const auto byte = static_cast<unsigned char>(signal_number);
  while (::write(pipe_[1], &byte, 1) < 0 && errno == EINTR) {
  }
}

void control_channel::send(char byte) {
  ssize_t n;
  do n = ::send(host_end_, &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  // EAGAIN: the guest has not read 200 KiB of earlier requests; one more changes nothing.
}

void control_channel::end(int status, const std::string& why) {
  std::fprintf(stderr, "%s: %s\n", opts_.program.c_str(), why.c_str());
  opts_.end_process(status);
}

void control_channel::on_signal(int s, std::chrono::steady_clock::time_point& deadline, int& first_signal) {
  if (s == SIGHUP) {
    if (reopens_.load()) {
      send('H');
    } else {
      std::fprintf(stderr, "%s: SIGHUP ignored: the guest does not reopen on SIGHUP\n", opts_.program.c_str());
    }
    return;
  }
  const std::string name = signal_name(s);
  if (shutdown_started_.load()) {
    end(128 + first_signal, "second " + name + ": ending the guest now, without finishing its drain");
    return;
  }
  first_signal = s;
  if (!drains_.load()) {
    end(128 + s, name + ": the guest does not listen for shutdown requests: ending it");
    return;
  }
  shutdown_started_.store(true);
  const auto grace = opts_.shutdown_timeout;
  deadline = std::chrono::steady_clock::now() + grace;
  std::fprintf(stderr, "%s: %s: shutting down (the guest has %lld ms to finish; a second signal ends it now)\n",
               opts_.program.c_str(), name.c_str(), static_cast<long long>(grace.count()));
  send('T');
  if (opts_.on_shutdown) opts_.on_shutdown();
}

void control_channel::watch() {
  std::chrono::steady_clock::time_point deadline{};
  int first_signal = 0;
  bool guest_open = true;
  for (;;) {
    pollfd fds[2] = {{pipe_[0], POLLIN, 0}, {guest_open ? host_end_ : -1, POLLIN, 0}};
    int timeout = -1;
    if (shutdown_started_.load()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      timeout = static_cast<int>(std::max<long long>(0, left.count()));
    }
    const int ready = ::poll(fds, 2, timeout);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (ready == 0) {
      end(128 + first_signal, "the guest did not finish within --shutdown-timeout (" +
                                  std::to_string(opts_.shutdown_timeout.count()) + " ms): ending it");
      return;
    }
    if (fds[1].revents != 0) {
      char bytes[64];
      const ssize_t n = ::recv(host_end_, bytes, sizeof bytes, MSG_DONTWAIT);
      if (n > 0) {
        for (ssize_t i = 0; i < n; ++i) {
          if (bytes[i] == 'S') drains_.store(true);
          if (bytes[i] == 'R') reopens_.store(true);
        }
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        // The guest closed its end: nobody listens any more. poll() skips a negative fd.
        guest_open = false;
        drains_.store(false);
        reopens_.store(false);
      }
    }
    if (fds[0].revents != 0) {
      unsigned char signals[32];
      const ssize_t n = ::read(pipe_[0], signals, sizeof signals);
      for (ssize_t i = 0; i < n; ++i) {
        if (signals[i] == 0) return;  // the destructor
        on_signal(signals[i], deadline, first_signal);
      }
    }
  }
}

}  // namespace wasio::testbed
