// wasio::control_stream: one byte per request, in both directions.

#include "wasio/io/control_stream.hpp"

#include <array>
#include <utility>

#include "wasio/sys/listeners.hpp"

namespace wasio {

control_requests decode_control_bytes(std::span<const std::byte> bytes) {
  control_requests got;
  for (std::byte b : bytes) {
    if (b == std::byte{'T'}) ++got.shutdown;
    if (b == std::byte{'H'}) ++got.reopen;
  }
  return got;
}

result<std::optional<control_stream>> control_stream::from_environment() {
  auto fd = sys::control_fd_from_environment();
  if (!fd) return fail(fd.error());
  if (!*fd) return std::optional<control_stream>();
  return std::optional<control_stream>(control_stream(**fd));
}

control_stream::control_stream(control_stream&& other) noexcept
    : source(std::move(other)), open_(std::exchange(other.open_, false)) {}

control_stream& control_stream::operator=(control_stream&& other) noexcept {
  if (this != &other) {
    if (open_) (void)sys::fd_close(raw_fd());
    source::operator=(std::move(other));
    open_ = std::exchange(other.open_, false);
  }
  return *this;
}

control_stream::~control_stream() {
  if (!open_) return;
  detach();
  (void)sys::fd_close(raw_fd());
}

sys::fd_t control_stream::release() {
  const sys::fd_t fd = raw_fd();
  detach();
  open_ = false;
  return fd;
}

result<void> control_stream::subscribe(bool shutdown, bool reopen) {
  std::array<std::byte, 2> bytes{};
  std::size_t n = 0;
  if (shutdown) bytes[n++] = control_subscribe_shutdown;
  if (reopen) bytes[n++] = control_subscribe_reopen;
  std::size_t sent = 0;
  while (sent < n) {
    const sys::const_buffer from{bytes.data() + sent, n - sent};
    auto wrote = sys::fd_write(raw_fd(), std::span(&from, 1));
    if (!wrote) return fail(wrote.error());
    sent += *wrote;
  }
  return {};
}

result<control_requests> control_stream::drain() {
  control_requests total;
  std::array<std::byte, 64> bytes;
  // Bounded: the host sends a byte per signal, but a loop must not trust that (level-triggered: the
  // rest fires on the next poll).
  for (int reads = 0; reads < 64; ++reads) {
    const sys::buffer into{bytes.data(), bytes.size()};
    auto n = sys::fd_read(raw_fd(), std::span(&into, 1));
    if (!n && n.error() == errc::again) {
      saw_would_block(interest::readable);
      return total;
    }
    if (!n) return fail(n.error());
    if (*n == 0) {
      total.ended = true;
      return total;
    }
    const control_requests got = decode_control_bytes(std::span(bytes).first(*n));
    total.shutdown += got.shutdown;
    total.reopen += got.reopen;
  }
  return total;
}

}  // namespace wasio
