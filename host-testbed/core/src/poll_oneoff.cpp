// poll_oneoff: scan the subscriptions against the readiness cache (memory work only), report what is
// ready with syscalls only for ready subscriptions, else run the io_context until a wait completes,
// the earliest deadline passes or wake() posts, then scan again.
#include <poll.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "clocks.hpp"
#include "host_impl.hpp"

namespace wasio::testbed {

namespace {

constexpr std::uint8_t tag_clock = static_cast<std::uint8_t>(abi::eventtype::clock);
constexpr std::uint8_t tag_fd_read = static_cast<std::uint8_t>(abi::eventtype::fd_read);
constexpr std::uint8_t tag_fd_write = static_cast<std::uint8_t>(abi::eventtype::fd_write);

// Far enough for "never" and small enough that chrono arithmetic on it cannot overflow.
constexpr std::uint64_t far_future_ns = std::numeric_limits<std::int64_t>::max() / 4;

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return b > far_future_ns - std::min(a, far_future_ns) ? far_future_ns : a + b;
}

direction direction_of(const abi::subscription& s) {
  return s.tag == tag_fd_read ? direction::read : direction::write;
}

std::uint64_t bytes_readable(int host_fd) {
  int available = 0;
  if (::ioctl(host_fd, FIONREAD, &available) != 0 || available < 0) return 0;
  return static_cast<std::uint64_t>(available);
}

/// Free send-buffer space: SO_SNDBUF minus the bytes still queued (SIOCOUTQ), at least 1 when the
/// kernel says writable (its POLLOUT threshold is a fraction of the buffer, so 0 cannot happen).
std::uint64_t socket_bytes_writable(int host_fd) {
  int buffer = 0;
  socklen_t length = sizeof buffer;
  int queued = 0;
  if (::getsockopt(host_fd, SOL_SOCKET, SO_SNDBUF, &buffer, &length) != 0 ||
      ::ioctl(host_fd, SIOCOUTQ, &queued) != 0) {
    return 1;
  }
  return buffer > queued ? static_cast<std::uint64_t>(buffer - queued) : 1;
}

/// Free pipe space for a stdio pipe (F_GETPIPE_SZ minus FIONREAD); 0 (unknown) for anything else.
std::uint64_t stdio_bytes_writable(int host_fd) {
  int capacity = ::fcntl(host_fd, F_GETPIPE_SZ);
  if (capacity <= 0) return 0;
  std::uint64_t queued = bytes_readable(host_fd);
  return static_cast<std::uint64_t>(capacity) > queued ? capacity - queued : 0;
}

/// Scratch vectors are reused across calls, but one huge call must not pin its memory for the rest
/// of the run: drop the storage when it is far beyond what this call needs.
template <class T>
void release_if_oversized(std::vector<T>& scratch, std::size_t needed) {
  constexpr std::size_t keep_at_least = 1024;
  if (scratch.capacity() > keep_at_least && scratch.capacity() / 4 > needed) std::vector<T>().swap(scratch);
}

abi::event event_for(const abi::subscription& s) {
  abi::event e{};
  e.user = s.user;
  e.type = s.tag;
  return e;
}

}  // namespace

