// wasio::rt::tcp_listener: awaited accepts over an edge registration.

#include "wasio/rt/tcp_listener.hpp"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace wasio::rt {

result<tcp_listener> tcp_listener::adopt(runtime& rt, net::tcp_listener socket) {
  auto tok = rt.registry().register_source(socket, interest::readable, trigger::edge);
  if (!tok) return fail(tok.error());
  tcp_listener l(rt, std::move(socket), *tok);
  rt.attach_io(*tok, &l.io_);
  return l;
}

result<std::vector<tcp_listener>> tcp_listener::preopened(runtime& rt) {
  auto found = net::preopened_listeners();
  if (!found) return fail(found.error());
  std::vector<tcp_listener> listeners;
  listeners.reserve(found->size());
  for (net::tcp_listener& l : *found) {
    auto adopted = adopt(rt, std::move(l));
    if (!adopted) return fail(adopted.error());
    listeners.push_back(std::move(*adopted));
  }
  return listeners;
}

tcp_listener::tcp_listener(tcp_listener&& other) noexcept
    : rt_(other.rt_), socket_(std::move(other.socket_)), token_(std::exchange(other.token_, {})) {
  if (!other.io_.idle()) {
    std::fprintf(stderr, "wasio: rt::tcp_listener moved while an accept is parked on it\n");
    std::abort();
  }
  if (token_.is_valid()) rt_->attach_io(token_, &io_);
}

tcp_listener& tcp_listener::operator=(tcp_listener&& other) noexcept {
  if (this != &other) {
    if (!other.io_.idle()) {
      std::fprintf(stderr, "wasio: rt::tcp_listener moved while an accept is parked on it\n");
      std::abort();
    }
    release();
    rt_ = other.rt_;
    socket_ = std::move(other.socket_);
    token_ = std::exchange(other.token_, {});
    if (token_.is_valid()) rt_->attach_io(token_, &io_);
  }
  return *this;
}

tcp_listener::~tcp_listener() { release(); }

void tcp_listener::release() {
  if (rt_ == nullptr) return;
  rt_->abandon_io(io_, errc::badf);
  rt_->detach_io(std::exchange(token_, {}));
  if (socket_.is_open()) (void)socket_.close();
}

result<void> tcp_listener::close() {
  if (!socket_.is_open()) return fail(errc::badf);
  rt_->abandon_io(io_, errc::badf);
  rt_->detach_io(std::exchange(token_, {}));
  return socket_.close();
}

bool tcp_listener::accept_awaiter::attempt_once(detail::io_waiter& w) {
  auto& self = static_cast<accept_awaiter&>(w);
  self.accepted_ = self.listener_->socket_.accept();
  return !(!self.accepted_ && self.accepted_.error() == errc::again);
}

result<tcp_stream> tcp_listener::accept_awaiter::await_resume() {
  if (early != errc::success) return fail(early);
  if (!accepted_) return fail(accepted_.error());
  return tcp_stream::adopt(*listener_->rt_, std::move(*accepted_));
}

}  // namespace wasio::rt
