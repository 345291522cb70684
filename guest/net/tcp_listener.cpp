// wasio::net::tcp_listener: adopting pre-opened listeners and accepting non-blocking streams.

#include "wasio/net/tcp_listener.hpp"

#include <utility>

namespace wasio::net {

result<tcp_listener> tcp_listener::from_preopened(sys::fd_t fd, std::string name) {
  auto stat = sys::fd_fdstat_get(fd);
  if (!stat) return fail(stat.error());
  if (stat->filetype != static_cast<std::uint8_t>(abi::filetype::socket_stream)) return fail(errc::notsock);
  // A blocking listener would make accept block (uvwasi runs its loop until a client comes).
  if ((stat->flags & abi::fdflag_nonblock) == 0)
    if (auto r = sys::fd_fdstat_set_flags(fd, abi::fdflag_nonblock); !r) return fail(r.error());
  return tcp_listener(fd, std::move(name));
}

tcp_listener::tcp_listener(tcp_listener&& other) noexcept
    : source(std::move(other)), name_(std::move(other.name_)), open_(std::exchange(other.open_, false)) {}

tcp_listener& tcp_listener::operator=(tcp_listener&& other) noexcept {
  if (this != &other) {
    (void)close();
    source::operator=(std::move(other));
    name_ = std::move(other.name_);
    open_ = std::exchange(other.open_, false);
  }
  return *this;
}

tcp_listener::~tcp_listener() { (void)close(); }

result<tcp_stream> tcp_listener::accept() {
  if (!open_) return fail(errc::badf);
  auto fd = sys::sock_accept(raw_fd(), abi::fdflag_nonblock);
  if (!fd) {
    if (fd.error() == errc::again) saw_would_block(interest::readable);
    return fail(fd.error());
  }
  return tcp_stream(*fd);
}

result<void> tcp_listener::close() {
  if (!open_) return fail(errc::badf);
  open_ = false;
  detach();
  return sys::fd_close(raw_fd());
}

}  // namespace wasio::net
