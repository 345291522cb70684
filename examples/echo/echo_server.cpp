// The echo server's poll loop: subscriptions rebuilt each tick from each connection's state.

#include "echo_server.hpp"

#include <cstdio>
#include <utility>

namespace echo {
namespace {

namespace abi = wasio::abi;
namespace sys = wasio::sys;
using wasio::errc;

// userdata carries what an event is about, so the loop needs no side table per subscription.
constexpr std::uint64_t listener_tag = 1ull << 32;
constexpr std::uint64_t connection_tag = 2ull << 32;
constexpr std::uint64_t tag_mask = 0xffffffffull << 32;

// A chatty listener cannot starve connections that are already open (bounded work per tick).
constexpr int max_accepts_per_tick = 64;

abi::subscription fd_subscription(abi::eventtype type, sys::fd_t fd, std::uint64_t tag) {
  abi::subscription s{};
  s.user = tag | fd;
  s.tag = static_cast<std::uint8_t>(type);
  s.u.fd_readwrite.file_descriptor = fd;
  return s;
}

void report(const char* what, sys::fd_t fd, errc code) {
  const auto text = wasio::message(code);
  std::fprintf(stderr, "echo: %s on fd %u: %.*s\n", what, static_cast<unsigned>(fd), static_cast<int>(text.size()),
               text.data());
}

bool out_of_descriptors(errc code) {
  return code == errc::mfile || code == errc::nfile || code == errc::nobufs || code == errc::nomem;
}

}  // namespace

echo_server::echo_server(std::vector<sys::fd_t> listeners) : listeners_(std::move(listeners)) {
  for (sys::fd_t fd : listeners_) {
    // Without it a spurious readable event would block the whole server inside sock_accept.
    if (auto r = sys::fd_fdstat_set_flags(fd, abi::fdflag_nonblock); !r) report("cannot make listener non-blocking", fd, r.error());
  }
}

errc echo_server::run() {
  while (true) {
    build_subscriptions();
    events_.resize(subscriptions_.size());
    auto ready = sys::poll_oneoff(subscriptions_.data(), events_.data(), subscriptions_.size());
    if (!ready) {
      if (ready.error() == errc::again || ready.error() == errc::intr) continue;
      return ready.error();
    }
    for (std::size_t i = 0; i < *ready; ++i) {
      const abi::event& e = events_[i];
      const auto fd = static_cast<sys::fd_t>(e.user & ~tag_mask);
      if ((e.user & tag_mask) == listener_tag) {
        accept_from(fd);
        continue;
      }
      auto found = connections_.find(fd);
      if (found == connections_.end()) continue;  // closed earlier in this tick
      // An event's error is the host's early word on the fd; the call below gets the same answer.
      if (e.type == static_cast<std::uint8_t>(abi::eventtype::fd_read))
        on_readable(fd, found->second, (e.fd_readwrite.flags & abi::event_fd_readwrite_hangup) != 0);
      else if (e.type == static_cast<std::uint8_t>(abi::eventtype::fd_write))
        on_writable(fd, found->second);
    }
  }
}

void echo_server::build_subscriptions() {
  subscriptions_.clear();
  // A poll with nothing to wait for is inval on every host; only an exhausted process pauses
  // accepting, and with no connection left there is nothing to wait for but the listeners.
  if (connections_.empty()) accepting_ = true;
  if (accepting_)
    for (sys::fd_t fd : listeners_) subscriptions_.push_back(fd_subscription(abi::eventtype::fd_read, fd, listener_tag));
  for (const auto& [fd, c] : connections_) {
    if (c.sent < c.pending.size())
      subscriptions_.push_back(fd_subscription(abi::eventtype::fd_write, fd, connection_tag));
    else if (!c.peer_finished)
      subscriptions_.push_back(fd_subscription(abi::eventtype::fd_read, fd, connection_tag));
  }
}

void echo_server::accept_from(sys::fd_t listener) {
  for (int i = 0; i < max_accepts_per_tick; ++i) {
    auto accepted = sys::sock_accept(listener, abi::fdflag_nonblock);
    if (accepted) {
      connections_.emplace(*accepted, connection{});
      continue;
    }
    const errc code = accepted.error();
    if (code == errc::again) return;
    if (code == errc::connaborted || code == errc::intr) continue;  // that client gave up; others may wait
    if (out_of_descriptors(code)) accepting_ = false;
    report("accept failed", listener, code);
    return;
  }
}

void echo_server::on_readable(sys::fd_t fd, connection& c, bool hangup) {
  const sys::buffer into{read_buffer_.data(), read_buffer_.size()};
  auto got = sys::fd_read(fd, std::span(&into, 1));
  if (!got) {
    // A host that cannot show EOF through a read (uvwasi's sock_recv) still says HANGUP: with
    // nothing left to read, the peer is done.
    if (got.error() == errc::again && hangup) {
      c.peer_finished = true;
      finish(fd);
    } else if (got.error() != errc::again) {
      drop(fd);
    }
    return;
  }
  if (*got == 0) {
    c.peer_finished = true;
    finish(fd);
    return;
  }
  echo(fd, c, read_buffer_.data(), *got);
}

void echo_server::on_writable(sys::fd_t fd, connection& c) {
  if (flush(fd, c) && c.sent == c.pending.size() && c.peer_finished) finish(fd);
}

bool echo_server::echo(sys::fd_t fd, connection& c, const std::byte* data, std::size_t size) {
  const sys::const_buffer from{data, size};
  auto put = sys::fd_write(fd, std::span(&from, 1));
  if (!put && put.error() != errc::again) {
    drop(fd);
    return false;
  }
  const std::size_t written = put ? *put : 0;
  c.pending.assign(data + written, data + size);
  c.sent = 0;
  return true;
}

bool echo_server::flush(sys::fd_t fd, connection& c) {
  const sys::const_buffer from{c.pending.data() + c.sent, c.pending.size() - c.sent};
  auto put = sys::fd_write(fd, std::span(&from, 1));
  if (!put) {
    if (put.error() == errc::again) return true;
    drop(fd);
    return false;
  }
  c.sent += *put;
  if (c.sent == c.pending.size()) {
    c.pending.clear();
    c.sent = 0;
  }
  return true;
}

// Everything the peer sent has been echoed and it sends no more: say so, then let go.
void echo_server::finish(sys::fd_t fd) {
  auto& c = connections_.at(fd);
  if (c.sent < c.pending.size()) return;  // on_writable finishes once the rest is out
  // A peer that already reset makes shutdown fail with notconn; closing is all that is left then.
  (void)sys::sock_shutdown(fd, abi::shut_wr);
  drop(fd);
}

void echo_server::drop(sys::fd_t fd) {
  if (auto r = sys::fd_close(fd); !r) report("close failed", fd, r.error());
  connections_.erase(fd);
  accepting_ = true;
}

}  // namespace echo
