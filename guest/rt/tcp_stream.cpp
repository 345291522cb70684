// wasio::rt::tcp_stream: try the syscall; on would_block park until the registration's next event.

#include "wasio/rt/tcp_stream.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace wasio::rt {

namespace {
bool would_block_now(const auto& r) { return !r && r.error() == errc::again; }
}  // namespace

result<tcp_stream> tcp_stream::adopt(runtime& rt, net::tcp_stream socket) {
  auto tok = rt.registry().register_source(socket, interest::readable, trigger::edge);
  if (!tok) return fail(tok.error());
  tcp_stream s(rt, std::move(socket), *tok);
  rt.attach_io(*tok, &s.io_);
  return s;
}

tcp_stream::tcp_stream(tcp_stream&& other) noexcept
    : rt_(other.rt_),
      socket_(std::move(other.socket_)),
      token_(std::exchange(other.token_, {})),
      watching_writes_(other.watching_writes_) {
  if (!other.io_.idle()) {
    std::fprintf(stderr, "wasio: rt::tcp_stream moved while an await is parked on it\n");
    std::abort();
  }
  if (token_.is_valid()) rt_->attach_io(token_, &io_);
}

tcp_stream& tcp_stream::operator=(tcp_stream&& other) noexcept {
  if (this != &other) {
    if (!other.io_.idle()) {
      std::fprintf(stderr, "wasio: rt::tcp_stream moved while an await is parked on it\n");
      std::abort();
    }
    release();
    rt_ = other.rt_;
    socket_ = std::move(other.socket_);
    token_ = std::exchange(other.token_, {});
    watching_writes_ = other.watching_writes_;
    if (token_.is_valid()) rt_->attach_io(token_, &io_);
  }
  return *this;
}

tcp_stream::~tcp_stream() { release(); }

void tcp_stream::release() {
  if (rt_ == nullptr) return;
  rt_->abandon_io(io_, errc::badf);
  rt_->detach_io(std::exchange(token_, {}));
  if (socket_.is_open()) (void)socket_.close();
}

result<void> tcp_stream::close() {
  if (!socket_.is_open()) return fail(errc::badf);
  rt_->abandon_io(io_, errc::badf);
  rt_->detach_io(std::exchange(token_, {}));
  return socket_.close();
}

void tcp_stream::watch_writes() {
  if (watching_writes_ || !socket_.is_registered()) return;
  // Edge mode re-arms every wanted direction: at worst one spurious read event follows.
  if (rt_->registry().reregister(socket_, interest::readable | interest::writable, trigger::edge))
    watching_writes_ = true;
}

bool tcp_stream::read_awaiter::attempt_once(detail::io_waiter& w) {
  auto& self = static_cast<read_awaiter&>(w);
  self.outcome_ = self.stream_->socket_.read(self.into_);
  return !would_block_now(self.outcome_);
}

bool tcp_stream::read_exact_awaiter::attempt_once(detail::io_waiter& w) {
  auto& self = static_cast<read_exact_awaiter&>(w);
  while (self.filled_ < self.into_.size()) {
    auto n = self.stream_->socket_.read(self.into_.subspan(self.filled_));
    if (would_block_now(n)) return false;
    if (!n) {
      self.outcome_ = transfer(fail(n.error()), self.filled_);
      return true;
    }
    if (*n == 0) break;  // end of stream: a short count tells the caller
    self.filled_ += *n;
  }
  self.outcome_ = transfer(self.filled_);
  return true;
}

bool tcp_stream::read_until_awaiter::attempt_once(detail::io_waiter& w) {
  auto& self = static_cast<read_until_awaiter&>(w);
  std::vector<std::byte>& buffer = *self.buffer_;
  constexpr std::size_t chunk = 4096;
  for (;;) {
    const std::size_t limit = std::min(buffer.size(), self.max_);
    if (self.scanned_ < limit) {
      const auto begin = buffer.begin() + static_cast<std::ptrdiff_t>(self.scanned_);
      const auto end = buffer.begin() + static_cast<std::ptrdiff_t>(limit);
      const auto found = std::find(begin, end, self.delimiter_);
      if (found != end) {
        self.outcome_ = static_cast<std::size_t>(found - buffer.begin()) + 1;
        return true;
      }
      self.scanned_ = limit;
    }
    if (buffer.size() >= self.max_) {
      self.outcome_ = fail(errc::msgsize);
      return true;
    }
    const std::size_t had = buffer.size();
    buffer.resize(had + std::min(chunk, self.max_ - had));
    auto n = self.stream_->socket_.read(std::span(buffer).subspan(had));
    buffer.resize(had + (n ? *n : 0));
    if (would_block_now(n)) return false;
    if (!n) {
      self.outcome_ = fail(n.error());
      return true;
    }
    if (*n == 0) {
      self.outcome_ = std::size_t{0};
      return true;
    }
  }
}

bool tcp_stream::write_awaiter::attempt_once(detail::io_waiter& w) {
  auto& self = static_cast<write_awaiter&>(w);
  self.outcome_ = self.stream_->socket_.write(self.from_);
  if (!would_block_now(self.outcome_)) return true;
  self.stream_->watch_writes();
  return false;
}

bool tcp_stream::write_all_awaiter::attempt_once(detail::io_waiter& w) {
  auto& self = static_cast<write_all_awaiter&>(w);
  while (self.sent_ < self.from_.size()) {
    auto n = self.stream_->socket_.write(self.from_.subspan(self.sent_));
    if (would_block_now(n)) {
      self.stream_->watch_writes();
      return false;
    }
    if (!n) {
      self.outcome_ = transfer(fail(n.error()), self.sent_);
      return true;
    }
    self.sent_ += *n;
  }
  self.outcome_ = transfer(self.sent_);
  return true;
}

}  // namespace wasio::rt
