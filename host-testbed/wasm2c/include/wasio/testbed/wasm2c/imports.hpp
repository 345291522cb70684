#pragma once
/// The wasi_snapshot_preview1 imports of a wasm2c-translated module (wabt 1.0.32 naming).
///
/// A module translated with `wasm2c --module-name=M` calls
///   u32 Z_wasi_snapshot_preview1Z_<name>(struct Z_wasi_snapshot_preview1_instance_t*, ...)
/// and leaves the struct to the embedder. We define it here: it points at the guest's memory and
/// at the wasio::testbed::host behind it. The functions below are exported from `wasio-run`
/// (ENABLE_EXPORTS, i.e. -rdynamic), and the module's shared object binds to them at dlopen.
///
/// Each import bounds-checks and decodes its guest arguments, calls the host core, and encodes
/// results only on success.
/// Errors (besides the core's): fault (a pointer or length outside the guest memory, checked before
/// anything is read, written or done), inval (a flag or enum argument wider than its WASI type,
/// an iovec count above iovec_count_limit, an fd_seek whence or fd_advise advice out of range,
/// poll_oneoff with more than host::max_poll_subscriptions()), nomem (the host ran out of memory:
/// no exception ever unwinds through the module's C frames).
/// Notes: one call moves at most UINT32_MAX bytes (the size WASI can report): a longer iovec list
/// is cut there, like Linux's MAX_RW_COUNT, and the call reports the short transfer.
/// Notes: the filesystem calls check every path (pointer, length) pair, buffer and result pointer
/// before the core runs (a file opened for a result that cannot be stored would leak); the core
/// bounds and checks the path bytes themselves. proc_raise returns notsup.

#include <cstdint>
#include <span>
#include <string_view>

#include "wasm-rt.h"
#include "wasio/testbed/host.hpp"

/// The embedder's state for one module instance, passed back to every import.
struct Z_wasi_snapshot_preview1_instance_t {
  /// The instance's memory (the module's exported "memory"); read data/size at every call,
  /// memory.grow changes both. nullptr or size 0: every pointer argument is a fault.
  wasm_rt_memory_t* memory = nullptr;
  wasio::testbed::host* host = nullptr;
  /// Called by proc_exit after the host recorded the code: unwinds out of the guest, never returns.
  /// nullptr (tests of single imports): proc_exit only records the code and returns.
  void (*leave_guest)(void* context) = nullptr;
  void* leave_context = nullptr;
  /// Set by proc_exit (after the host recorded the code, before leaving the guest).
  bool exited = false;
  std::uint32_t exit_code = 0;
};

namespace wasio::testbed::wasm2c {

/// Largest iovec array a single call accepts (wasi-libc's IOV_MAX, Linux's UIO_MAXIOV); more is inval.
inline constexpr std::uint32_t iovec_count_limit = 1024;

/// One preview1 import's wasm signature, in letters: 'i' i32, 'I' i64 (params), "" or "i" (result).
struct import_signature {
  std::string_view name;
  std::string_view params;
  std::string_view results;
  /// The exported C function implementing it (for self-checks; cast to its real type to call).
  void (*function)();
};

/// Every preview1 import this front-end implements, in witx order.
std::span<const import_signature> preview1_imports();

/// The entry for `name`, or nullptr.
const import_signature* find_preview1_import(std::string_view name);

/// True while the calling thread is inside one of the imports below (host code, not guest code).
/// wasio-run's fault handler uses it so that a host crash is never reported as a guest trap.
bool inside_host_call();

}  // namespace wasio::testbed::wasm2c

