// wasio::sys socket calls over wasi_snapshot_preview1.

#include "imports.hpp"
#include "wasio/sys/sys.hpp"

namespace wasio::sys {

result<fd_t> sock_accept(fd_t listener, abi::fdflags flags) {
  fd_t accepted = 0;
  if (auto r = wasi::to_result(wasi::wasio_wasi_sock_accept(listener, flags, &accepted)); !r) return fail(r.error());
  return accepted;
}

result<recv_result> sock_recv(fd_t fd, std::span<const buffer> buffers, abi::riflags flags) {
  std::uint32_t received = 0;
  std::uint16_t out_flags = 0;
  // Safety: on wasm32 sys::buffer is byte for byte a preview1 iovec (static_assert in sys.hpp), so
  // the span is the host's iovec array without a copy.
  if (auto r = wasi::to_result(wasi::wasio_wasi_sock_recv(fd, buffers.data(), static_cast<std::uint32_t>(buffers.size()),
                                                          flags, &received, &out_flags));
      !r)
    return fail(r.error());
  return recv_result{received, out_flags};
}

result<std::size_t> sock_send(fd_t fd, std::span<const const_buffer> buffers, abi::siflags flags) {
  std::uint32_t sent = 0;
  // Safety: sys::const_buffer is a preview1 ciovec on wasm32 (static_assert in sys.hpp).
  if (auto r = wasi::to_result(
          wasi::wasio_wasi_sock_send(fd, buffers.data(), static_cast<std::uint32_t>(buffers.size()), flags, &sent));
      !r)
    return fail(r.error());
  return static_cast<std::size_t>(sent);
}

result<void> sock_shutdown(fd_t fd, abi::sdflags how) { return wasi::to_result(wasi::wasio_wasi_sock_shutdown(fd, how)); }

}  // namespace wasio::sys
