// TLS listeners and streams: the host accepts, handshakes (bounded in time and number) and hands the
// guest a stream of plaintext. Readiness of a TLS stream is the engine's, not the socket's:
//   read:  decrypted bytes buffered, or the socket has ciphertext that decrypts to some (a peek
//          finds out), or the stream ended or broke (the next read says so);
//   write: room below tls_limits::max_queued_output in the ciphertext queue.
// docs/tls.md explains the design; every handler here holds a weak_ptr (tls_internal.hpp).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include <boost/asio/post.hpp>

#include "errno_map.hpp"
#include "iovecs.hpp"
#include "tls_internal.hpp"

namespace wasio::testbed {

namespace {

/// Accepts per listener per reactor turn, so one busy TLS port cannot hold the guest's turn.
constexpr int accepts_per_turn = 64;
constexpr auto accept_backoff = std::chrono::milliseconds(100);

std::string peer_of(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (address.ss_family == AF_INET) {
    auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    port = ntohs(v4->sin_port);
    return std::string(text) + ":" + std::to_string(port);
  }
  if (address.ss_family == AF_INET6) {
    auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    port = ntohs(v6->sin6_port);
  }
  return "[" + std::string(text) + "]:" + std::to_string(port);
}

/// The part of `buffers` at byte `offset` (with `first_only`, inside the first non-empty one).
template <class Buffer>
std::pair<std::byte*, std::size_t> segment_at(std::span<const Buffer> buffers, std::size_t offset, bool first_only) {
  for (const Buffer& b : buffers) {
    if (b.size == 0) continue;
    if (offset < b.size) return {const_cast<std::byte*>(b.data) + offset, b.size - offset};
    if (first_only) break;
    offset -= b.size;
  }
  return {nullptr, 0};
}

}  // namespace

/// The handlers and steps behind host::impl's tls_* entry points.
struct host::impl::tls_driver {
  using connection_ptr = std::shared_ptr<tls_connection>;

  static void changed(impl& h) {
    tls_service& s = *h.tls_;
    s.stats_changed = true;
    if (s.stats_scheduled || s.log == nullptr || s.limits.stats_interval.count() <= 0) return;
    s.stats_scheduled = true;
    s.stats_timer.expires_after(s.limits.stats_interval);
    s.stats_timer.async_wait([&h](const boost::system::error_code& ec) {
      if (ec == asio::error::operation_aborted) return;
      h.tls_->stats_scheduled = false;
      if (h.tls_->stats_changed) h.tls_print_stats();
    });
  }

  static void trace(impl& h, const tls_connection& c, const std::string& what) {
    if (h.tracing()) h.trace_line("tls: " + c.peer + " " + what);
  }

  // --- accepting ------------------------------------------------------------------------------------

  static bool at_capacity(impl& h, const tls_listener_state& st) {
    return h.tls_->handshaking.size() >= h.tls_->limits.max_handshakes || st.ready.size() >= h.tls_->limits.max_ready;
  }

  static void arm_accept(impl& h, open_fd& l) {
    tls_listener_state& st = *l.tls_listener;
    if (st.accept_armed || st.backing_off) return;
    st.accept_armed = true;
    l.acceptor->async_wait(asio::socket_base::wait_read, [&h, number = l.number](const boost::system::error_code& ec) {
      open_fd* f = h.find(number);
      if (f == nullptr || !f->tls_listener) return;
      f->tls_listener->accept_armed = false;
      if (ec == asio::error::operation_aborted) return;
      accept_ready(h, *f);
    });
  }

  static void pause(impl& h, tls_listener_state& st) {
    if (st.paused) return;
    st.paused = true;
    ++h.tls_->counters.at_capacity;
    changed(h);
  }