errc host::impl::poll_oneoff(std::span<const abi::subscription> in, std::span<abi::event> out,
                             std::uint32_t& nevents) {
  nevents = 0;
  if (in.empty() || out.size() < in.size() || in.size() > config.max_poll_subscriptions) return errc::inval;
  const bool legacy = config.semantics == profile::wasmtime_legacy;
  release_if_oversized(clocks_, in.size());
  release_if_oversized(probes_, in.size());
  release_if_oversized(uvwasi_subs_, in.size());
  release_if_oversized(subscribed_, in.size());
  if (config.semantics == profile::uvwasi) return poll_uvwasi(in, out, nevents);

  // Whole-call validation, in subscription order (the first bad subscription decides).
  clocks_.clear();
  std::uint64_t start_ns = monotonic_ns();
  for (std::size_t i = 0; i < in.size(); ++i) {
    const abi::subscription& s = in[i];
    if (s.tag == tag_clock) {
      const abi::subscription_clock& c = s.u.clock;
      auto clock = host_clock(c.id);
      if (!clock || (c.flags & ~abi::subscription_clock_abstime) != 0) return errc::inval;
      const bool absolute = (c.flags & abi::subscription_clock_abstime) != 0;
      const bool cputime = c.id == static_cast<std::uint32_t>(abi::clockid::process_cputime) ||
                           c.id == static_cast<std::uint32_t>(abi::clockid::thread_cputime);
      const bool realtime = c.id == static_cast<std::uint32_t>(abi::clockid::realtime);
      if (legacy && cputime) return errc::inval;
      if (legacy && realtime && absolute) return errc::notsup;
      clock_deadline d;
      d.index = i;
      if (!absolute) {
        d.deadline_ns = saturating_add(start_ns, c.timeout);
      } else if (realtime) {
        d.realtime = true;
        d.deadline_ns = c.timeout;
      } else if (cputime) {
        // A blocked guest burns no CPU, so its CPU clock would never reach the deadline: the time
        // left on that clock is waited as monotonic time from now (what uvwasi does for every clock).
        std::uint64_t now = read_clock_ns(*clock);
        d.deadline_ns = saturating_add(start_ns, c.timeout > now ? c.timeout - now : 0);
      } else {
        d.deadline_ns = std::min(c.timeout, far_future_ns);
      }
      clocks_.push_back(d);
    } else if (s.tag == tag_fd_read || s.tag == tag_fd_write) {
      // wasmtime's legacy host fails the whole call for an fd it cannot poll: not open, or a directory.
      if (legacy) {
        const open_fd* f = find(s.u.fd_readwrite.file_descriptor);
        if (f == nullptr || f->kind == fd_kind::directory) return errc::badf;
      }
    } else {
      return errc::inval;
    }
  }

  for (;;) {
    bool waiting = false;
    // Readiness that arrived since the reactor last ran is not in the cache yet: one non-blocking
    // turn (a single epoll_wait(0), whatever the subscription count) when some subscription still
    // waits. When the last scan left waits armed, the turn comes first and one scan suffices: a
    // scan is the whole cost of a call with thousands of idle subscriptions (issue 19's soak:
    // 10,000 idle connections). Otherwise the scan comes first, and the turn and a rescan only if
    // it found a subscription waiting, so a call whose subscriptions are all ready costs no
    // reactor syscall at all. A wait armed by this scan and completed by the next turn is seen by
    // the next scan, in this call (nothing found) or the next.
    const bool turned_first = last_scan_waited_;
    if (turned_first) io_.poll();
    std::size_t found = scan(in, out, waiting);
    if (!turned_first && waiting && io_.poll() > 0) found = scan(in, out, waiting);
    last_scan_waited_ = waiting;
    if (found > 0) {
      nevents = static_cast<std::uint32_t>(found);
      return errc::success;
    }
    if (wake_pending_.exchange(false)) return errc::success;
    arm_for_blocking(in);
    arm_timer();
    io_.run_one();  // blocks in epoll_wait: no CPU, no periodic wake-ups
  }
}

std::size_t host::impl::scan(std::span<const abi::subscription> in, std::span<abi::event> out, bool& waiting) {
  waiting = false;
  return config.semantics == profile::wasmtime_legacy ? scan_wasmtime_legacy(in, out, waiting)
                                                      : scan_in_order(in, out, waiting);
}

namespace {

struct clock_reader {
  /// The fault layer's realtime offset (clock jumps), so deadlines agree with clock_time_get.
  std::int64_t realtime_offset_ns = 0;
  std::uint64_t monotonic = monotonic_ns();
  std::uint64_t realtime = 0;
  bool realtime_read = false;

  bool expired(const clock_deadline& d) {
    if (!d.realtime) return monotonic >= d.deadline_ns;
    if (!realtime_read) {
      realtime = offset_realtime(realtime_ns(), realtime_offset_ns);
      realtime_read = true;
    }
    return realtime >= d.deadline_ns;
  }
};

}  // namespace

std::size_t host::impl::scan_in_order(std::span<const abi::subscription> in, std::span<abi::event> out,
                                      bool& waiting) {
  std::size_t n = 0;
  std::size_t next_clock = 0;
  clock_reader clocks{realtime_offset_ns()};
  scan_saw_stdio_ = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const abi::subscription& s = in[i];
    if (s.tag == tag_clock) {
      if (clocks.expired(clocks_[next_clock++])) out[n++] = event_for(s);
      continue;
    }
    const direction d = direction_of(s);
    open_fd* f = find_subscribed(i, s.u.fd_readwrite.file_descriptor);
    abi::event e = event_for(s);
    if (f == nullptr) {
      e.error = static_cast<std::uint16_t>(errc::badf);
      out[n++] = e;
      continue;
    }
    scan_saw_stdio_ = scan_saw_stdio_ || f->kind == fd_kind::stdio;
    if (f->kind == fd_kind::directory) {
      // A directory has nothing to read or write through fd_read/fd_write: not pollable.
      e.error = static_cast<std::uint16_t>(errc::badf);
      out[n++] = e;
      continue;
    }
    if (f->kind == fd_kind::listener && d == direction::write) {
      // Never ready and never an error, as POLLOUT on a listening socket: tokio registers every
      // socket, listeners included, for READ|WRITE and fails its poll on any error event.
      continue;
    }
    fd_probe p = probe(*f, d, waiting);
    if (!p.ready) continue;
    if (p.revents & POLLNVAL) {
      e.error = static_cast<std::uint16_t>(errc::badf);
      out[n++] = e;
      continue;
    }
    if (d == direction::read) {
      // A listener counts one pending connection; a stream its waiting bytes (0 at EOF). With bytes
      // waiting, HANGUP shows once they are read: the probe stops at FIONREAD then.
      if (f->kind == fd_kind::listener) {
        e.fd_readwrite.nbytes = 1;
      } else {
        e.fd_readwrite.nbytes = f->kind == fd_kind::stream ? p.readable : bytes_readable(f->host_fd);
      }
      if (p.revents & (POLLRDHUP | POLLHUP)) e.fd_readwrite.flags = abi::event_fd_readwrite_hangup;
    } else {
      if (p.revents & POLLOUT) {
        e.fd_readwrite.nbytes = f->tls           ? tls_writable(*f)
                                : f->is_socket() ? socket_bytes_writable(f->host_fd)
                                                 : stdio_bytes_writable(f->host_fd);
      }
      if (p.revents & POLLHUP) e.fd_readwrite.flags = abi::event_fd_readwrite_hangup;
    }
    out[n++] = e;
  }
  return n;
}

