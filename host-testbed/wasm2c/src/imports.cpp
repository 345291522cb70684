// The wasi_snapshot_preview1 imports for wasm2c modules: bounds-check, decode, call the core,
// encode results only on success (the uvwasi / wasm2c-adapter shape, see STYLE.md).
#include "wasio/testbed/wasm2c/imports.hpp"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <vector>

#include "wasio/sys/fs_abi.hpp"
#include "wasio/testbed/wasm2c/guest_memory.hpp"

namespace wasio::testbed::wasm2c {
namespace {

thread_local int host_call_depth = 0;

/// One import invocation: marks the thread as inside host code, snapshots the memory bounds
/// (the guest cannot grow its memory while we run), and reports front-end rejections to the trace.
class host_call {
 public:
  host_call(wasio_wasi_env* env, const char* function)
      : env_(env), function_(function), memory_(snapshot(env)) {
    ++host_call_depth;
  }
  ~host_call() { --host_call_depth; }
  host_call(const host_call&) = delete;
  host_call& operator=(const host_call&) = delete;

  /// Traces a call the front-end answered without the core (the core traces its own calls).
  [[gnu::format(printf, 3, 4)]] std::uint32_t answered(errc code, const char* format, ...) const {
    if (env_->host != nullptr && env_->host->tracing()) {
      char arguments[256];
      va_list args;
      va_start(args, format);
      std::vsnprintf(arguments, sizeof arguments, format, args);
      va_end(args);
      char line[384];
      std::snprintf(line, sizeof line, "%s(%s) -> %.*s", function_, arguments, static_cast<int>(name(code).size()),
                    name(code).data());
      env_->host->trace_line(line);
    }
    return static_cast<std::uint32_t>(code);
  }

  const guest_memory& memory() const { return memory_; }
  testbed::host& core() const { return *env_->host; }
  wasio_wasi_env& env() const { return *env_; }

  /// Fails the call before the core sees it; the trace says why (the core never heard of it).
  [[gnu::format(printf, 3, 4)]] std::uint32_t reject(errc code, const char* format, ...) const {
    if (env_->host != nullptr && env_->host->tracing()) {
      char why[256];
      va_list args;
      va_start(args, format);
      std::vsnprintf(why, sizeof why, format, args);
      va_end(args);
      char line[384];
      std::snprintf(line, sizeof line, "wasm2c: %s -> %.*s (%s)", function_,
                    static_cast<int>(name(code).size()), name(code).data(), why);
      env_->host->trace_line(line);
    }
    return static_cast<std::uint32_t>(code);
  }

