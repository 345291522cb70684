#pragma once
// The wasi_snapshot_preview1 imports wasio calls, declared here rather than taken from wasi-libc's
// api.h: that header lacks sock_* on older wasi-libc releases, and owning the declarations pins the
// exact core-wasm signature we rely on (every pointer and size is an i32, timestamps are i64, and
// every function returns its errno as an i32).

#include <cstdint>

#include "wasio/result.hpp"
#include "wasio/sys/abi.hpp"

#define WASIO_WASI_IMPORT(name) \
  __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

namespace wasio::sys::wasi {

using errno_t = std::int32_t;

extern "C" {
errno_t wasio_wasi_poll_oneoff(const abi::subscription* in, abi::event* out, std::uint32_t nsubscriptions,
                               std::uint32_t* nevents) WASIO_WASI_IMPORT(poll_oneoff);
errno_t wasio_wasi_sock_accept(abi::fd listener, std::uint32_t flags, abi::fd* accepted)
    WASIO_WASI_IMPORT(sock_accept);
// iovs points at an array of wasm32 iovecs (buf u32, len u32), which sys::buffer is on wasm32.
errno_t wasio_wasi_sock_recv(abi::fd fd, const void* iovs, std::uint32_t iovs_len, std::uint32_t ri_flags,
                             std::uint32_t* received, std::uint16_t* ro_flags) WASIO_WASI_IMPORT(sock_recv);
errno_t wasio_wasi_sock_send(abi::fd fd, const void* ciovs, std::uint32_t ciovs_len, std::uint32_t si_flags,
                             std::uint32_t* sent) WASIO_WASI_IMPORT(sock_send);
errno_t wasio_wasi_sock_shutdown(abi::fd fd, std::uint32_t how) WASIO_WASI_IMPORT(sock_shutdown);

errno_t wasio_wasi_fd_read(abi::fd fd, const void* iovs, std::uint32_t iovs_len, std::uint32_t* read)
    WASIO_WASI_IMPORT(fd_read);
errno_t wasio_wasi_fd_write(abi::fd fd, const void* ciovs, std::uint32_t ciovs_len, std::uint32_t* written)
    WASIO_WASI_IMPORT(fd_write);
errno_t wasio_wasi_fd_close(abi::fd fd) WASIO_WASI_IMPORT(fd_close);
errno_t wasio_wasi_fd_fdstat_get(abi::fd fd, abi::fdstat* out) WASIO_WASI_IMPORT(fd_fdstat_get);
errno_t wasio_wasi_fd_fdstat_set_flags(abi::fd fd, std::uint32_t flags) WASIO_WASI_IMPORT(fd_fdstat_set_flags);

errno_t wasio_wasi_clock_time_get(std::uint32_t clock, abi::timestamp precision, abi::timestamp* now)
    WASIO_WASI_IMPORT(clock_time_get);
errno_t wasio_wasi_clock_res_get(std::uint32_t clock, abi::timestamp* resolution) WASIO_WASI_IMPORT(clock_res_get);
errno_t wasio_wasi_random_get(void* out, std::uint32_t size) WASIO_WASI_IMPORT(random_get);

errno_t wasio_wasi_args_sizes_get(std::uint32_t* count, std::uint32_t* buffer_size) WASIO_WASI_IMPORT(args_sizes_get);
errno_t wasio_wasi_args_get(char** pointers, char* buffer) WASIO_WASI_IMPORT(args_get);
errno_t wasio_wasi_environ_sizes_get(std::uint32_t* count, std::uint32_t* buffer_size)
    WASIO_WASI_IMPORT(environ_sizes_get);
errno_t wasio_wasi_environ_get(char** pointers, char* buffer) WASIO_WASI_IMPORT(environ_get);

[[noreturn]] void wasio_wasi_proc_exit(std::uint32_t code) WASIO_WASI_IMPORT(proc_exit);
errno_t wasio_wasi_sched_yield() WASIO_WASI_IMPORT(sched_yield);
}

/// The errno a preview1 import returned, as a result<void>. Hosts only return 0..76 (anything
/// else is passed through unchanged so the caller sees the host's own value).
inline result<void> to_result(errno_t code) { return check(static_cast<errc>(code)); }

}  // namespace wasio::sys::wasi

#undef WASIO_WASI_IMPORT
