// wasio::rt::tcp_stream: try the syscall; on would_block park until the registration's next event.

#include "wasio/rt/tcp_stream.hpp"

#include <algorithm>
#include <array>
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
  detail::growable_ref& buffer = self.buffer_;
  constexpr std::size_t chunk = 4096;
  for (;;) {
    const std::span<const std::byte> have = buffer.readable(buffer.target);
    const std::size_t limit = std::min(have.size(), self.max_);
    if (self.scanned_ < limit) {
      const auto begin = have.begin() + static_cast<std::ptrdiff_t>(self.scanned_);
      const auto end = have.begin() + static_cast<std::ptrdiff_t>(limit);
      const auto found = std::find(begin, end, self.delimiter_);
      if (found != end) {
        self.outcome_ = static_cast<std::size_t>(found - have.begin()) + 1;
        return true;
      }
      self.scanned_ = limit;
    }
    if (have.size() >= self.max_) {
      self.outcome_ = fail(errc::msgsize);
      return true;
    }
    const std::size_t room = std::min(chunk, self.max_ - have.size());
    auto n = self.stream_->socket_.read(buffer.prepare(buffer.target, room));
    buffer.commit(buffer.target, room, n ? *n : 0);
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

bool tcp_stream::read_some_awaiter::attempt_once(detail::io_waiter& w) {
  auto& self = static_cast<read_some_awaiter&>(w);
  if (self.max_ == 0) {
    self.outcome_ = std::size_t{0};
    return true;
  }
  auto n = self.stream_->socket_.read(self.buffer_->prepare(self.max_));
  if (n) self.buffer_->commit(*n);
  self.outcome_ = n;
  return !would_block_now(self.outcome_);
}

bool tcp_stream::write_all_gathered_awaiter::attempt_once(detail::io_waiter& w) {
  auto& self = static_cast<write_all_gathered_awaiter&>(w);
  // One writev per attempt over up to this many buffers; a longer list takes more writev calls.
  constexpr std::size_t batch = 16;
  for (;;) {
    while (self.index_ < self.from_.size() && self.offset_ == self.from_[self.index_].size()) {
      ++self.index_;
      self.offset_ = 0;
    }
    if (self.index_ == self.from_.size()) {
      self.outcome_ = transfer(self.sent_);
      return true;
    }
    std::array<sys::const_buffer, batch> iov;
    std::size_t count = 0;
    for (std::size_t i = self.index_; i < self.from_.size() && count < batch; ++i) {
      const std::span<const std::byte> part = i == self.index_ ? self.from_[i].subspan(self.offset_) : self.from_[i];
      if (!part.empty()) iov[count++] = sys::const_buffer{part.data(), part.size()};
    }
    auto n = self.stream_->socket_.writev(std::span(iov).first(count));
    if (would_block_now(n)) {
      self.stream_->watch_writes();
      return false;
    }
    if (!n) {
      self.outcome_ = transfer(fail(n.error()), self.sent_);
      return true;
    }
    self.sent_ += *n;
    for (std::size_t left = *n; left > 0;) {  // advance the cursor over what went out
      const std::size_t in_this = self.from_[self.index_].size() - self.offset_;
      if (left < in_this) {
        self.offset_ += left;
        left = 0;
      } else {
        left -= in_this;
        ++self.index_;
        self.offset_ = 0;
      }
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

namespace detail {

growable_ref growable_ref::of(std::vector<std::byte>& v) {
  return {&v, [](void* t) { return std::span<const std::byte>(*static_cast<std::vector<std::byte>*>(t)); },
          [](void* t, std::size_t n) {
            auto& vec = *static_cast<std::vector<std::byte>*>(t);
            const std::size_t had = vec.size();
            vec.resize(had + n);
            return std::span(vec).subspan(had);
          },
          [](void* t, std::size_t prepared, std::size_t used) {
            auto& vec = *static_cast<std::vector<std::byte>*>(t);
            vec.resize(vec.size() - prepared + used);
          }};
}

growable_ref growable_ref::of(std::string& s) {
  return {&s, [](void* t) { return as_bytes(*static_cast<std::string*>(t)); },
          [](void* t, std::size_t n) {
            auto& str = *static_cast<std::string*>(t);
            const std::size_t had = str.size();
            str.resize(had + n);
            return as_writable_bytes(std::span(str).subspan(had));
          },
          [](void* t, std::size_t prepared, std::size_t used) {
            auto& str = *static_cast<std::string*>(t);
            str.resize(str.size() - prepared + used);
          }};
}

growable_ref growable_ref::of(stream_buffer& b) {
  return {&b, [](void* t) { return std::as_const(*static_cast<stream_buffer*>(t)).data(); },
          [](void* t, std::size_t n) { return static_cast<stream_buffer*>(t)->prepare(n); },
          [](void* t, std::size_t, std::size_t used) { static_cast<stream_buffer*>(t)->commit(used); }};
}

}  // namespace detail

}  // namespace wasio::rt