extern "C" {
using wasio_wasi_env = Z_wasi_snapshot_preview1_instance_t;
std::uint32_t Z_wasi_snapshot_preview1Z_args_get(wasio_wasi_env*, std::uint32_t argv, std::uint32_t argv_buf);
std::uint32_t Z_wasi_snapshot_preview1Z_args_sizes_get(wasio_wasi_env*, std::uint32_t argc, std::uint32_t argv_buf_size);
std::uint32_t Z_wasi_snapshot_preview1Z_environ_get(wasio_wasi_env*, std::uint32_t environ, std::uint32_t environ_buf);
std::uint32_t Z_wasi_snapshot_preview1Z_environ_sizes_get(wasio_wasi_env*, std::uint32_t count, std::uint32_t buf_size);
std::uint32_t Z_wasi_snapshot_preview1Z_clock_res_get(wasio_wasi_env*, std::uint32_t id, std::uint32_t resolution);
std::uint32_t Z_wasi_snapshot_preview1Z_clock_time_get(wasio_wasi_env*, std::uint32_t id, std::uint64_t precision, std::uint32_t time);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_advise(wasio_wasi_env*, std::uint32_t fd, std::uint64_t offset, std::uint64_t len, std::uint32_t advice);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_allocate(wasio_wasi_env*, std::uint32_t fd, std::uint64_t offset, std::uint64_t len);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_close(wasio_wasi_env*, std::uint32_t fd);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_datasync(wasio_wasi_env*, std::uint32_t fd);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_get(wasio_wasi_env*, std::uint32_t fd, std::uint32_t stat);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_set_flags(wasio_wasi_env*, std::uint32_t fd, std::uint32_t flags);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_set_rights(wasio_wasi_env*, std::uint32_t fd, std::uint64_t base, std::uint64_t inheriting);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_filestat_get(wasio_wasi_env*, std::uint32_t fd, std::uint32_t stat);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_filestat_set_size(wasio_wasi_env*, std::uint32_t fd, std::uint64_t size);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_filestat_set_times(wasio_wasi_env*, std::uint32_t fd, std::uint64_t atim, std::uint64_t mtim, std::uint32_t fst_flags);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_pread(wasio_wasi_env*, std::uint32_t fd, std::uint32_t iovs, std::uint32_t iovs_len, std::uint64_t offset, std::uint32_t nread);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_prestat_get(wasio_wasi_env*, std::uint32_t fd, std::uint32_t prestat);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_prestat_dir_name(wasio_wasi_env*, std::uint32_t fd, std::uint32_t path, std::uint32_t path_len);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_pwrite(wasio_wasi_env*, std::uint32_t fd, std::uint32_t iovs, std::uint32_t iovs_len, std::uint64_t offset, std::uint32_t nwritten);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_read(wasio_wasi_env*, std::uint32_t fd, std::uint32_t iovs, std::uint32_t iovs_len, std::uint32_t nread);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_readdir(wasio_wasi_env*, std::uint32_t fd, std::uint32_t buf, std::uint32_t buf_len, std::uint64_t cookie, std::uint32_t bufused);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_renumber(wasio_wasi_env*, std::uint32_t fd, std::uint32_t to);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_seek(wasio_wasi_env*, std::uint32_t fd, std::uint64_t offset, std::uint32_t whence, std::uint32_t newoffset);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_sync(wasio_wasi_env*, std::uint32_t fd);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_tell(wasio_wasi_env*, std::uint32_t fd, std::uint32_t offset);
std::uint32_t Z_wasi_snapshot_preview1Z_fd_write(wasio_wasi_env*, std::uint32_t fd, std::uint32_t iovs, std::uint32_t iovs_len, std::uint32_t nwritten);
std::uint32_t Z_wasi_snapshot_preview1Z_path_create_directory(wasio_wasi_env*, std::uint32_t fd, std::uint32_t path, std::uint32_t path_len);
std::uint32_t Z_wasi_snapshot_preview1Z_path_filestat_get(wasio_wasi_env*, std::uint32_t fd, std::uint32_t flags, std::uint32_t path, std::uint32_t path_len, std::uint32_t stat);
std::uint32_t Z_wasi_snapshot_preview1Z_path_filestat_set_times(wasio_wasi_env*, std::uint32_t fd, std::uint32_t flags, std::uint32_t path, std::uint32_t path_len, std::uint64_t atim, std::uint64_t mtim, std::uint32_t fst_flags);
std::uint32_t Z_wasi_snapshot_preview1Z_path_link(wasio_wasi_env*, std::uint32_t old_fd, std::uint32_t old_flags, std::uint32_t old_path, std::uint32_t old_path_len, std::uint32_t new_fd, std::uint32_t new_path, std::uint32_t new_path_len);
std::uint32_t Z_wasi_snapshot_preview1Z_path_open(wasio_wasi_env*, std::uint32_t fd, std::uint32_t dirflags, std::uint32_t path, std::uint32_t path_len, std::uint32_t oflags, std::uint64_t rights_base, std::uint64_t rights_inheriting, std::uint32_t fdflags, std::uint32_t opened_fd);
std::uint32_t Z_wasi_snapshot_preview1Z_path_readlink(wasio_wasi_env*, std::uint32_t fd, std::uint32_t path, std::uint32_t path_len, std::uint32_t buf, std::uint32_t buf_len, std::uint32_t bufused);
std::uint32_t Z_wasi_snapshot_preview1Z_path_remove_directory(wasio_wasi_env*, std::uint32_t fd, std::uint32_t path, std::uint32_t path_len);
std::uint32_t Z_wasi_snapshot_preview1Z_path_rename(wasio_wasi_env*, std::uint32_t fd, std::uint32_t old_path, std::uint32_t old_path_len, std::uint32_t new_fd, std::uint32_t new_path, std::uint32_t new_path_len);
std::uint32_t Z_wasi_snapshot_preview1Z_path_symlink(wasio_wasi_env*, std::uint32_t old_path, std::uint32_t old_path_len, std::uint32_t fd, std::uint32_t new_path, std::uint32_t new_path_len);
std::uint32_t Z_wasi_snapshot_preview1Z_path_unlink_file(wasio_wasi_env*, std::uint32_t fd, std::uint32_t path, std::uint32_t path_len);
std::uint32_t Z_wasi_snapshot_preview1Z_poll_oneoff(wasio_wasi_env*, std::uint32_t in, std::uint32_t out, std::uint32_t nsubscriptions, std::uint32_t nevents);
void Z_wasi_snapshot_preview1Z_proc_exit(wasio_wasi_env*, std::uint32_t code);
std::uint32_t Z_wasi_snapshot_preview1Z_proc_raise(wasio_wasi_env*, std::uint32_t sig);
std::uint32_t Z_wasi_snapshot_preview1Z_sched_yield(wasio_wasi_env*);
std::uint32_t Z_wasi_snapshot_preview1Z_random_get(wasio_wasi_env*, std::uint32_t buf, std::uint32_t buf_len);
std::uint32_t Z_wasi_snapshot_preview1Z_sock_accept(wasio_wasi_env*, std::uint32_t fd, std::uint32_t flags, std::uint32_t accepted_fd);
std::uint32_t Z_wasi_snapshot_preview1Z_sock_recv(wasio_wasi_env*, std::uint32_t fd, std::uint32_t ri_data, std::uint32_t ri_data_len, std::uint32_t ri_flags, std::uint32_t ro_datalen, std::uint32_t ro_flags);
std::uint32_t Z_wasi_snapshot_preview1Z_sock_send(wasio_wasi_env*, std::uint32_t fd, std::uint32_t si_data, std::uint32_t si_data_len, std::uint32_t si_flags, std::uint32_t so_datalen);
std::uint32_t Z_wasi_snapshot_preview1Z_sock_shutdown(wasio_wasi_env*, std::uint32_t fd, std::uint32_t how);
}
