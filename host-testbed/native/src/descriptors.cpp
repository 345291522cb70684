// wasio::sys fd_* calls for natively linked guests.

#include "host_buffers.hpp"
#include "wasio/sys/sys.hpp"
#include "wasio/testbed/native.hpp"

namespace wasio::sys {

using testbed::native::current;
using testbed::native::detail::host_ciovecs;
using testbed::native::detail::host_iovecs;

result<std::size_t> fd_read(fd_t fd, std::span<const buffer> buffers) {
  const host_iovecs translated(buffers);
  std::size_t read = 0;
  if (auto code = current().fd_read(fd, translated.view(), read); code != errc::success) return fail(code);
  return read;
}

result<std::size_t> fd_write(fd_t fd, std::span<const const_buffer> buffers) {
  const host_ciovecs translated(buffers);
  std::size_t written = 0;
  if (auto code = current().fd_write(fd, translated.view(), written); code != errc::success) return fail(code);
  return written;
}

result<void> fd_close(fd_t fd) { return check(current().fd_close(fd)); }

result<abi::fdstat> fd_fdstat_get(fd_t fd) {
  abi::fdstat stat{};
  if (auto code = current().fd_fdstat_get(fd, stat); code != errc::success) return fail(code);
  return stat;
}

result<void> fd_fdstat_set_flags(fd_t fd, abi::fdflags flags) {
  return check(current().fd_fdstat_set_flags(fd, flags));
}

}  // namespace wasio::sys
