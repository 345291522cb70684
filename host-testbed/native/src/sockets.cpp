// wasio::sys socket calls for natively linked guests.

#include "host_buffers.hpp"
#include "wasio/sys/sys.hpp"
#include "wasio/testbed/native.hpp"

namespace wasio::sys {

using testbed::native::current;
using testbed::native::detail::host_ciovecs;
using testbed::native::detail::host_iovecs;

result<fd_t> sock_accept(fd_t listener, abi::fdflags flags) {
  fd_t accepted = 0;
  if (auto code = current().sock_accept(listener, flags, accepted); code != errc::success) return fail(code);
  return accepted;
}

result<recv_result> sock_recv(fd_t fd, std::span<const buffer> buffers, abi::riflags flags) {
  const host_iovecs translated(buffers);
  std::size_t received = 0;
  abi::roflags out_flags = 0;
  if (auto code = current().sock_recv(fd, translated.view(), flags, received, out_flags); code != errc::success)
    return fail(code);
  return recv_result{received, out_flags};
}

result<std::size_t> sock_send(fd_t fd, std::span<const const_buffer> buffers, abi::siflags flags) {
  const host_ciovecs translated(buffers);
  std::size_t sent = 0;
  if (auto code = current().sock_send(fd, translated.view(), flags, sent); code != errc::success) return fail(code);
  return sent;
}

result<void> sock_shutdown(fd_t fd, abi::sdflags how) { return check(current().sock_shutdown(fd, how)); }

}  // namespace wasio::sys