 private:
  static guest_memory snapshot(const wasio_wasi_env* env) {
    // wasm2c 1.0.32 keeps the byte size in a uint32_t, so a memory of 65536 pages (exactly 4 GiB)
    // reports size 0: every pointer is then a fault. That fails closed (no host access outside the
    // memory), and such a guest is refused on every call rather than run with a wrong bound.
    if (env->memory == nullptr) return guest_memory(nullptr, 0);
    return guest_memory(env->memory->data, env->memory->size);
  }
  wasio_wasi_env* env_;
  const char* function_;
  guest_memory memory_;
};

std::uint32_t to_wasi(errc code) { return static_cast<std::uint32_t>(code); }

/// Runs one import's body. The frames above us are wasm2c's C code, which an exception must never
/// unwind: running out of host memory (vectors sized by the guest, trace lines) becomes errc::nomem,
/// and anything else thrown is a host bug that ends the process with a message here.
template <class Body>
std::uint32_t guarded(wasio_wasi_env* env, const char* function, Body body) {
  host_call call(env, function);
#if defined(__cpp_exceptions)
  try {
    return body(call);
  } catch (const std::bad_alloc&) {
    try {
      return call.reject(errc::nomem, "out of host memory");
    } catch (...) {
      return to_wasi(errc::nomem);  // not even the trace line fit
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wasio-run: host bug: %s threw: %s\n", function, e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "wasio-run: host bug: %s threw\n", function);
    std::abort();
  }
#else
  return body(call);  // without exceptions, a failed allocation already ends the process
#endif
}

/// Per-thread scratch for the decoded arguments of the hot calls (fd_read, fd_write, sock_recv,
/// sock_send, poll_oneoff), reused from call to call: without it every call made a heap vector (or
/// two). Host calls never nest, so one vector per call site and thread is enough. One huge call must
/// not pin its memory for the rest of the run: storage far beyond what this call needs is dropped.
template <class T, int Site>
std::vector<T>& scratch(std::size_t needed) {
  thread_local std::vector<T> v;
  v.clear();
  constexpr std::size_t keep_at_least = 1024;
  if (v.capacity() > keep_at_least && v.capacity() / 4 > needed) std::vector<T>().swap(v);
  return v;
}

/// Decodes a guest iovec/ciovec array into host buffers. Every element is checked before the
/// caller does anything, so a bad last iovec fails the call with nothing read or written.
/// The buffers handed on total at most UINT32_MAX bytes (the most a u32 result can report; the
/// iovecs may overlap, so their sum is not bounded by the memory): the list is cut there, the
/// last buffer shortened, like Linux's MAX_RW_COUNT, and the call is a short transfer.
template <class HostIovec>
std::uint32_t decode_iovecs(const host_call& call, guest_ptr iovs, std::uint32_t count,
                            std::vector<HostIovec>& out) {
  const guest_memory& memory = call.memory();
  if (!memory.contains_array(iovs, count, abi::guest_iovec_size))
    return call.reject(errc::fault, "iovec array 0x%" PRIx32 " x %" PRIu32 " out of bounds", iovs, count);
  if (count > iovec_count_limit)
    return call.reject(errc::inval, "%" PRIu32 " iovecs, limit %" PRIu32, count, iovec_count_limit);
  out.reserve(count);
  std::uint64_t room = UINT32_MAX;
  for (std::uint32_t i = 0; i < count; ++i) {
    // Safety: the whole array was checked above; i * 8 + 4 stays inside it.
    guest_ptr entry = iovs + i * static_cast<std::uint32_t>(abi::guest_iovec_size);
    std::uint32_t buf = memory.load<std::uint32_t>(entry).value();
    std::uint32_t len = memory.load<std::uint32_t>(entry + 4).value();
    auto bytes = memory.bytes(buf, len);
    if (!bytes)
      return call.reject(errc::fault, "iovec %" PRIu32 " {0x%" PRIx32 ", %" PRIu32 "} out of bounds", i, buf, len);
    const std::uint64_t take = std::min<std::uint64_t>(len, room);
    if (take > 0 || len == 0) out.push_back(HostIovec{bytes->data(), static_cast<std::size_t>(take)});
    room -= take;
  }
  return to_wasi(errc::success);
}

/// Lays out `strings` for args_get / environ_get: an array of guest pointers at `pointers` and
/// the NUL-terminated strings packed at `buffer`. Both ranges are checked before any write.
std::uint32_t write_string_table(const host_call& call, const std::vector<std::string>& strings,
                                 guest_ptr pointers, guest_ptr buffer) {
  const guest_memory& memory = call.memory();
  std::uint64_t total = 0;
  for (const std::string& s : strings) total += s.size() + 1;
  if (strings.size() > UINT32_MAX || !memory.contains_array(pointers, static_cast<std::uint32_t>(strings.size()), 4))
    return call.reject(errc::fault, "pointer array 0x%" PRIx32 " x %zu out of bounds", pointers, strings.size());
  auto area = memory.bytes(buffer, total);
  if (!area) return call.reject(errc::fault, "string buffer 0x%" PRIx32 " + %" PRIu64 " out of bounds", buffer, total);
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < strings.size(); ++i) {
    // Safety: buffer + total fits in memory (checked), and offset < total, so no wrap in 32 bits.
    guest_ptr at = static_cast<guest_ptr>(buffer + offset);
    (void)memory.store<std::uint32_t>(pointers + static_cast<guest_ptr>(i * 4), at);
    std::memcpy(area->data() + offset, strings[i].data(), strings[i].size());
    area->data()[offset + strings[i].size()] = std::byte{0};
    offset += strings[i].size() + 1;
  }
  return call.answered(errc::success, "pointers=0x%" PRIx32 ", buffer=0x%" PRIx32 ", count=%zu, bytes=%" PRIu64,
                       pointers, buffer, strings.size(), total);
}

std::uint32_t write_string_sizes(const host_call& call, const std::vector<std::string>& strings,
                                 guest_ptr count_out, guest_ptr size_out) {
  std::uint64_t total = 0;
  for (const std::string& s : strings) total += s.size() + 1;
  if (strings.size() > UINT32_MAX || total > UINT32_MAX) return call.reject(errc::overflow, "strings exceed 4 GiB");
  if (!call.memory().contains(count_out, 4) || !call.memory().contains(size_out, 4))
    return call.reject(errc::fault, "result 0x%" PRIx32 " / 0x%" PRIx32 " out of bounds", count_out, size_out);
  (void)call.memory().store<std::uint32_t>(count_out, static_cast<std::uint32_t>(strings.size()));
  (void)call.memory().store<std::uint32_t>(size_out, static_cast<std::uint32_t>(total));
  return call.answered(errc::success, "count=%zu, bytes=%" PRIu64, strings.size(), total);
}

/// Rejects an output pointer before the call has any effect (an accepted connection or read
/// bytes must never be lost because the result cannot be stored).
bool output_fits(const host_call& call, guest_ptr ptr, std::uint64_t size) { return call.memory().contains(ptr, size); }

}  // namespace

bool inside_host_call() { return host_call_depth > 0; }

}  // namespace wasio::testbed::wasm2c

using namespace wasio;
using namespace wasio::testbed::wasm2c;
using wasio::testbed::host_ciovec;
using wasio::testbed::host_iovec;

