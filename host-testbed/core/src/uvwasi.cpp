// The uvwasi profile's own rows (HOST-SEMANTICS.md section 4, measured against Node 20's uvwasi and
// checked by tests/differential): its poll_oneoff, which runs "a uv loop" until every fd
// subscription fired or its one timer went off, and what it reports for stdio descriptors.
#include <poll.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>

#include "clocks.hpp"
#include "host_impl.hpp"

namespace wasio::testbed {

namespace {

constexpr std::uint8_t tag_clock = static_cast<std::uint8_t>(abi::eventtype::clock);
constexpr std::uint8_t tag_fd_read = static_cast<std::uint8_t>(abi::eventtype::fd_read);
constexpr std::uint8_t tag_fd_write = static_cast<std::uint8_t>(abi::eventtype::fd_write);
constexpr std::uint64_t ns_per_ms = 1'000'000;
constexpr std::uint64_t far_future_ns = std::numeric_limits<std::int64_t>::max() / 4;

// uvwasi's rights (its wasi_rights.h), by what the descriptor is.
constexpr abi::rights all_rights = 0x1fffffff | abi::right_sock_accept;  // every preview1 right, 0x3fffffff
constexpr abi::rights socket_rights = abi::right_fd_read | abi::right_fd_fdstat_set_flags | abi::right_fd_write |
                                      (1ull << 21) /* fd_filestat_get */ | abi::right_poll_fd_readwrite |
                                      abi::right_sock_shutdown | abi::right_sock_accept;  // 0x3820004a
constexpr abi::rights regular_file_rights = 0x8e001ff;
constexpr abi::rights tty_rights = abi::right_fd_read | abi::right_fd_fdstat_set_flags | abi::right_fd_write |
                                   (1ull << 21) | abi::right_poll_fd_readwrite;  // 0x820004a

/// Whether epoll takes `host_fd` (libuv's uv_poll_init fails with EPERM for regular files and some
/// character devices such as /dev/null; uvwasi turns that into a whole-call EPERM).
bool epoll_accepts(int host_fd) {
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return true;  // cannot tell: let the wait itself find out
  epoll_event e{};
  e.events = EPOLLIN;
  const bool accepted = ::epoll_ctl(ep, EPOLL_CTL_ADD, host_fd, &e) == 0 || errno != EPERM;
  ::close(ep);
  return accepted;
}

abi::event event_for(const abi::subscription& s) {
  abi::event e{};
  e.user = s.user;
  e.type = s.tag;
  return e;
}

}  // namespace

bool host::impl::uvwasi_pollable(open_fd& f) {
  if (f.is_socket()) return true;
  if (!f.uvwasi_pollable) f.uvwasi_pollable = epoll_accepts(f.host_fd);
  return *f.uvwasi_pollable;
}

errc host::impl::poll_uvwasi(std::span<const abi::subscription> in, std::span<abi::event> out,
                             std::uint32_t& nevents) {
  // One pass in subscription order, as uvwasi builds its state: the first failing subscription
  // decides the whole call (EINVAL for an unknown tag, EPERM for a descriptor epoll refuses).
  uvwasi_subs_.clear();
  bool has_timer = false;
  std::uint64_t min_timeout_ns = 0;
  abi::userdata timer_user = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const abi::subscription& s = in[i];
    if (s.tag == tag_clock) {
      // Any clock id and any flags are a relative wait, except flags == ABSTIME exactly: an
      // absolute realtime deadline. uvwasi keeps only the earliest (the first of equals).
      const abi::subscription_clock& c = s.u.clock;
      std::uint64_t timeout = c.timeout;
      if (c.flags == abi::subscription_clock_abstime) {
        // uvwasi subtracts realtime now without a check, so a past deadline wraps and the call
        // hangs; the profile leaves that out (profile.hpp) and takes a past deadline as due now.
        std::uint64_t now = realtime_ns();
        timeout = timeout > now ? timeout - now : 0;
      }
      if (!has_timer || timeout < min_timeout_ns) {
        min_timeout_ns = timeout;
        timer_user = s.user;
        has_timer = true;
      }
      continue;
    }
    if (s.tag != tag_fd_read && s.tag != tag_fd_write) return errc::inval;
    uvwasi_sub u;
    u.index = i;
    u.dir = s.tag == tag_fd_read ? direction::read : direction::write;
    const abi::fd fd = s.u.fd_readwrite.file_descriptor;
    open_fd* f = find(fd);
    if (f == nullptr) {
      u.state = uvwasi_sub::bad;  // reported with badf only if the call reports fd events at all
    } else {
      // The same fd again shares the first subscription's poll handle: only the first reports.
      // (uvwasi crashes when the earlier one was a bad fd; the profile just compares numbers.)
      // Measured on stdio; sockets, which uvwasi cannot poll at all (no host fd), keep one wait per
      // direction: with the rule, a socket's write side behind its read side would never be seen,
      // and no readiness loop could run (profile.hpp lists this as left out).
      const bool duplicate = f->kind == fd_kind::stdio && std::any_of(uvwasi_subs_.begin(), uvwasi_subs_.end(), [&](const uvwasi_sub& other) {
        return other.state != uvwasi_sub::bad && in[other.index].u.fd_readwrite.file_descriptor == fd;
      });
      if (duplicate) {
        u.state = uvwasi_sub::duplicate;
      } else {
        if (!uvwasi_pollable(*f)) return errc::perm;
        u.state = uvwasi_sub::waiting;
      }
    }
    uvwasi_subs_.push_back(u);
  }

