#pragma once
/// wasio::testbed::host: the WASI preview1 host-call semantics of one guest, in host types.
///
/// Front-ends (host-testbed/native for natively linked guests, host-testbed/wasm2c for real
/// modules) bounds-check and decode guest arguments, call these methods, and encode results only
/// on success. Nothing here knows how the guest is linked.
///
/// Threads: one guest thread calls everything, except wake(), which any thread may call.
/// Errors: every call returns the errno the selected profile's host would give (errc::success = 0).
/// Notes: fd numbers are never reused (a monotonic counter), like wasmtime's legacy host.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wasio/errc.hpp"
#include "wasio/result.hpp"
#include "wasio/sys/abi.hpp"
#include "wasio/testbed/profile.hpp"

namespace wasio::testbed {

/// "ADDR:PORT" or "[V6ADDR]:PORT" as given to --tcplisten.
struct listen_spec {
  std::string address;
  std::uint16_t port = 0;
};
/// Parses a --tcplisten argument. Errors: inval (malformed address or port).
result<listen_spec> parse_listen_spec(std::string_view text);

struct host_config {
  profile semantics = profile::strict;
  std::vector<std::string> args;  // args[0] is the program name the guest sees
  std::vector<std::string> env;   // "NAME=VALUE"
  std::vector<listen_spec> listeners;  // pre-opened as fd 3, 4, ... in this order
  /// Log every host call with its arguments and errno here (nullptr: no trace).
  std::FILE* trace = nullptr;
  /// Host descriptors behind guest fds 0, 1, 2 (tests point them at pipes or files).
  int stdin_fd = 0, stdout_fd = 1, stderr_fd = 2;
  /// Open guest fds beyond this give errc::mfile from sock_accept.
  std::size_t max_open_fds = 16384;
};

/// A guest buffer translated to host memory by a front-end.
struct host_iovec {
  std::byte* data;
  std::size_t size;
};
struct host_ciovec {
  const std::byte* data;
  std::size_t size;
};

struct bound_listener {
  abi::fd fd;
  std::string address;  // numeric, as bound
  std::uint16_t port;   // the real port, also when 0 was asked
};

/// The preview1 functions a host must export, in witx order. A module importing anything from
/// wasi_snapshot_preview1 outside this list is refused before it runs.
std::span<const std::string_view> preview1_function_names();

class host {
 public:
  /// Binds and listens on every configured listener. Errors: addrinuse, addrnotavail, inval, acces.
  static result<std::unique_ptr<host>> create(host_config config);
  ~host();
  host(const host&) = delete;
  host& operator=(const host&) = delete;

  profile semantics() const;
  const std::vector<bound_listener>& listeners() const;
  const std::vector<std::string>& args() const;
  const std::vector<std::string>& env() const;
  /// Number of guest fds open now, stdio included (tests check nothing leaks).
  std::size_t open_fd_count() const;

  // --- Events and sockets.
  /// `out` has room for in.size() events. Never spins: a blocked call costs no CPU.
  errc poll_oneoff(std::span<const abi::subscription> in, std::span<abi::event> out, std::uint32_t& nevents);
  errc sock_accept(abi::fd listener, abi::fdflags flags, abi::fd& accepted);
  errc sock_recv(abi::fd fd, std::span<const host_iovec> buffers, abi::riflags flags, std::size_t& received,
                 abi::roflags& out_flags);
  errc sock_send(abi::fd fd, std::span<const host_ciovec> buffers, abi::siflags flags, std::size_t& sent);
  errc sock_shutdown(abi::fd fd, abi::sdflags how);

  // --- Descriptors.
  errc fd_read(abi::fd fd, std::span<const host_iovec> buffers, std::size_t& read);
  errc fd_write(abi::fd fd, std::span<const host_ciovec> buffers, std::size_t& written);
  errc fd_close(abi::fd fd);
  errc fd_fdstat_get(abi::fd fd, abi::fdstat& out);
  errc fd_fdstat_set_flags(abi::fd fd, abi::fdflags flags);
  /// No directories are pre-opened: badf for every fd (wasi-libc's preopen scan stops there).
  errc fd_prestat_get(abi::fd fd, abi::prestat& out);
  errc fd_prestat_dir_name(abi::fd fd, std::span<std::byte> out);
  /// Every preview1 fd call this host has no resource for (fd_seek, fd_tell, fd_pread, fd_sync, ...,
  /// and the path_* calls): the errno a host without that resource gives for `fd` (badf for an fd
  /// that is not open, spipe for seeks on sockets and stdio, notdir/badf for path calls, ...).
  errc fd_unsupported(std::string_view function, abi::fd fd);

  // --- Everything else.
  errc clock_time_get(abi::clockid clock, abi::timestamp precision, abi::timestamp& now);
  errc clock_res_get(abi::clockid clock, abi::timestamp& resolution);
  errc random_get(std::span<std::byte> out);
  errc sched_yield();
  /// Flushes and records the exit code; the front-end then leaves the guest.
  void proc_exit(std::uint32_t code);
  /// The code the guest passed to proc_exit, or nullopt while it has not exited.
  std::optional<std::uint32_t> exit_code() const;
  /// Makes a poll_oneoff blocked now (or the next one, if none is blocked) return early with
  /// success and whatever events are ready, possibly none. Any thread; wakes coalesce.
  void wake();

  /// Trace helpers for front-ends (no-ops when tracing is off).
  bool tracing() const;
  void trace_line(std::string_view line);

 private:
  struct impl;
  explicit host(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

}  // namespace wasio::testbed