extern "C" {

std::uint32_t Z_wasi_snapshot_preview1Z_args_get(wasio_wasi_env* env, std::uint32_t argv, std::uint32_t argv_buf) {
  return guarded(env, "args_get", [&](const host_call& call) -> std::uint32_t {
    return write_string_table(call, call.core().args(), argv, argv_buf);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_args_sizes_get(wasio_wasi_env* env, std::uint32_t argc, std::uint32_t argv_buf_size) {
  return guarded(env, "args_sizes_get", [&](const host_call& call) -> std::uint32_t {
    return write_string_sizes(call, call.core().args(), argc, argv_buf_size);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_environ_get(wasio_wasi_env* env, std::uint32_t environ, std::uint32_t environ_buf) {
  return guarded(env, "environ_get", [&](const host_call& call) -> std::uint32_t {
    return write_string_table(call, call.core().env(), environ, environ_buf);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_environ_sizes_get(wasio_wasi_env* env, std::uint32_t count, std::uint32_t buf_size) {
  return guarded(env, "environ_sizes_get", [&](const host_call& call) -> std::uint32_t {
    return write_string_sizes(call, call.core().env(), count, buf_size);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_clock_res_get(wasio_wasi_env* env, std::uint32_t id, std::uint32_t resolution) {
  return guarded(env, "clock_res_get", [&](const host_call& call) -> std::uint32_t {
    if (!output_fits(call, resolution, 8)) return call.reject(errc::fault, "result 0x%" PRIx32 " out of bounds", resolution);
    abi::timestamp value = 0;
    errc code = call.core().clock_res_get(static_cast<abi::clockid>(id), value);
    if (code == errc::success) (void)call.memory().store(resolution, value);
    return to_wasi(code);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_clock_time_get(wasio_wasi_env* env, std::uint32_t id, std::uint64_t precision, std::uint32_t time) {
  return guarded(env, "clock_time_get", [&](const host_call& call) -> std::uint32_t {
    if (!output_fits(call, time, 8)) return call.reject(errc::fault, "result 0x%" PRIx32 " out of bounds", time);
    abi::timestamp value = 0;
    errc code = call.core().clock_time_get(static_cast<abi::clockid>(id), precision, value);
    if (code == errc::success) (void)call.memory().store(time, value);
    return to_wasi(code);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_advise(wasio_wasi_env* env, std::uint32_t fd, std::uint64_t offset, std::uint64_t len, std::uint32_t advice) {
  return guarded(env, "fd_advise", [&](const host_call& call) -> std::uint32_t {
    if (advice > 5) return call.reject(errc::inval, "advice %" PRIu32, advice);
    return to_wasi(call.core().fd_advise(fd, offset, len, static_cast<abi::advice>(advice)));
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_allocate(wasio_wasi_env* env, std::uint32_t fd, std::uint64_t offset, std::uint64_t len) {
  return guarded(env, "fd_allocate", [&](const host_call& call) -> std::uint32_t {
    return to_wasi(call.core().fd_allocate(fd, offset, len));
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_close(wasio_wasi_env* env, std::uint32_t fd) {
  return guarded(env, "fd_close", [&](const host_call& call) -> std::uint32_t {
    return to_wasi(call.core().fd_close(fd));
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_datasync(wasio_wasi_env* env, std::uint32_t fd) {
  return guarded(env, "fd_datasync", [&](const host_call& call) -> std::uint32_t {
    return to_wasi(call.core().fd_datasync(fd));
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_get(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t stat) {
  return guarded(env, "fd_fdstat_get", [&](const host_call& call) -> std::uint32_t {
    if (!output_fits(call, stat, abi::fdstat_size)) return call.reject(errc::fault, "result 0x%" PRIx32 " out of bounds", stat);
    abi::fdstat value{};
    errc code = call.core().fd_fdstat_get(fd, value);
    if (code == errc::success) (void)call.memory().store(stat, value);
    return to_wasi(code);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_set_flags(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t flags) {
  return guarded(env, "fd_fdstat_set_flags", [&](const host_call& call) -> std::uint32_t {
    if (flags > 0xffff) return call.reject(errc::inval, "fdflags 0x%" PRIx32 " wider than 16 bits", flags);
    return to_wasi(call.core().fd_fdstat_set_flags(fd, static_cast<abi::fdflags>(flags)));
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_set_rights(wasio_wasi_env* env, std::uint32_t fd, std::uint64_t base, std::uint64_t inheriting) {
  return guarded(env, "fd_fdstat_set_rights", [&](const host_call& call) -> std::uint32_t {
    return to_wasi(call.core().fd_fdstat_set_rights(fd, base, inheriting));
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_filestat_get(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t stat) {
  return guarded(env, "fd_filestat_get", [&](const host_call& call) -> std::uint32_t {
    if (!output_fits(call, stat, abi::filestat_size)) return call.reject(errc::fault, "result 0x%" PRIx32 " out of bounds", stat);
    abi::filestat value{};
    errc code = call.core().fd_filestat_get(fd, value);
    if (code == errc::success) (void)call.memory().store(stat, value);
    return to_wasi(code);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_filestat_set_size(wasio_wasi_env* env, std::uint32_t fd, std::uint64_t size) {
  return guarded(env, "fd_filestat_set_size", [&](const host_call& call) -> std::uint32_t {
    return to_wasi(call.core().fd_filestat_set_size(fd, size));
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_filestat_set_times(wasio_wasi_env* env, std::uint32_t fd, std::uint64_t atim, std::uint64_t mtim, std::uint32_t fst_flags) {
  return guarded(env, "fd_filestat_set_times", [&](const host_call& call) -> std::uint32_t {
    if (fst_flags > 0xffff) return call.reject(errc::inval, "fstflags 0x%" PRIx32 " wider than 16 bits", fst_flags);
    return to_wasi(call.core().fd_filestat_set_times(fd, atim, mtim, static_cast<abi::fstflags>(fst_flags)));
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_pread(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t iovs, std::uint32_t iovs_len, std::uint64_t offset, std::uint32_t nread) {
  return guarded(env, "fd_pread", [&](const host_call& call) -> std::uint32_t {
    auto& buffers = scratch<host_iovec, 1>(iovs_len);
    if (std::uint32_t code = decode_iovecs(call, iovs, iovs_len, buffers)) return code;
    if (!output_fits(call, nread, 4)) return call.reject(errc::fault, "result 0x%" PRIx32 " out of bounds", nread);
    std::size_t read = 0;
    errc code = call.core().fd_pread(fd, buffers, offset, read);
    if (code == errc::success) (void)call.memory().store(nread, static_cast<std::uint32_t>(read));
    return to_wasi(code);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_prestat_get(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t prestat) {
  return guarded(env, "fd_prestat_get", [&](const host_call& call) -> std::uint32_t {
    if (!output_fits(call, prestat, abi::prestat_size)) return call.reject(errc::fault, "result 0x%" PRIx32 " out of bounds", prestat);
    abi::prestat value{};
    errc code = call.core().fd_prestat_get(fd, value);
    if (code == errc::success) (void)call.memory().store(prestat, value);
    return to_wasi(code);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_prestat_dir_name(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t path, std::uint32_t path_len) {
  return guarded(env, "fd_prestat_dir_name", [&](const host_call& call) -> std::uint32_t {
    auto out = call.memory().bytes(path, path_len);
    if (!out) return call.reject(errc::fault, "buffer 0x%" PRIx32 " + %" PRIu32 " out of bounds", path, path_len);
    return to_wasi(call.core().fd_prestat_dir_name(fd, *out));
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_pwrite(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t iovs, std::uint32_t iovs_len, std::uint64_t offset, std::uint32_t nwritten) {
  return guarded(env, "fd_pwrite", [&](const host_call& call) -> std::uint32_t {
    auto& buffers = scratch<host_ciovec, 2>(iovs_len);
    if (std::uint32_t code = decode_iovecs(call, iovs, iovs_len, buffers)) return code;
    if (!output_fits(call, nwritten, 4)) return call.reject(errc::fault, "result 0x%" PRIx32 " out of bounds", nwritten);
    std::size_t written = 0;
    errc code = call.core().fd_pwrite(fd, buffers, offset, written);
    if (code == errc::success) (void)call.memory().store(nwritten, static_cast<std::uint32_t>(written));
    return to_wasi(code);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_read(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t iovs, std::uint32_t iovs_len, std::uint32_t nread) {
  return guarded(env, "fd_read", [&](const host_call& call) -> std::uint32_t {
    auto& buffers = scratch<host_iovec, 3>(iovs_len);
    if (std::uint32_t code = decode_iovecs(call, iovs, iovs_len, buffers)) return code;
    if (!output_fits(call, nread, 4)) return call.reject(errc::fault, "result 0x%" PRIx32 " out of bounds", nread);
    std::size_t read = 0;
    errc code = call.core().fd_read(fd, buffers, read);
    if (code == errc::success) (void)call.memory().store(nread, static_cast<std::uint32_t>(read));
    return to_wasi(code);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_readdir(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t buf, std::uint32_t buf_len, std::uint64_t cookie, std::uint32_t bufused) {
  return guarded(env, "fd_readdir", [&](const host_call& call) -> std::uint32_t {
    auto out = call.memory().bytes(buf, buf_len);
    if (!out) return call.reject(errc::fault, "buffer 0x%" PRIx32 " + %" PRIu32 " out of bounds", buf, buf_len);
    if (!output_fits(call, bufused, 4)) return call.reject(errc::fault, "result 0x%" PRIx32 " out of bounds", bufused);
    std::size_t used = 0;
    errc code = call.core().fd_readdir(fd, *out, cookie, used);
    if (code == errc::success) (void)call.memory().store(bufused, static_cast<std::uint32_t>(used));
    return to_wasi(code);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_renumber(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t to) {
  return guarded(env, "fd_renumber", [&](const host_call& call) -> std::uint32_t {
    return to_wasi(call.core().fd_renumber(fd, to));
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_seek(wasio_wasi_env* env, std::uint32_t fd, std::uint64_t offset, std::uint32_t whence, std::uint32_t newoffset) {
  return guarded(env, "fd_seek", [&](const host_call& call) -> std::uint32_t {
    if (whence > 2) return call.reject(errc::inval, "whence %" PRIu32, whence);
    if (!output_fits(call, newoffset, 8)) return call.reject(errc::fault, "result 0x%" PRIx32 " out of bounds", newoffset);
    abi::filesize at = 0;
    errc code = call.core().fd_seek(fd, static_cast<abi::filedelta>(offset), static_cast<abi::whence>(whence), at);
    if (code == errc::success) (void)call.memory().store(newoffset, at);
    return to_wasi(code);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_sync(wasio_wasi_env* env, std::uint32_t fd) {
  return guarded(env, "fd_sync", [&](const host_call& call) -> std::uint32_t {
    return to_wasi(call.core().fd_sync(fd));
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_tell(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t offset) {
  return guarded(env, "fd_tell", [&](const host_call& call) -> std::uint32_t {
    if (!output_fits(call, offset, 8)) return call.reject(errc::fault, "result 0x%" PRIx32 " out of bounds", offset);
    abi::filesize at = 0;
    errc code = call.core().fd_tell(fd, at);
    if (code == errc::success) (void)call.memory().store(offset, at);
    return to_wasi(code);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_fd_write(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t iovs, std::uint32_t iovs_len, std::uint32_t nwritten) {
  return guarded(env, "fd_write", [&](const host_call& call) -> std::uint32_t {
    auto& buffers = scratch<host_ciovec, 4>(iovs_len);
    if (std::uint32_t code = decode_iovecs(call, iovs, iovs_len, buffers)) return code;
    if (!output_fits(call, nwritten, 4)) return call.reject(errc::fault, "result 0x%" PRIx32 " out of bounds", nwritten);
    std::size_t written = 0;
    errc code = call.core().fd_write(fd, buffers, written);
    if (code == errc::success) (void)call.memory().store(nwritten, static_cast<std::uint32_t>(written));
    return to_wasi(code);
  });
}

namespace {
/// A guest path argument as host bytes (no copy; the core bounds its length and checks it).
/// Errors: fault (outside the memory), checked before the core is asked anything.
result<std::string_view> guest_path(const host_call& call, std::uint32_t ptr, std::uint32_t len) {
  auto bytes = call.memory().bytes(ptr, len);
  if (!bytes) return fail(errc::fault);
  // Safety: the range was checked just above; the view lives only during this host call.
  return std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}
}  // namespace

#define WASIO_GUEST_PATH(var, ptr, len)                                                                        \
  auto var##_checked = guest_path(call, ptr, len);                                                            \
  if (!var##_checked) return call.reject(errc::fault, "path 0x%" PRIx32 " + %" PRIu32 " out of bounds", ptr, len); \
  const std::string_view var = *var##_checked

std::uint32_t Z_wasi_snapshot_preview1Z_path_create_directory(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t path, std::uint32_t path_len) {
  return guarded(env, "path_create_directory", [&](const host_call& call) -> std::uint32_t {
    WASIO_GUEST_PATH(name, path, path_len);
    return to_wasi(call.core().path_create_directory(fd, name));
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_path_filestat_get(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t flags, std::uint32_t path, std::uint32_t path_len, std::uint32_t stat) {
  return guarded(env, "path_filestat_get", [&](const host_call& call) -> std::uint32_t {
    WASIO_GUEST_PATH(name, path, path_len);
    if (!output_fits(call, stat, abi::filestat_size)) return call.reject(errc::fault, "result 0x%" PRIx32 " out of bounds", stat);
    abi::filestat value{};
    errc code = call.core().path_filestat_get(fd, flags, name, value);
    if (code == errc::success) (void)call.memory().store(stat, value);
    return to_wasi(code);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_path_filestat_set_times(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t flags, std::uint32_t path, std::uint32_t path_len, std::uint64_t atim, std::uint64_t mtim, std::uint32_t fst_flags) {
  return guarded(env, "path_filestat_set_times", [&](const host_call& call) -> std::uint32_t {
    if (fst_flags > 0xffff) return call.reject(errc::inval, "fstflags 0x%" PRIx32 " wider than 16 bits", fst_flags);
    WASIO_GUEST_PATH(name, path, path_len);
    return to_wasi(call.core().path_filestat_set_times(fd, flags, name, atim, mtim, static_cast<abi::fstflags>(fst_flags)));
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_path_link(wasio_wasi_env* env, std::uint32_t old_fd, std::uint32_t old_flags, std::uint32_t old_path, std::uint32_t old_path_len, std::uint32_t new_fd, std::uint32_t new_path, std::uint32_t new_path_len) {
  return guarded(env, "path_link", [&](const host_call& call) -> std::uint32_t {
    WASIO_GUEST_PATH(from, old_path, old_path_len);
    WASIO_GUEST_PATH(to, new_path, new_path_len);
    return to_wasi(call.core().path_link(old_fd, old_flags, from, new_fd, to));
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_path_open(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t dirflags, std::uint32_t path, std::uint32_t path_len, std::uint32_t oflags, std::uint64_t rights_base, std::uint64_t rights_inheriting, std::uint32_t fdflags, std::uint32_t opened_fd) {
  return guarded(env, "path_open", [&](const host_call& call) -> std::uint32_t {
    if (oflags > 0xffff || fdflags > 0xffff)
      return call.reject(errc::inval, "oflags 0x%" PRIx32 " fdflags 0x%" PRIx32 " wider than 16 bits", oflags, fdflags);
    WASIO_GUEST_PATH(name, path, path_len);
    // Checked before the open: a file opened for a result that cannot be stored would leak.
    if (!output_fits(call, opened_fd, 4)) return call.reject(errc::fault, "result 0x%" PRIx32 " out of bounds", opened_fd);
    abi::fd opened = 0;
    errc code = call.core().path_open(fd, dirflags, name, static_cast<abi::oflags>(oflags), rights_base,
                                      rights_inheriting, static_cast<abi::fdflags>(fdflags), opened);
    if (code == errc::success) (void)call.memory().store<std::uint32_t>(opened_fd, opened);
    return to_wasi(code);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_path_readlink(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t path, std::uint32_t path_len, std::uint32_t buf, std::uint32_t buf_len, std::uint32_t bufused) {
  return guarded(env, "path_readlink", [&](const host_call& call) -> std::uint32_t {
    WASIO_GUEST_PATH(name, path, path_len);
    auto out = call.memory().bytes(buf, buf_len);
    if (!out) return call.reject(errc::fault, "buffer 0x%" PRIx32 " + %" PRIu32 " out of bounds", buf, buf_len);
    if (!output_fits(call, bufused, 4)) return call.reject(errc::fault, "result 0x%" PRIx32 " out of bounds", bufused);
    std::size_t used = 0;
    errc code = call.core().path_readlink(fd, name, *out, used);
    if (code == errc::success) (void)call.memory().store(bufused, static_cast<std::uint32_t>(used));
    return to_wasi(code);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_path_remove_directory(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t path, std::uint32_t path_len) {
  return guarded(env, "path_remove_directory", [&](const host_call& call) -> std::uint32_t {
    WASIO_GUEST_PATH(name, path, path_len);
    return to_wasi(call.core().path_remove_directory(fd, name));
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_path_rename(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t old_path, std::uint32_t old_path_len, std::uint32_t new_fd, std::uint32_t new_path, std::uint32_t new_path_len) {
  return guarded(env, "path_rename", [&](const host_call& call) -> std::uint32_t {
    WASIO_GUEST_PATH(from, old_path, old_path_len);
    WASIO_GUEST_PATH(to, new_path, new_path_len);
    return to_wasi(call.core().path_rename(fd, from, new_fd, to));
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_path_symlink(wasio_wasi_env* env, std::uint32_t old_path, std::uint32_t old_path_len, std::uint32_t fd, std::uint32_t new_path, std::uint32_t new_path_len) {
  return guarded(env, "path_symlink", [&](const host_call& call) -> std::uint32_t {
    WASIO_GUEST_PATH(target, old_path, old_path_len);
    WASIO_GUEST_PATH(name, new_path, new_path_len);
    return to_wasi(call.core().path_symlink(target, fd, name));
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_path_unlink_file(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t path, std::uint32_t path_len) {
  return guarded(env, "path_unlink_file", [&](const host_call& call) -> std::uint32_t {
    WASIO_GUEST_PATH(name, path, path_len);
    return to_wasi(call.core().path_unlink_file(fd, name));
  });
}

#undef WASIO_GUEST_PATH

std::uint32_t Z_wasi_snapshot_preview1Z_poll_oneoff(wasio_wasi_env* env, std::uint32_t in, std::uint32_t out, std::uint32_t nsubscriptions, std::uint32_t nevents) {
  return guarded(env, "poll_oneoff", [&](const host_call& call) -> std::uint32_t {
    const guest_memory& memory = call.memory();
    // Every range is checked before a single subscription is decoded or an allocation is made.
    if (!memory.contains_array(in, nsubscriptions, abi::subscription_size))
      return call.reject(errc::fault, "subscriptions 0x%" PRIx32 " x %" PRIu32 " out of bounds", in, nsubscriptions);
    if (!memory.contains_array(out, nsubscriptions, abi::event_size))
      return call.reject(errc::fault, "events 0x%" PRIx32 " x %" PRIu32 " out of bounds", out, nsubscriptions);
    if (!output_fits(call, nevents, 4)) return call.reject(errc::fault, "result 0x%" PRIx32 " out of bounds", nevents);
    if (nsubscriptions > call.core().max_poll_subscriptions())
      return call.reject(errc::inval, "%" PRIu32 " subscriptions, limit %zu", nsubscriptions,
                         call.core().max_poll_subscriptions());
    auto& subscriptions = scratch<abi::subscription, 100>(nsubscriptions);
    subscriptions.resize(nsubscriptions);
    if (nsubscriptions > 0)
      std::memcpy(subscriptions.data(), memory.bytes(in, std::uint64_t{nsubscriptions} * abi::subscription_size)->data(),
                  subscriptions.size() * sizeof(abi::subscription));
    auto& events = scratch<abi::event, 101>(nsubscriptions);
    events.resize(nsubscriptions);
    std::uint32_t count = 0;
    errc code = call.core().poll_oneoff(subscriptions, events, count);
    if (code != errc::success) return to_wasi(code);
    if (count > nsubscriptions) count = nsubscriptions;  // a core bug must not write past `out`
    if (count > 0) std::memcpy(memory.bytes(out, std::uint64_t{count} * abi::event_size)->data(), events.data(), count * sizeof(abi::event));
    (void)memory.store<std::uint32_t>(nevents, count);
    return to_wasi(errc::success);
  });
}

void Z_wasi_snapshot_preview1Z_proc_exit(wasio_wasi_env* env, std::uint32_t code) {
  // Lifetime: guarded's frame is gone before leave_guest unwinds past this one. The code is kept
  // even when the core could not trace it (out of memory is then reported as nomem and ignored).
  (void)guarded(env, "proc_exit", [&](const host_call& call) -> std::uint32_t {
    env->exited = true;
    env->exit_code = code;
    call.core().proc_exit(code);
    return to_wasi(errc::success);
  });
  if (env->leave_guest != nullptr) env->leave_guest(env->leave_context);
}

std::uint32_t Z_wasi_snapshot_preview1Z_proc_raise(wasio_wasi_env* env, std::uint32_t sig) {
  return guarded(env, "proc_raise", [&](const host_call& call) -> std::uint32_t {
    return call.reject(errc::notsup, "signal %" PRIu32 ": no signals in this host", sig);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_sched_yield(wasio_wasi_env* env) {
  return guarded(env, "sched_yield", [&](const host_call& call) -> std::uint32_t {
    return to_wasi(call.core().sched_yield());
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_random_get(wasio_wasi_env* env, std::uint32_t buf, std::uint32_t buf_len) {
  return guarded(env, "random_get", [&](const host_call& call) -> std::uint32_t {
    auto out = call.memory().bytes(buf, buf_len);
    if (!out) return call.reject(errc::fault, "buffer 0x%" PRIx32 " + %" PRIu32 " out of bounds", buf, buf_len);
    return to_wasi(call.core().random_get(*out));
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_sock_accept(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t flags, std::uint32_t accepted_fd) {
  return guarded(env, "sock_accept", [&](const host_call& call) -> std::uint32_t {
    if (flags > 0xffff) return call.reject(errc::inval, "fdflags 0x%" PRIx32 " wider than 16 bits", flags);
    if (!output_fits(call, accepted_fd, 4)) return call.reject(errc::fault, "result 0x%" PRIx32 " out of bounds", accepted_fd);
    abi::fd accepted = 0;
    errc code = call.core().sock_accept(fd, static_cast<abi::fdflags>(flags), accepted);
    if (code == errc::success) (void)call.memory().store<std::uint32_t>(accepted_fd, accepted);
    return to_wasi(code);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_sock_recv(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t ri_data, std::uint32_t ri_data_len, std::uint32_t ri_flags, std::uint32_t ro_datalen, std::uint32_t ro_flags) {
  return guarded(env, "sock_recv", [&](const host_call& call) -> std::uint32_t {
    if (ri_flags > 0xffff) return call.reject(errc::inval, "riflags 0x%" PRIx32 " wider than 16 bits", ri_flags);
    auto& buffers = scratch<host_iovec, 5>(ri_data_len);
    if (std::uint32_t code = decode_iovecs(call, ri_data, ri_data_len, buffers)) return code;
    if (!output_fits(call, ro_datalen, 4) || !output_fits(call, ro_flags, 2))
      return call.reject(errc::fault, "results 0x%" PRIx32 " / 0x%" PRIx32 " out of bounds", ro_datalen, ro_flags);
    std::size_t received = 0;
    abi::roflags out_flags = 0;
    errc code = call.core().sock_recv(fd, buffers, static_cast<abi::riflags>(ri_flags), received, out_flags);
    if (code == errc::success) {
      (void)call.memory().store<std::uint32_t>(ro_datalen, static_cast<std::uint32_t>(received));
      (void)call.memory().store<std::uint16_t>(ro_flags, out_flags);
    }
    return to_wasi(code);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_sock_send(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t si_data, std::uint32_t si_data_len, std::uint32_t si_flags, std::uint32_t so_datalen) {
  return guarded(env, "sock_send", [&](const host_call& call) -> std::uint32_t {
    if (si_flags > 0xffff) return call.reject(errc::inval, "siflags 0x%" PRIx32 " wider than 16 bits", si_flags);
    auto& buffers = scratch<host_ciovec, 6>(si_data_len);
    if (std::uint32_t code = decode_iovecs(call, si_data, si_data_len, buffers)) return code;
    if (!output_fits(call, so_datalen, 4)) return call.reject(errc::fault, "result 0x%" PRIx32 " out of bounds", so_datalen);
    std::size_t sent = 0;
    errc code = call.core().sock_send(fd, buffers, static_cast<abi::siflags>(si_flags), sent);
    if (code == errc::success) (void)call.memory().store<std::uint32_t>(so_datalen, static_cast<std::uint32_t>(sent));
    return to_wasi(code);
  });
}

std::uint32_t Z_wasi_snapshot_preview1Z_sock_shutdown(wasio_wasi_env* env, std::uint32_t fd, std::uint32_t how) {
  return guarded(env, "sock_shutdown", [&](const host_call& call) -> std::uint32_t {
    if (how > 0xff) return call.reject(errc::inval, "sdflags 0x%" PRIx32 " wider than 8 bits", how);
    return to_wasi(call.core().sock_shutdown(fd, static_cast<abi::sdflags>(how)));
  });
}

}  // extern "C"

namespace wasio::testbed::wasm2c {
namespace {
template <class F>
void (*erase(F* f))() { return reinterpret_cast<void (*)()>(f); }

#define WASIO_IMPORT(name, params, results) \
  import_signature{#name, params, results, erase(&Z_wasi_snapshot_preview1Z_##name)}
const import_signature signatures[] = {
    WASIO_IMPORT(args_get, "ii", "i"),
    WASIO_IMPORT(args_sizes_get, "ii", "i"),
    WASIO_IMPORT(environ_get, "ii", "i"),
    WASIO_IMPORT(environ_sizes_get, "ii", "i"),
    WASIO_IMPORT(clock_res_get, "ii", "i"),
    WASIO_IMPORT(clock_time_get, "iIi", "i"),
    WASIO_IMPORT(fd_advise, "iIIi", "i"),
    WASIO_IMPORT(fd_allocate, "iII", "i"),
    WASIO_IMPORT(fd_close, "i", "i"),
    WASIO_IMPORT(fd_datasync, "i", "i"),
    WASIO_IMPORT(fd_fdstat_get, "ii", "i"),
    WASIO_IMPORT(fd_fdstat_set_flags, "ii", "i"),
    WASIO_IMPORT(fd_fdstat_set_rights, "iII", "i"),
    WASIO_IMPORT(fd_filestat_get, "ii", "i"),
    WASIO_IMPORT(fd_filestat_set_size, "iI", "i"),
    WASIO_IMPORT(fd_filestat_set_times, "iIIi", "i"),
    WASIO_IMPORT(fd_pread, "iiiIi", "i"),
    WASIO_IMPORT(fd_prestat_get, "ii", "i"),
    WASIO_IMPORT(fd_prestat_dir_name, "iii", "i"),
    WASIO_IMPORT(fd_pwrite, "iiiIi", "i"),
    WASIO_IMPORT(fd_read, "iiii", "i"),
    WASIO_IMPORT(fd_readdir, "iiiIi", "i"),
    WASIO_IMPORT(fd_renumber, "ii", "i"),
    WASIO_IMPORT(fd_seek, "iIii", "i"),
    WASIO_IMPORT(fd_sync, "i", "i"),
    WASIO_IMPORT(fd_tell, "ii", "i"),
    WASIO_IMPORT(fd_write, "iiii", "i"),
    WASIO_IMPORT(path_create_directory, "iii", "i"),
    WASIO_IMPORT(path_filestat_get, "iiiii", "i"),
    WASIO_IMPORT(path_filestat_set_times, "iiiiIIi", "i"),
    WASIO_IMPORT(path_link, "iiiiiii", "i"),
    WASIO_IMPORT(path_open, "iiiiiIIii", "i"),
    WASIO_IMPORT(path_readlink, "iiiiii", "i"),
    WASIO_IMPORT(path_remove_directory, "iii", "i"),
    WASIO_IMPORT(path_rename, "iiiiii", "i"),
    WASIO_IMPORT(path_symlink, "iiiii", "i"),
    WASIO_IMPORT(path_unlink_file, "iii", "i"),
    WASIO_IMPORT(poll_oneoff, "iiii", "i"),
    WASIO_IMPORT(proc_exit, "i", ""),
    WASIO_IMPORT(proc_raise, "i", "i"),
    WASIO_IMPORT(sched_yield, "", "i"),
    WASIO_IMPORT(random_get, "ii", "i"),
    WASIO_IMPORT(sock_accept, "iii", "i"),
    WASIO_IMPORT(sock_recv, "iiiiii", "i"),
    WASIO_IMPORT(sock_send, "iiiii", "i"),
    WASIO_IMPORT(sock_shutdown, "ii", "i"),
};
#undef WASIO_IMPORT
}  // namespace

std::span<const import_signature> preview1_imports() { return signatures; }

const import_signature* find_preview1_import(std::string_view name) {
  for (const import_signature& s : signatures)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace wasio::testbed::wasm2c
