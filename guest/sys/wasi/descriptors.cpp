// wasio::sys fd_* calls over wasi_snapshot_preview1.

#include "imports.hpp"
#include "wasio/sys/sys.hpp"

namespace wasio::sys {

result<std::size_t> fd_read(fd_t fd, std::span<const buffer> buffers) {
  std::uint32_t read = 0;
  // Safety: sys::buffer is a preview1 iovec on wasm32 (static_assert in sys.hpp).
  if (auto r = wasi::to_result(
          wasi::wasio_wasi_fd_read(fd, buffers.data(), static_cast<std::uint32_t>(buffers.size()), &read));
      !r)
    return fail(r.error());
  return static_cast<std::size_t>(read);
}

result<std::size_t> fd_write(fd_t fd, std::span<const const_buffer> buffers) {
  std::uint32_t written = 0;
  // Safety: sys::const_buffer is a preview1 ciovec on wasm32 (static_assert in sys.hpp).
  if (auto r = wasi::to_result(
          wasi::wasio_wasi_fd_write(fd, buffers.data(), static_cast<std::uint32_t>(buffers.size()), &written));
      !r)
    return fail(r.error());
  return static_cast<std::size_t>(written);
}

result<void> fd_close(fd_t fd) { return wasi::to_result(wasi::wasio_wasi_fd_close(fd)); }

result<abi::fdstat> fd_fdstat_get(fd_t fd) {
  abi::fdstat stat{};
  if (auto r = wasi::to_result(wasi::wasio_wasi_fd_fdstat_get(fd, &stat)); !r) return fail(r.error());
  return stat;
}

result<void> fd_fdstat_set_flags(fd_t fd, abi::fdflags flags) {
  return wasi::to_result(wasi::wasio_wasi_fd_fdstat_set_flags(fd, flags));
}

}  // namespace wasio::sys
