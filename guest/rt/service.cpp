// wasio::rt::service: the host's control stream, read by a task of the service.

#include "wasio/rt/service.hpp"

#include <algorithm>
#include <array>
#include <chrono>

#include "wasio/io/control_stream.hpp"
#include "wasio/sys/listeners.hpp"

namespace wasio::rt {

result<std::unique_ptr<service>> service::open(runtime& rt) {
  std::unique_ptr<service> s(new service(rt));
  auto timeout = sys::shutdown_timeout_ms_from_environment();
  if (!timeout) return fail(timeout.error());
  if (*timeout) s->host_timeout_ = std::chrono::milliseconds(**timeout);
  auto control = control_stream::from_environment();
  if (!control) return fail(control.error());
  if (*control) {
    if (auto subscribed = (*control)->subscribe(true, false); !subscribed) return fail(subscribed.error());
    // The readiness-level stream only named the fd; the runtime's stream owns it from here.
    const sys::fd_t fd = (*control)->release();
    auto stream = tcp_stream::adopt(rt, net::tcp_stream(fd));
    if (!stream) return fail(stream.error());
    s->stream_.emplace(std::move(*stream));
    s->readers_.spawn(s->read_control());
  }
  // The runtime stopping (runtime::request_stop) ends the reader too, so run() can return.
  s->runtime_stop_.attach(rt.token(), &on_runtime_stop, s.get());
  return s;
}

service::~service() {
  // Waiters still parked in next_reopen belong to frames being torn down: unlink them.
  while (reopen_waiters_.pop_front() != nullptr) {
  }
}

void service::request_shutdown() {
  (void)shutdown_.request_stop();
  // Nothing after a shutdown matters to the reader: ending it lets runtime::run return.
  readers_.request_stop();
}

void service::on_runtime_stop(void* p) { static_cast<service*>(p)->readers_.request_stop(); }

clock::duration service::drain_timeout() const {
  const clock::duration host = host_timeout_.value_or(std::chrono::seconds(10));
  const clock::duration margin = std::min<clock::duration>(host / 10, std::chrono::seconds(1));
  return host - margin;
}

task<void> service::read_control() {
  std::array<std::byte, 64> bytes;
  for (;;) {
    auto n = co_await stream_->read(bytes);
    if (!n || *n == 0) co_return;  // stopped, or the host end is gone: no request can come
    const control_requests got = decode_control_bytes(std::span(bytes).first(*n));
    for (std::size_t i = 0; i < got.reopen; ++i) deliver_reopen();
    if (got.shutdown > 0) {
      request_shutdown();
      co_return;  // nothing after a shutdown matters; the stream stays open (still subscribed)
    }
  }
}

void service::subscribe_reopen() {
  if (reopen_subscribed_ || !stream_) return;
  reopen_subscribed_ = true;
  const std::byte r = control_subscribe_reopen;
  // One byte into an empty socket buffer: it never meets would_block in practice, and if the host
  // end is gone nothing could be delivered anyway.
  (void)stream_->try_write(std::span(&r, 1));
}

void service::deliver_reopen() {
  ++reopens_;
  while (detail::waiter* w = reopen_waiters_.pop_front()) {
    reopen_awaiter& a = *static_cast<reopen_awaiter::node*>(w)->self;
    a.watch_own_.reset();
    rt_->schedule(a.node_);
  }
}

bool service::reopen_awaiter::start(std::coroutine_handle<> h, stop_token own) {
  service_->subscribe_reopen();
  if (own.stop_requested()) {
    outcome_ = fail(errc::canceled);
    return false;
  }
  node_.handle = h;
  service_->reopen_waiters_.push_back(node_);
  watch_own_.attach(own, &on_own, this);
  return true;
}

void service::reopen_awaiter::on_own(void* p) {
  auto& self = *static_cast<reopen_awaiter*>(p);
  if (self.node_.queued()) self.service_->reopen_waiters_.remove(self.node_);
  self.outcome_ = fail(errc::canceled);
  self.service_->rt_->schedule(self.node_);
}

}  // namespace wasio::rt