std::size_t host::impl::scan_wasmtime_legacy(std::span<const abi::subscription> in, std::span<abi::event> out,
                                             bool& waiting) {
  std::size_t n = 0;
  clock_reader clocks{realtime_offset_ns()};
  for (const clock_deadline& d : clocks_) {
    if (clocks.expired(d)) out[n++] = event_for(in[d.index]);
  }

  // wasmtime polls every fd; if any is ready, every fd subscription gets an event. The probes of
  // the not-ready ones are cache reads, so only ready fds cost a syscall.
  probes_.resize(in.size());
  bool any_ready = false;
  scan_saw_stdio_ = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const abi::subscription& s = in[i];
    if (s.tag == tag_clock) continue;
    open_fd* f = find_subscribed(i, s.u.fd_readwrite.file_descriptor);
    scan_saw_stdio_ = scan_saw_stdio_ || (f != nullptr && f->kind == fd_kind::stdio);
    probes_[i] = f != nullptr ? probe(*f, direction_of(s), waiting) : fd_probe{};
    any_ready = any_ready || probes_[i].ready;
  }
  if (!any_ready) return n;

  for (std::uint8_t tag : {tag_fd_read, tag_fd_write}) {
    for (std::size_t i = 0; i < in.size(); ++i) {
      const abi::subscription& s = in[i];
      if (s.tag != tag) continue;
      open_fd* f = find_subscribed(i, s.u.fd_readwrite.file_descriptor);
      const fd_probe& p = probes_[i];
      abi::event e = event_for(s);
      if (tag == tag_fd_read) {
        std::uint64_t available = p.readable;
        if (f != nullptr && p.ready && available == 0 && (f->kind == fd_kind::stdio || f->kind == fd_kind::file)) {
          available = bytes_readable(f->host_fd);
        }
        e.fd_readwrite.nbytes = std::max<std::uint64_t>(available, 1);
      }
      if (f == nullptr || (p.revents & POLLNVAL)) {
        e.error = static_cast<std::uint16_t>(errc::badf);
      } else if (p.revents & POLLERR) {
        e.error = static_cast<std::uint16_t>(errc::io);
      }
      if (p.revents & POLLHUP) e.fd_readwrite.flags = abi::event_fd_readwrite_hangup;
      out[n++] = e;
    }
  }
  return n;
}

void host::impl::arm_for_blocking(std::span<const abi::subscription> in) {
  // Sockets were armed by their probes; stdio is polled directly and needs its watcher armed here
  // (nothing to do when the scan met no stdio subscription: the common server case).
  if (!scan_saw_stdio_) return;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const abi::subscription& s = in[i];
    if (s.tag == tag_clock) continue;
    open_fd* f = find_subscribed(i, s.u.fd_readwrite.file_descriptor);
    if (f != nullptr && f->kind == fd_kind::stdio) arm(*f, direction_of(s));
  }
}

void host::impl::arm_timer() {
  if (clocks_.empty()) return;
  clock_reader clocks{realtime_offset_ns()};
  std::uint64_t earliest = far_future_ns;
  for (const clock_deadline& d : clocks_) {
    std::uint64_t at = d.deadline_ns;
    if (d.realtime) {
      clocks.expired(d);  // reads realtime once
      at = saturating_add(clocks.monotonic, d.deadline_ns > clocks.realtime ? d.deadline_ns - clocks.realtime : 0);
    }
    earliest = std::min(earliest, at);
  }
  arm_timer_at(earliest);
}

void host::impl::arm_timer_at(std::uint64_t deadline_ns) {
  auto deadline = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(deadline_ns));
  if (timer_pending_ && timer_deadline_ == deadline) return;
  // Re-arming cancels the previous wait; its aborted handler only makes one run_one() return.
  std::uint64_t generation = ++timer_generation_;
  timer_.expires_at(deadline);
  timer_deadline_ = deadline;
  timer_pending_ = true;
  timer_.async_wait([this, generation](const boost::system::error_code&) {
    if (generation == timer_generation_) timer_pending_ = false;
  });
}

}  // namespace wasio::testbed
