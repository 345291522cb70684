#pragma once
/// wasio::sys: the one door to the host. Typed wrappers of the WASI preview1 calls wasio uses.
///
/// Only code under guest/sys/ (for wasm32-wasi) and host-testbed/native/ (for natively linked
/// guests) implements these; everything above calls them and never names a WASI import.
/// The build picks the implementation: no #ifdef above this line.
///
/// Errors: each function returns the host's errno as `errc` unchanged (see HOST-SEMANTICS.md for
/// what real hosts return). `errc::again` means "would block" on a non-blocking fd.
/// Notes: buffers are the guest's own memory; the host never keeps a pointer past the call.

#include <cstddef>
#include <cstdint>
#include <span>

#include "wasio/result.hpp"
#include "wasio/sys/abi.hpp"

namespace wasio::sys {

using fd_t = abi::fd;

/// A writable guest buffer. On wasm32 it has the exact layout of WASI's iovec, so a span of these
/// is handed to the host without copying.
struct buffer {
  std::byte* data;
  std::size_t size;
};
/// A read-only guest buffer (WASI's ciovec on wasm32).
struct const_buffer {
  const std::byte* data;
  std::size_t size;
};
static_assert(sizeof(void*) != 4 || sizeof(buffer) == abi::guest_iovec_size, "iovec layout on wasm32");
static_assert(sizeof(void*) != 4 || sizeof(const_buffer) == abi::guest_iovec_size, "ciovec layout on wasm32");

/// Waits for subscriptions; writes up to `count` events to `out`. Returns how many were written.
/// Errors: inval (count == 0 on every host); whole-call errors a host reports (badf on
/// wasmtime-legacy for a bad fd, notsup for a realtime ABSTIME clock there).
result<std::size_t> poll_oneoff(const abi::subscription* in, abi::event* out, std::size_t count);

/// Accepts one pending connection on `listener`; `flags` is 0 or abi::fdflag_nonblock.
/// Errors: again (nothing pending on a non-blocking listener), badf (not a listener), inval, notsup.
result<fd_t> sock_accept(fd_t listener, abi::fdflags flags);

struct recv_result {
  std::size_t bytes;   // 0 means the peer closed its sending side
  abi::roflags flags;
};
/// Receives into `buffers`. Errors: again, connreset, notconn, badf, notsock, notsup (uvwasi flags).
result<recv_result> sock_recv(fd_t fd, std::span<const buffer> buffers, abi::riflags flags);

/// Sends from `buffers`; may be short. Errors: again, pipe, connreset, badf, notsock, inval.
result<std::size_t> sock_send(fd_t fd, std::span<const const_buffer> buffers, abi::siflags flags = 0);

/// Shuts down one or both directions (abi::shut_rd, abi::shut_wr). Errors: inval, notconn, badf,
/// notsock, notsup (uvwasi: read side).
result<void> sock_shutdown(fd_t fd, abi::sdflags how);

/// fd_read / fd_write work on sockets as on stdio. Errors as sock_recv / sock_send.
result<std::size_t> fd_read(fd_t fd, std::span<const buffer> buffers);
result<std::size_t> fd_write(fd_t fd, std::span<const const_buffer> buffers);

/// Closes `fd`. Errors: badf.
result<void> fd_close(fd_t fd);

/// File type, flags and rights of `fd`. Errors: badf.
result<abi::fdstat> fd_fdstat_get(fd_t fd);

/// Sets fd flags (0 or abi::fdflag_nonblock for sockets). Errors: badf, inval.
result<void> fd_fdstat_set_flags(fd_t fd, abi::fdflags flags);

/// Current time of `clock` in nanoseconds. Errors: inval (unknown clock), notsup.
result<abi::timestamp> clock_time_get(abi::clockid clock, abi::timestamp precision = 1);
/// Resolution of `clock` in nanoseconds. Errors: inval, notsup.
result<abi::timestamp> clock_res_get(abi::clockid clock);

/// Fills `out` with random bytes. Errors: io.
result<void> random_get(std::span<std::byte> out);

struct strings_sizes {
  std::size_t count;       // number of strings
  std::size_t buffer_size; // bytes for all of them, NUL terminators included
};
/// Program arguments / environment ("NAME=VALUE"), in WASI's two-call form: ask the sizes, then
/// have `pointers` (count entries) and `buffer` (buffer_size bytes) filled.
result<strings_sizes> args_sizes_get();
result<void> args_get(char** pointers, char* buffer);
result<strings_sizes> environ_sizes_get();
result<void> environ_get(char** pointers, char* buffer);

/// Ends the program with `code`; never returns.
[[noreturn]] void proc_exit(std::uint32_t code);

/// Yields the processor. Errors: none on known hosts.
result<void> sched_yield();

/// Makes a poll_oneoff blocked in another thread (or the next one) return early, possibly with no
/// events. Safe from any thread. This is not a WASI call: natively linked guests get it from the
/// testbed; preview1 has no such channel, so on wasm32 it fails.
/// Errors: notsup (wasm32 preview1: use a waker strategy from wasio/io/waker.hpp instead).
result<void> interrupt_poll();

}  // namespace wasio::sys