  // libuv timers count whole milliseconds: uvwasi truncates the timeout.
  const std::uint64_t timeout_ms = std::min(min_timeout_ns, far_future_ns) / ns_per_ms;
  const std::uint64_t deadline_ns = monotonic_ns() + timeout_ms * ns_per_ms;
  std::size_t waiting_count = 0;
  for (const uvwasi_sub& u : uvwasi_subs_) waiting_count += u.state == uvwasi_sub::waiting ? 1 : 0;
  std::size_t fired = 0;
  bool woken = false;

  // The uv loop: timers first in every turn (so a timer due at once wins over ready fds), then the
  // fds; it ends when every fd subscription fired, or when the timer stops them all.
  for (;;) {
    if (has_timer && monotonic_ns() >= deadline_ns) break;
    // Only bad fds (or none) and no timer: the loop has nothing to run and returns at once.
    if (waiting_count == 0 && !has_timer) break;
    bool cache_said_not_ready = false;
    auto probe_all = [&] {
      for (uvwasi_sub& u : uvwasi_subs_) {
        if (u.state != uvwasi_sub::waiting) continue;
        open_fd& f = *find(in[u.index].u.fd_readwrite.file_descriptor);
        fd_probe p = probe(f, u.dir, cache_said_not_ready);
        if (!p.ready) continue;
        u.state = uvwasi_sub::fired;
        u.revents = p.revents;
        if (u.dir == direction::write && f.kind == fd_kind::stream) {
          // Its poll handle also watches UV_DISCONNECT: a peer's FIN shows on the write side too.
          pollfd one{f.host_fd, POLLRDHUP, 0};
          if (::poll(&one, 1, 0) > 0) u.revents |= one.revents;
        }
        --waiting_count;
        ++fired;
      }
    };
    const bool had_fds = waiting_count > 0;
    probe_all();
    if (waiting_count > 0 && cache_said_not_ready && io_.poll() > 0) probe_all();
    if (had_fds && waiting_count == 0) break;
    if (wake_pending_.exchange(false)) {
      woken = true;
      break;
    }  // the testbed's waker (wasio-run --waker) ends a wait early
    for (const uvwasi_sub& u : uvwasi_subs_) {
      if (u.state != uvwasi_sub::waiting) continue;
      open_fd& f = *find(in[u.index].u.fd_readwrite.file_descriptor);
      if (f.kind == fd_kind::stdio) arm(f, u.dir);
    }
    if (has_timer) arm_timer_at(deadline_ns);
    io_.run_one();  // blocks in epoll_wait until an fd, the timer or a wake
  }

