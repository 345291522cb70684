// wasio::net::tcp_stream over fd_read/fd_write (every profile) and sock_recv PEEK / sock_shutdown.

#include "wasio/net/tcp_stream.hpp"

#include <algorithm>
#include <utility>

namespace wasio::net {

tcp_stream::tcp_stream(tcp_stream&& other) noexcept
    : source(std::move(other)), open_(std::exchange(other.open_, false)) {}

tcp_stream& tcp_stream::operator=(tcp_stream&& other) noexcept {
  if (this != &other) {
    (void)close();
    source::operator=(std::move(other));
    open_ = std::exchange(other.open_, false);
  }
  return *this;
}

tcp_stream::~tcp_stream() { (void)close(); }

namespace {
// Whether any buffer can hold a byte. Not a sum: on wasm32 sizes that add up to 2^32 wrap to 0, and
// a list that "holds 0 bytes" would read as end of stream without the host ever being asked.
template <class Buffer>
bool any_room(std::span<const Buffer> buffers) {
  return std::any_of(buffers.begin(), buffers.end(), [](const Buffer& b) { return b.size != 0; });
}
}  // namespace

result<std::size_t> tcp_stream::after(result<std::size_t> r, interest direction) {
  if (!r && r.error() == errc::again) saw_would_block(direction);
  return r;
}

result<std::size_t> tcp_stream::read(std::span<std::byte> into) {
  const sys::buffer one{into.data(), into.size()};
  return readv(std::span<const sys::buffer>(&one, 1));
}

result<std::size_t> tcp_stream::readv(std::span<const sys::buffer> into) {
  if (!open_) return fail(errc::badf);
  if (!any_room(into)) return std::size_t{0};
  return after(sys::fd_read(raw_fd(), into), interest::readable);
}

result<std::size_t> tcp_stream::peek(std::span<std::byte> into) {
  if (!open_) return fail(errc::badf);
  if (into.empty()) return std::size_t{0};
  const sys::buffer one{into.data(), into.size()};
  auto r = sys::sock_recv(raw_fd(), std::span<const sys::buffer>(&one, 1), abi::recv_peek);
  if (!r) return after(fail(r.error()), interest::readable);
  return r->bytes;
}

result<std::size_t> tcp_stream::write(std::span<const std::byte> from) {
  const sys::const_buffer one{from.data(), from.size()};
  return writev(std::span<const sys::const_buffer>(&one, 1));
}

result<std::size_t> tcp_stream::writev(std::span<const sys::const_buffer> from) {
  if (!open_) return fail(errc::badf);
  if (!any_room(from)) return std::size_t{0};
  return after(sys::fd_write(raw_fd(), from), interest::writable);
}

result<void> tcp_stream::shutdown(shutdown_how how) {
  if (!open_) return fail(errc::badf);
  return sys::sock_shutdown(raw_fd(), static_cast<abi::sdflags>(how));
}

result<void> tcp_stream::close() {
  if (!open_) return fail(errc::badf);
  open_ = false;
  detach();  // deregister before the fd goes: a closed fd left in the array fails whole polls
  return sys::fd_close(raw_fd());
}

}  // namespace wasio::net