  /// Takes pending connections until the kernel has none (then waits for more), a cap is reached
  /// (then stays paused: those clients wait in the backlog) or this turn's share is used up.
  static void accept_ready(impl& h, open_fd& l) {
    tls_listener_state& st = *l.tls_listener;
    for (int taken = 0; taken < accepts_per_turn; ++taken) {
      if (at_capacity(h, st)) return pause(h, st);
      sockaddr_storage peer{};
      socklen_t length = sizeof peer;
      const int connection =
          ::accept4(l.host_fd, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (connection >= 0) {
        start_handshake(h, l.number, connection, peer);
        continue;
      }
      if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return arm_accept(h, l);
      // Out of descriptors or memory: the connection stays in the backlog; retry a little later
      // rather than spin on a listener that stays readable.
      if (h.tracing()) h.trace_line(std::string("tls: accept failed (") + std::strerror(errno) + "), retrying shortly");
      st.backing_off = true;
      if (!st.backoff) st.backoff = std::make_unique<asio::steady_timer>(h.io_);
      st.backoff->expires_after(accept_backoff);
      st.backoff->async_wait([&h, number = l.number](const boost::system::error_code& ec) {
        open_fd* f = h.find(number);
        if (f == nullptr || !f->tls_listener || ec == asio::error::operation_aborted) return;
        f->tls_listener->backing_off = false;
        accept_ready(h, *f);
      });
      return;
    }
    // This turn's share is used: carry on after the other handlers had theirs.
    asio::post(h.io_, [&h, number = l.number] {
      if (open_fd* f = h.find(number); f != nullptr && f->tls_listener) accept_ready(h, *f);
    });
  }

  /// A handshake ended or the guest took a connection: a paused listener may go on.
  static void resume(impl& h) {
    for (abi::fd number : h.tls_->listeners) {
      open_fd* f = h.find(number);
      if (f == nullptr || !f->tls_listener) continue;
      tls_listener_state& st = *f->tls_listener;
      if (!st.paused || at_capacity(h, st)) continue;
      st.paused = false;
      // Not just a wait: connections that came while paused raised no new edge.
      accept_ready(h, *f);
    }
  }

  // --- handshakes ----------------------------------------------------------------------------------

  static void start_handshake(impl& h, abi::fd listener, int native_fd, const sockaddr_storage& peer) {
    tls_service& s = *h.tls_;
    const int one = 1;
    // The host writes whole flights and whole responses in one send: Nagle could only add delay.
    ::setsockopt(native_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    asio::ip::tcp::socket socket(h.io_);
    boost::system::error_code ec;
    socket.assign(peer.ss_family == AF_INET6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), native_fd, ec);
    if (ec) {
      ::close(native_fd);
      if (h.tracing()) h.trace_line("tls: accepted a connection but could not watch it (" + ec.message() + "): closed it");
      return;
    }
    auto c = std::make_shared<tls_connection>(h.io_, std::move(socket));
    c->peer = peer_of(peer);
    c->session = tls_session::create(s.context->state().context.native_handle(), native_fd);
    if (!c->session) {
      trace(h, *c, "refused: OpenSSL could not make a session (out of memory)");
      return;
    }
    c->serial = s.next_serial++;
    c->listener = listener;
    c->service = &s;
    s.all.insert(c.get());
    s.handshaking.emplace(c->serial, c);
    c->timer.expires_after(s.limits.handshake_timeout);
    c->timer.async_wait([&h, weak = std::weak_ptr(c)](const boost::system::error_code& ec) {
      auto c = weak.lock();
      if (!c || ec == asio::error::operation_aborted || c->where != tls_connection::stage::handshaking) return;
      ++h.tls_->counters.timeouts;
      end_handshake(h, c, "refused: no handshake within the timeout");
    });
    changed(h);
    advance_handshake(h, c);
  }

  static void advance_handshake(impl& h, const connection_ptr& c) {
    const tls_outcome outcome = c->session->handshake();
    int error = 0;
    const auto flushed = c->session->flush(error);
    if (flushed == tls_session::flush_result::failed) {
      ++h.tls_->counters.vanished;
      return end_handshake(h, c, std::string("refused: ") + std::strerror(error) + " while sending the handshake");
    }
    if (flushed == tls_session::flush_result::would_block) arm_flush(h, c);
    switch (outcome) {
      case tls_outcome::ok: return finish_handshake(h, c);
      case tls_outcome::want_read:
        c->read_ready = false;
        return arm_read(h, c);
      case tls_outcome::closed:
      case tls_outcome::truncated:
        ++h.tls_->counters.vanished;
        return end_handshake(h, c, "refused: the client closed during its handshake");
      case tls_outcome::failed: break;
    }
    tls_counters& n = h.tls_->counters;
    switch (c->session->failure()) {
      case tls_failure::plain_http: ++n.plain_http; break;
      case tls_failure::oversized: ++n.oversized; break;
      case tls_failure::vanished: ++n.vanished; break;
      case tls_failure::renegotiation: ++n.renegotiations; break;
      default: ++n.bad_handshake; break;
    }
    end_handshake(h, c, "refused: " + std::string(describe(c->session->failure())) + " (" + c->session->reason() + ")");
  }

  /// Drops a connection whose handshake failed (the socket closes with it).
  static void end_handshake(impl& h, const connection_ptr& c, const std::string& why) {
    trace(h, *c, why);
    connection_ptr keep = c;  // Lifetime: `c` may be the map's own pointer
    h.tls_->handshaking.erase(keep->serial);
    changed(h);
    resume(h);
  }

  static void finish_handshake(impl& h, const connection_ptr& c) {
    tls_service& s = *h.tls_;
    connection_ptr keep = c;
    keep->timer.cancel();
    s.handshaking.erase(keep->serial);
    ++s.counters.handshakes;
    if (keep->session->resumed()) ++s.counters.resumed;
    if (keep->session->alpn_http11()) ++s.counters.alpn_http11;
    if (h.tracing()) {
      std::string sni(keep->session->server_name());
      trace(h, *keep, "handshake done (" + std::string(keep->session->protocol()) +
                          (keep->session->resumed() ? ", resumed" : "") +
                          (keep->session->alpn_http11() ? ", alpn http/1.1" : "") + (sni.empty() ? "" : ", sni " + sni) + ")");
    }
    open_fd* l = h.find(keep->listener);
    if (l != nullptr && l->tls_listener) {
      keep->where = tls_connection::stage::ready;
      l->tls_listener->ready.push_back(keep);
    }  // else the listener was closed meanwhile: the connection goes with `keep`
    changed(h);
    resume(h);
  }

  // --- socket waits and the ciphertext queue --------------------------------------------------------

  static void arm_read(impl& h, const connection_ptr& c) {
    if (c->read_armed) return;
    c->read_armed = true;
    c->socket.async_wait(asio::socket_base::wait_read, [&h, weak = std::weak_ptr(c)](const boost::system::error_code& ec) {
      auto c = weak.lock();
      if (!c) return;
      c->read_armed = false;
      if (ec == asio::error::operation_aborted) return;
      c->read_ready = true;  // errors too: the next read reports them
      if (c->where == tls_connection::stage::handshaking) advance_handshake(h, c);
    });
  }

  static void arm_flush(impl& h, const connection_ptr& c) {
    if (c->write_armed) return;
    c->write_armed = true;
    c->socket.async_wait(asio::socket_base::wait_write, [&h, weak = std::weak_ptr(c)](const boost::system::error_code& ec) {
      auto c = weak.lock();
      if (!c) return;
      c->write_armed = false;
      if (ec == asio::error::operation_aborted) return;
      flush(h, c);
    });
  }

  /// Sends what is queued; on EAGAIN waits for the socket by itself (the guest need not be writing).
  static void flush(impl& h, const connection_ptr& c) {
    int error = 0;
    switch (c->session->flush(error)) {
      case tls_session::flush_result::would_block: return arm_flush(h, c);
      case tls_session::flush_result::failed:
        if (c->where == tls_connection::stage::closing) return drop_closing(h, c, false);
        if (c->where == tls_connection::stage::handshaking) {
          ++h.tls_->counters.vanished;
          return end_handshake(h, c, std::string("refused: ") + std::strerror(error) + " while sending the handshake");
        }
        if (c->failure == errc::success) {
          c->failure = from_errno(error);
          ++(error == ECONNRESET || error == EPIPE ? h.tls_->counters.resets : h.tls_->counters.broken);
          trace(h, *c, std::string("broken: ") + std::strerror(error) + " while sending");
          changed(h);
        }
        return;
      case tls_session::flush_result::drained:
        if (c->fin_after_flush) {
          c->fin_after_flush = false;
          ::shutdown(c->socket.native_handle(), SHUT_WR);
        }
        if (c->where == tls_connection::stage::closing) drop_closing(h, c, true);
        return;
    }
  }

  static void drop_closing(impl& h, const connection_ptr& c, bool flushed) {
    connection_ptr keep = c;
    if (!flushed) ++h.tls_->counters.linger_dropped;
    h.tls_->closing.erase(keep->serial);
    changed(h);
  }

  // --- guest streams -----------------------------------------------------------------------------

  /// The session broke after its handshake: the guest's next call gets connreset, the peer a close.
  static void break_session(impl& h, tls_connection& c) {
    if (c.failure != errc::success) return;
    c.failure = errc::connreset;
    tls_counters& n = h.tls_->counters;
    switch (c.session->failure()) {
      case tls_failure::renegotiation: ++n.renegotiations; break;
      case tls_failure::oversized: ++n.oversized; break;
      case tls_failure::reset: ++n.resets; break;
      default: ++n.broken; break;
    }
    trace(h, c, "broken: " + std::string(describe(c.session->failure())) + " (" + c.session->reason() + ")");
    int ignored = 0;
    (void)c.session->flush(ignored);  // the alert OpenSSL queued, if the socket takes it
    ::shutdown(c.socket.native_handle(), SHUT_RDWR);
    changed(h);
  }

  static void ended(impl& h, tls_connection& c, tls_outcome how) {
    c.eof = true;
    if (how == tls_outcome::closed) ++h.tls_->counters.close_notify; else ++h.tls_->counters.truncated;
    trace(h, c, how == tls_outcome::closed ? "peer sent close_notify" : "peer closed without close_notify");
    changed(h);
  }

  /// Peeks one byte when the socket may have ciphertext: true when plaintext is then buffered.
  /// Otherwise the stream ended, broke, or the socket is drained (its wait armed again).
  static bool fill(impl& h, const connection_ptr& c) {
    if (c->session->buffered_plaintext() > 0) return true;
    if (!c->read_ready && !c->session->has_buffered_input()) {
      arm_read(h, c);
      return false;
    }
    std::byte one;
    std::size_t got = 0;
    const tls_outcome outcome = c->session->peek(&one, 1, got);
    if (c->session->queued() > 0) flush(h, c);  // alerts, key updates
    switch (outcome) {
      case tls_outcome::ok: return true;
      case tls_outcome::want_read:
        c->read_ready = false;
        arm_read(h, c);
        return false;
      case tls_outcome::closed:
      case tls_outcome::truncated: ended(h, *c, outcome); return false;
      case tls_outcome::failed: break_session(h, *c); return false;
    }
    return false;
  }
};

// --- entry points (host_impl.hpp) ------------------------------------------------------------------

void host::impl::tls_listen(open_fd& listener) {
  tls_->listeners.push_back(listener.number);
  tls_driver::accept_ready(*this, listener);
}

errc host::impl::tls_accept(open_fd& l, abi::fdflags flags, bool flags_valid, abi::fd& accepted) {
  tls_listener_state& st = *l.tls_listener;
  while (st.ready.empty()) {
    if (l.guest_nonblocking) return errc::again;
    // Blocking accept: handshakes progress while the guest waits (handlers never close `l`).
    io_.run_one();
  }
  std::shared_ptr<tls_connection> c = std::move(st.ready.front());
  st.ready.pop_front();
  tls_driver::resume(*this);
  if (!flags_valid) {
    tls_driver::changed(*this);
    return errc::inval;  // wasmtime-legacy: accepted, dropped, then EINVAL
  }
  auto entry = std::make_unique<open_fd>();
  entry->kind = fd_kind::stream;
  entry->host_fd = c->socket.native_handle();
  entry->guest_nonblocking = (flags & abi::fdflag_nonblock) != 0;
  entry->write.ready = true;
  c->where = tls_connection::stage::guest;
  entry->tls = std::move(c);
  open_fd& added = add(std::move(entry));
  accepted = added.number;
  observe_accept(l, added);
  return errc::success;
}

fd_probe host::impl::tls_probe(open_fd& f, direction d, bool& cache_said_not_ready) {
  if (f.tls_listener) {
    if (d == direction::read && !f.tls_listener->ready.empty()) return fd_probe{true, POLLIN, 1};
    cache_said_not_ready = true;
    return {};
  }
  const std::shared_ptr<tls_connection>& c = f.tls;
  constexpr short broken = POLLERR | POLLHUP;
  if (d == direction::read) {
    if (c->failure != errc::success) return fd_probe{true, short(POLLIN | broken), 0};
    if (!c->eof && !c->read_shut) tls_driver::fill(*this, c);
    if (c->failure != errc::success) return fd_probe{true, short(POLLIN | broken), 0};
    if (std::size_t n = c->session->buffered_plaintext(); n > 0 && !c->read_shut) return fd_probe{true, POLLIN, n};
    if (c->eof || c->read_shut) return fd_probe{true, short(POLLIN | POLLRDHUP), 0};
    cache_said_not_ready = true;
    return {};
  }
  if (c->failure != errc::success) return fd_probe{true, short(POLLOUT | broken), 0};
  if (c->write_shut) return fd_probe{true, POLLOUT, 0};  // the next send says pipe
  if (tls_writable(f) == 0 && c->session->queued() > 0) tls_driver::flush(*this, c);
  if (c->failure != errc::success) return fd_probe{true, short(POLLOUT | broken), 0};
  if (tls_writable(f) > 0) return fd_probe{true, POLLOUT, 0};
  cache_said_not_ready = true;  // the flush waits for the socket; its completion makes room
  return {};
}

std::uint64_t host::impl::tls_writable(const open_fd& f) const {
  const std::size_t queued = f.tls->session->queued();
  const std::size_t limit = tls_->limits.max_queued_output;
  return queued < limit ? limit - queued : 0;
}

errc host::impl::tls_receive(open_fd& f, std::span<const host_iovec> buffers, bool first_only, bool peek,
                             bool wait_all, std::size_t& received) {
  received = 0;
  const std::shared_ptr<tls_connection>& c = f.tls;
  const std::size_t wanted = first_only ? first_nonempty_size(buffers) : total_size(buffers);
  for (;;) {
    if (c->failure != errc::success) {
      if (received > 0 || c->failure_reported) return errc::success;  // reported once, then end of stream
      c->failure_reported = true;
      return c->failure;
    }
    if (c->read_shut || received >= wanted) return errc::success;
    if (c->eof && c->session->buffered_plaintext() == 0) return errc::success;
    std::size_t got = 0;
    tls_outcome outcome;
    if (peek) {
      // Peeking cannot wait for "more": one record's worth at most, scattered over the buffers.
      const std::size_t size = std::min(wanted, sizeof tls_->gather);
      outcome = c->session->peek(tls_->gather, size, got);
      for (std::size_t done = 0; done < got;) {
        auto [data, room] = segment_at(buffers, done, first_only);
        const std::size_t n = std::min(room, got - done);
        std::memcpy(data, tls_->gather + done, n);
        done += n;
      }
      if (outcome == tls_outcome::ok) {
        received = got;
        return errc::success;
      }
    } else {
      auto [data, room] = segment_at(buffers, received, first_only);
      outcome = c->session->read(data, std::min(room, wanted - received), got);
    }
    if (c->session->queued() > 0) tls_driver::flush(*this, c);
    switch (outcome) {
      case tls_outcome::ok:
        received += got;
        // More without a syscall, or WAITALL: go on; else the next read or probe asks the socket.
        if (wait_all || c->session->buffered_plaintext() > 0 || c->session->has_buffered_input()) continue;
        return errc::success;
      case tls_outcome::want_read:
        c->read_ready = false;
        tls_driver::arm_read(*this, c);
        if (received > 0 && f.guest_nonblocking) return errc::success;
        if (f.guest_nonblocking) return errc::again;
        while (!c->read_ready) io_.run_one();  // a blocking guest socket waits here
        continue;
      case tls_outcome::closed:
      case tls_outcome::truncated:
        tls_driver::ended(*this, *c, outcome);
        return errc::success;  // end of stream (with WAITALL: what arrived before it)
      case tls_outcome::failed:
        tls_driver::break_session(*this, *c);
        continue;
    }
  }
}

errc host::impl::tls_transmit(open_fd& f, std::span<const host_ciovec> buffers, std::size_t& sent) {
  sent = 0;
  const std::shared_ptr<tls_connection>& c = f.tls;
  if (c->failure != errc::success) {
    if (c->failure_reported) return errc::pipe;
    c->failure_reported = true;
    return c->failure;
  }
  if (c->write_shut) return errc::pipe;
  const std::size_t wanted = total_size(buffers);
  if (wanted == 0) return errc::success;
  for (;;) {
    std::size_t room = tls_writable(f);
    if (room == 0) {
      tls_driver::flush(*this, c);
      if (c->failure != errc::success) return sent > 0 ? errc::success : (c->failure_reported = true, c->failure);
      room = tls_writable(f);
    }
    if (room == 0) {
      if (f.guest_nonblocking) return sent > 0 ? errc::success : errc::again;
      while (tls_writable(f) == 0 && c->failure == errc::success) {
        tls_driver::arm_flush(*this, c);
        io_.run_one();
      }
      continue;
    }
    // Gather up to one record's worth from the buffers, encrypt, repeat until `room` is used.
    std::size_t budget = std::min(room, wanted - sent);
    while (budget > 0) {
      std::size_t filled = 0;
      while (filled < sizeof tls_->gather && filled < budget) {
        auto [data, size] = segment_at(buffers, sent + filled, false);
        const std::size_t n = std::min({size, sizeof tls_->gather - filled, budget - filled});
        std::memcpy(tls_->gather + filled, data, n);
        filled += n;
      }
      if (!c->session->write(tls_->gather, filled)) {
        tls_driver::break_session(*this, *c);
        if (sent > 0) return errc::success;
        c->failure_reported = true;
        return c->failure;
      }
      sent += filled;
      budget -= filled;
    }
    tls_driver::flush(*this, c);
    // Bytes handed over count as sent; a failure of their flush comes with the next call.
    if (c->failure != errc::success || sent >= wanted || f.guest_nonblocking) return errc::success;
  }
}

errc host::impl::tls_shutdown(open_fd& f, abi::sdflags how) {
  const std::shared_ptr<tls_connection>& c = f.tls;
  if (how & abi::shut_rd) c->read_shut = true;
  if ((how & abi::shut_wr) && !c->write_shut) {
    c->write_shut = true;
    if (c->failure == errc::success) {
      c->session->send_close_notify();
      c->fin_after_flush = true;
      tls_driver::flush(*this, c);
    }
  }
  return errc::success;
}

void host::impl::tls_close(open_fd& f) {
  std::shared_ptr<tls_connection> c = std::move(f.tls);
  if (c->failure != errc::success) return;  // nothing more to say to that peer
  if (!c->write_shut) {
    c->write_shut = true;
    c->session->send_close_notify();
  }
  // Bytes the guest never read would make close(2) answer with a reset, which can destroy the
  // response still in flight: drop what is already here.
  std::byte discard[4096];
  for (int i = 0; i < 16 && ::recv(c->socket.native_handle(), discard, sizeof discard, MSG_DONTWAIT) > 0; ++i) {
  }
  int error = 0;
  if (c->session->flush(error) != tls_session::flush_result::would_block) return;  // sent, or cannot be
  tls_service& s = *tls_;
  if (s.closing.size() >= s.limits.max_closing) {
    ++s.counters.linger_dropped;
    tls_driver::changed(*this);
    return;
  }
  c->where = tls_connection::stage::closing;
  c->fin_after_flush = false;
  s.closing.emplace(c->serial, c);
  c->timer.expires_after(s.limits.close_linger);
  c->timer.async_wait([this, weak = std::weak_ptr(c)](const boost::system::error_code& ec) {
    auto c = weak.lock();
    if (!c || ec == asio::error::operation_aborted || c->where != tls_connection::stage::closing) return;
    tls_driver::drop_closing(*this, c, false);
  });
  tls_driver::arm_flush(*this, c);
}

tls_counters host::impl::tls_stats() const {
  tls_counters n;
  if (!tls_) return n;
  n = tls_->counters;
  n.open = tls_->all.size();
  n.handshaking = tls_->handshaking.size();
  for (const tls_connection* c : tls_->all) n.buffer_bytes += c->session ? c->session->buffer_bytes() : 0;
  bool known = false;
  const std::uint64_t heap = tls_openssl_heap_bytes(known);
  n.openssl_bytes_known = known;
  n.openssl_bytes = known && heap > tls_->heap_at_start ? heap - tls_->heap_at_start : 0;
  return n;
}

void host::impl::tls_print_stats() {
  if (!tls_ || tls_->log == nullptr) return;
  tls_->stats_changed = false;
  const tls_counters n = tls_stats();
  const std::uint64_t memory = n.openssl_bytes + n.buffer_bytes;
  std::fprintf(tls_->log,
               "wasio-tls: handshakes=%llu resumed=%llu alpn-http/1.1=%llu | refused: plain-http=%llu "
               "bad-handshake=%llu oversized=%llu vanished=%llu timeouts=%llu | after the handshake: "
               "renegotiations=%llu broken=%llu resets=%llu close-notify=%llu truncated=%llu | at-capacity=%llu "
               "linger-dropped=%llu | open=%llu handshaking=%llu memory=%s%llu B (%llu B per connection)\n",
               (unsigned long long)n.handshakes, (unsigned long long)n.resumed, (unsigned long long)n.alpn_http11,
               (unsigned long long)n.plain_http, (unsigned long long)n.bad_handshake, (unsigned long long)n.oversized,
               (unsigned long long)n.vanished, (unsigned long long)n.timeouts, (unsigned long long)n.renegotiations,
               (unsigned long long)n.broken, (unsigned long long)n.resets, (unsigned long long)n.close_notify, (unsigned long long)n.truncated,
               (unsigned long long)n.at_capacity, (unsigned long long)n.linger_dropped, (unsigned long long)n.open,
               (unsigned long long)n.handshaking, n.openssl_bytes_known ? "" : "(buffers only) ",
               (unsigned long long)memory, (unsigned long long)(n.open > 0 ? memory / n.open : 0));
  std::fflush(tls_->log);
}

tls_connection::~tls_connection() {
  if (service != nullptr) service->all.erase(this);
}

tls_service::~tls_service() {
  // Lifetime: the connections go first, while `all` (which they leave) still exists.
  handshaking.clear();
  closing.clear();
}

}  // namespace wasio::testbed
