// wasio::wake::wake_channel: fds outside wakers make readable, drained on every event.

#include "wasio/io/wake/wake_channel.hpp"

#include <array>
#include <utility>

namespace wasio::wake {

namespace {

constexpr int max_reads_per_drain = 64;  // of 256 bytes: 16 KiB of wake bytes per stream per drain

/// Accept errors a waker (or the guest's own load) causes: they end accepting for this drain, they
/// say nothing about the listener.
bool ends_accepting_for_now(errc e) {
  return e == errc::again || e == errc::connaborted || e == errc::mfile || e == errc::nfile ||
         e == errc::nomem || e == errc::nobufs;
}

}  // namespace

result<std::optional<sys::fd_t>> host_channel_fd() { return sys::waker_fd_from_environment(); }

result<std::optional<wake_channel>> open_default_channel(registry& r, std::optional<sys::fd_t> control_listener) {
  auto fd = host_channel_fd();
  if (!fd) return fail(fd.error());
  std::optional<wake_channel> channel;
  if (*fd) {
    channel.emplace(wake_channel::from_stream(**fd));
  } else if (control_listener) {
    channel.emplace(wake_channel::from_listener(*control_listener));
  } else {
    return channel;
  }
  if (auto watched = channel->watch(r); !watched) return fail(watched.error());
  return channel;
}

wake_channel wake_channel::from_stream(sys::fd_t fd) { return wake_channel(fd, false); }
wake_channel wake_channel::from_listener(sys::fd_t fd) { return wake_channel(fd, true); }

wake_channel::wake_channel(wake_channel&& other) noexcept
    : main_(std::move(other.main_)),
      listener_(other.listener_),
      closed_(std::exchange(other.closed_, true)),
      watched_(std::exchange(other.watched_, nullptr)),
      drains_(other.drains_),
      connections_(std::move(other.connections_)) {
  other.connections_.clear();
}

wake_channel& wake_channel::operator=(wake_channel&& other) noexcept {
  if (this != &other) {
    release();
    main_ = std::move(other.main_);
    listener_ = other.listener_;
    closed_ = std::exchange(other.closed_, true);
    watched_ = std::exchange(other.watched_, nullptr);
    drains_ = other.drains_;
    connections_ = std::move(other.connections_);
    other.connections_.clear();
  }
  return *this;
}

wake_channel::~wake_channel() { release(); }

void wake_channel::release() {
  unwatch();
  while (!connections_.empty()) close_connection(connections_.size() - 1);
  // A moved-from channel's source has no fd worth closing: closed_ was set by the move.
  if (!listener_ && !closed_) (void)sys::fd_close(main_.raw_fd());
  closed_ = true;
}

result<void> wake_channel::watch(registry& r) {
  if (watched_ != nullptr) unwatch();
  watched_ = &r;
  bool ok = true;
  errc failure = errc::success;
  if (!closed_) {
    if (auto tok = r.register_source(main_, interest::readable); !tok) ok = false, failure = tok.error();
  }
  for (waker_connection& c : connections_) {
    if (!ok) break;
    if (auto tok = r.register_source(c.stream, interest::readable); !tok) ok = false, failure = tok.error();
  }
  if (!ok) {
    unwatch();  // all or nothing
    return fail(failure);
  }
  return {};
}

void wake_channel::unwatch() {
  if (watched_ == nullptr) return;
  if (main_.is_registered()) (void)watched_->deregister(main_);
  for (waker_connection& c : connections_)
    if (c.stream.is_registered()) (void)watched_->deregister(c.stream);
  watched_ = nullptr;
}

bool wake_channel::owns(wasio::token tok) const {
  if (!tok.is_valid()) return false;
  if (main_.is_registered() && main_.registration() == tok) return true;
  for (const waker_connection& c : connections_)
    if (c.stream.is_registered() && c.stream.registration() == tok) return true;
  return false;
}

result<std::size_t> wake_channel::drain_stream(source& s, bool& ended) {
  std::array<std::byte, 256> bytes;
  const sys::buffer into{bytes.data(), bytes.size()};
  std::size_t total = 0;
  ended = false;
  // Bounded per drain, so a waker that never stops writing cannot keep the loop here: the channel
  // is level-triggered, what is left fires again on the next poll.
  for (int reads = 0; reads < max_reads_per_drain; ++reads) {
    auto n = sys::fd_read(s.raw_fd(), std::span(&into, 1));
    if (!n && n.error() == errc::again) return total;
    if (!n) {
      ended = true;
      return total > 0 ? result<std::size_t>(total) : fail(n.error());
    }
    if (*n == 0) {  // the far end is gone: no wake can come through it again
      ended = true;
      return total;
    }
    total += *n;
  }
  return total;
}

void wake_channel::close_connection(std::size_t index) {
  source& c = connections_[index].stream;
  if (c.is_registered() && watched_ != nullptr) (void)watched_->deregister(c);
  (void)sys::fd_close(c.raw_fd());
  if (index + 1 != connections_.size()) connections_[index] = std::move(connections_.back());
  connections_.pop_back();
}

void wake_channel::close_quietest_connection() {
  std::size_t quietest = 0;
  for (std::size_t i = 1; i < connections_.size(); ++i)
    if (connections_[i].last_heard < connections_[quietest].last_heard) quietest = i;
  // Its wake may be in flight: read it before the close, or a waker that did write is never woken
  // (found under injected mfile accepts, tests/e2e/faults).
  bool ended = false;
  if (auto n = drain_stream(connections_[quietest].stream, ended); n) rescued_ += *n;
  close_connection(quietest);
}

void wake_channel::keep_connection(sys::fd_t fd) {
  // Waker connections share the guest's fd budget: a bounded set, the quietest making room, so
  // idle connections can neither exhaust the guest's fds nor lock newer wakers out.
  if (connections_.size() >= max_waker_connections) close_quietest_connection();
  connections_.push_back(waker_connection{source(fd), drains_});
  if (watched_ == nullptr) return;
  if (auto tok = watched_->register_source(connections_.back().stream, interest::readable); !tok)
    close_connection(connections_.size() - 1);  // the registry's trouble costs only this waker
}

result<void> wake_channel::accept_wakers() {
  // Bounded like the reads: a waker that never stops connecting cannot hold the loop here; the
  // level-triggered listener fires again for the rest.
  bool made_room = false;
  for (std::size_t accepted = 0; accepted < max_waker_connections;) {
    auto fd = sys::sock_accept(main_.raw_fd(), abi::fdflag_nonblock);
    if (fd) {
      keep_connection(*fd);
      ++accepted;
      continue;
    }
    const errc e = fd.error();
    const bool out_of_fds = e == errc::mfile || e == errc::nfile;
    if (out_of_fds && !made_room && !connections_.empty()) {
      // Once per drain: the newcomer is likelier to carry a wake than the quietest connection.
      close_quietest_connection();
      made_room = true;
      continue;
    }
    if (ends_accepting_for_now(e)) return {};
    return fail(e);
  }
  return {};
}

result<std::size_t> wake_channel::drain() {
  if (!listener_) {
    if (closed_) return fail(errc::pipe);
    bool ended = false;
    auto n = drain_stream(main_, ended);
    if (ended) {
      unwatch();
      (void)sys::fd_close(main_.raw_fd());
      closed_ = true;
      // The last wakes before the end still count; the next drain reports the end.
      if (n && *n == 0) return fail(errc::pipe);
    }
    return n;
  }

  ++drains_;
  rescued_ = 0;
  if (auto accepted = accept_wakers(); !accepted) return fail(accepted.error());
  // Every connection is read until again: level-triggered, so a skipped one would fire again at once.
  std::size_t total = std::exchange(rescued_, 0);
  for (std::size_t i = connections_.size(); i-- > 0;) {
    bool ended = false;
    auto n = drain_stream(connections_[i].stream, ended);
    if (n && *n > 0) {
      total += *n;
      connections_[i].last_heard = drains_;
    }
    // Whatever ended this waker (a close, a reset, a bad peer) ends only its connection.
    if (ended) close_connection(i);
  }
  return total;
}

}  // namespace wasio::wake