  nevents = 0;
  if (fired == 0) {
    // Nothing fired: one clock event, the earliest clock's (userdata 0 when there was no clock: a
    // call of bad fds alone). A wake returns no events.
    if (woken) return errc::success;
    abi::event e{};
    e.user = timer_user;
    e.type = tag_clock;
    out[0] = e;
    nevents = 1;
    return errc::success;
  }
  for (const uvwasi_sub& u : uvwasi_subs_) {
    if (u.state != uvwasi_sub::fired && u.state != uvwasi_sub::bad) continue;
    abi::event e = event_for(in[u.index]);  // nbytes is always 0: uvwasi never sets it
    if (u.state == uvwasi_sub::bad) {
      e.error = static_cast<std::uint16_t>(errc::badf);
    } else if ((u.revents & (POLLERR | POLLNVAL)) != 0) {
      e.error = static_cast<std::uint16_t>(errc::io);  // libuv's poll callback status (a reset peer)
    } else if ((u.revents & POLLRDHUP) != 0) {
      e.fd_readwrite.flags = abi::event_fd_readwrite_hangup;  // UV_DISCONNECT
    }
    out[nevents++] = e;
  }
  return errc::success;
}

void host::impl::uvwasi_stdio_fdstat(open_fd& f, abi::fdstat& out) {
  out = abi::fdstat{};
  struct stat info{};
  if (::fstat(f.host_fd, &info) != 0) return;
  // fs_flags are the raw Linux O_* bits of F_GETFL, cut to 16 bits (an uvwasi bug, measured).
  int flags = ::fcntl(f.host_fd, F_GETFL);
  out.flags = flags < 0 ? 0 : static_cast<abi::fdflags>(flags & 0xffff);
  if (S_ISREG(info.st_mode)) {
    out.filetype = static_cast<std::uint8_t>(abi::filetype::regular_file);
    out.rights_base = regular_file_rights;
  } else if (S_ISCHR(info.st_mode)) {
    out.filetype = static_cast<std::uint8_t>(abi::filetype::character_device);
    const bool tty = ::isatty(f.host_fd) == 1;
    out.rights_base = tty ? tty_rights : all_rights;
    out.rights_inheriting = tty ? 0 : all_rights;
  } else if (S_ISBLK(info.st_mode)) {
    out.filetype = static_cast<std::uint8_t>(abi::filetype::block_device);
    out.rights_base = all_rights;
    out.rights_inheriting = all_rights;
  } else {
    // A pipe, a FIFO or a socket: libuv guesses UV_NAMED_PIPE or UV_TCP, both a socket_stream.
    out.filetype = static_cast<std::uint8_t>(abi::filetype::socket_stream);
    out.rights_base = socket_rights;
    out.rights_inheriting = all_rights;
  }
}

errc host::impl::uvwasi_stdio_set_flags(open_fd& f, abi::fdflags flags) {
  // uvwasi maps the flags to O_* bits and calls F_SETFL on the descriptor it shares with the host.
  int mapped = 0;
  if (flags & abi::fdflag_append) mapped |= O_APPEND;
  if (flags & abi::fdflag_nonblock) mapped |= O_NONBLOCK;
  if (flags & abi::fdflag_dsync) mapped |= O_DSYNC;
  if (flags & (abi::fdflag_rsync | abi::fdflag_sync)) mapped |= O_SYNC;
  if (::fcntl(f.host_fd, F_SETFL, mapped) != 0) return errc::badf;
  return errc::success;
}

errc host::impl::uvwasi_path_on_stdio(std::string_view function, open_fd& f) {
  // The rights of a pipe, a socket, a tty or a regular file hold no path_* right: notcapable. A
  // character device such as /dev/null has every right, so uvwasi resolves the path beneath it and
  // finds nothing there (measured for path_open; the other path calls are read the same way).
  abi::fdstat st;
  uvwasi_stdio_fdstat(f, st);
  if (st.rights_base != all_rights) return errc::notcapable;
  return function == "path_open" ? errc::noent : errc::notdir;
}

}  // namespace wasio::testbed
