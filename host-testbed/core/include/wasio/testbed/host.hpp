#pragma once
/// wasio::testbed::host: the WASI preview1 host-call semantics of one guest, in host types.
///
/// Front-ends (host-testbed/native for natively linked guests, host-testbed/wasm2c for real
/// modules) bounds-check and decode guest arguments, call these methods, and encode results only
/// on success. Nothing here knows how the guest is linked.
///
/// Threads: one guest thread calls everything, except wake(), which any thread may call.
/// Errors: every call returns the errno the selected profile's host would give (errc::success = 0).
/// Notes: fd numbers are not reused (a monotonic counter), like wasmtime's legacy host, until the
/// 32-bit counter wraps: it then restarts after stdio (3) and skips every number still open, so a
/// new fd never replaces a live one.

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
#include "wasio/sys/fs_abi.hpp"
#include "wasio/testbed/faults.hpp"
#include "wasio/testbed/connection_observer.hpp"
#include "wasio/testbed/profile.hpp"
#include "wasio/testbed/tls.hpp"

namespace wasio::testbed {

/// "[NAME=]ADDR:PORT" or "[NAME=][V6ADDR]:PORT" as given to --tcplisten, or a listening socket the
/// process inherited (systemd socket activation, socket_activation.hpp).
struct listen_spec {
  std::string address;
  std::uint16_t port = 0;
  /// A TLS listener (--tlslisten): the host runs the handshake, the guest reads and writes plaintext.
  bool tls = false;
  /// What the guest's tcp_listener::name() gives (announced by listener_name_variables); "" for none.
  std::string name{};
  /// >= 0: adopt this already listening TCP socket instead of binding address:port; host::create
  /// takes it over when it reaches this listener (and closes it if adopting fails). address and
  /// port then only describe it.
  int inherited_fd = -1;
};
/// Parses a --tcplisten argument: an optional NAME= (a valid listener name, see
/// valid_listener_name), then the address. Errors: inval (malformed name, address or port).
result<listen_spec> parse_listen_spec(std::string_view text);
/// systemd's rule for FileDescriptorName= (fdname_is_valid): 1 to 255 printable ASCII characters,
/// no ':' (the separator of LISTEN_FDNAMES and FD_NAMES).
bool valid_listener_name(std::string_view name);

/// A host directory pre-opened for the guest: `--dir HOST[::GUEST]` (GUEST defaults to HOST).
/// A read-only one (`--dir-ro`) is pre-opened without any right that changes the filesystem and
/// every file under it is opened read-only by the host (docs/filesystem.md).
struct preopen_spec {
  std::string host_path;
  std::string guest_path;
  bool read_only = false;
};
/// Parses `HOST[::GUEST]`. Errors: inval (empty HOST or empty GUEST after "::").
result<preopen_spec> parse_dir_spec(std::string_view text, bool read_only = false);

/// Which path resolver the filesystem uses (tests force the fallback to cover it on any kernel).
enum class path_resolver : std::uint8_t {
  /// openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) where the kernel has it, else `manual`.
  automatic,
  /// A component-by-component walk with openat(O_NOFOLLOW), symlinks expanded by the host.
  manual,
};

struct host_config {
  profile semantics = profile::strict;
  std::vector<std::string> args;  // args[0] is the program name the guest sees
  std::vector<std::string> env;   // "NAME=VALUE"
  /// Pre-opened directories: fd 3, 4, ... in this order, BEFORE the listeners (wasi-libc's
  /// pre-open scan stops at the first fd that is not a directory).
  std::vector<preopen_spec> preopens;
  std::vector<listen_spec> listeners;  // pre-opened after the directories, in this order
  path_resolver resolver = path_resolver::automatic;
  /// Certificate and key of every listener with listen_spec::tls (required when there is one).
  std::shared_ptr<const tls_context> tls;
  tls_limits tls_bounds;
  /// Where the TLS stats line goes (`wasio-tls: ...`, at most every tls_bounds.stats_interval while
  /// counters change, and once when the host ends); nullptr: nowhere.
  std::FILE* tls_log = nullptr;
  /// Log every host call with its arguments and errno here (nullptr: no trace).
  std::FILE* trace = nullptr;
  /// Told about every connection the guest accepts and closes, with its peer address and byte
  /// counts (wasio-run --connection-log); nullptr: nobody. Never visible to the guest.
  std::shared_ptr<connection_observer> connections;
  /// Host descriptors behind guest fds 0, 1, 2 (tests point them at pipes or files).
  int stdin_fd = 0, stdout_fd = 1, stderr_fd = 2;
  /// Open guest fds beyond this give errc::mfile from sock_accept and adopt_stream.
  std::size_t max_open_fds = 16384;
  /// poll_oneoff with more subscriptions than this fails with errc::inval, checked before anything
  /// is allocated (the wasm2c front-end checks it before copying the subscriptions out of the guest).
  /// Notes: real hosts allocate per call too (wasmtime and uvwasi build a vector of n entries), so
  /// without a cap a guest with 4 GiB of cheap memory makes the host allocate gigabytes. 65536 is far
  /// above any event loop's set (one read and one write per socket, plus a timer).
  std::size_t max_poll_subscriptions = 65536;
  /// Testing aid: the fd number the first accepted or adopted socket gets (0: right after the
  /// listeners, as wasmtime numbers them). Tests set it near UINT32_MAX to reach the counter's
  /// wrap-around without 2^32 accepts; nothing else needs it.
  abi::fd first_dynamic_fd = 0;
  /// Faults injected on purpose (faults.hpp); off by default.
  fault_config faults;
};

/// A guest buffer translated to host memory by a front-end.
/// Notes: one call moves at most UINT32_MAX bytes (WASI reports sizes as u32); a longer list of
/// buffers is cut there and the call reports a short transfer.
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
  bool tls = false;
  std::string name{};      // listen_spec::name
  bool inherited = false;  // adopted from listen_spec::inherited_fd (socket activation)
};

struct bound_directory {
  abi::fd fd;
  std::string host_path;   // as configured
  std::string guest_path;  // what fd_prestat_dir_name gives
  bool read_only;
};

/// The preview1 functions a host must export, in witx order. A module importing anything from
/// wasi_snapshot_preview1 outside this list is refused before it runs.
std::span<const std::string_view> preview1_function_names();

/// After host::create failed: the first listener of `config` that cannot be opened by itself, as
/// "ADDR:PORT (REASON)", or "" when each opens alone (the failure was elsewhere). Binds and closes
/// each one once; for messages only.
std::string first_failing_listener(const host_config& config);

class host {
 public:
  /// Binds and listens on every configured listener. Errors: addrinuse, addrnotavail, inval (also a
  /// TLS listener without host_config::tls), acces.
  static result<std::unique_ptr<host>> create(host_config config);
  ~host();
  host(const host&) = delete;
  host& operator=(const host&) = delete;

  profile semantics() const;
  const std::vector<bound_listener>& listeners() const;
  /// The pre-opened directories, in fd order.
  const std::vector<bound_directory>& directories() const;
  /// "openat2" or "manual": the resolver every path call goes through in this host.
  std::string_view resolver_name() const;
  const std::vector<std::string>& args() const;
  const std::vector<std::string>& env() const;
  /// Number of guest fds open now, stdio included (tests check nothing leaks).
  std::size_t open_fd_count() const;
  /// What the TLS listeners saw so far (all zero without TLS listeners).
  tls_counters tls_stats() const;
  /// The faults injected so far (all zero unless host_config::faults is enabled).
  fault_counts fault_stats() const;
  /// host_config::max_poll_subscriptions, for front-ends that must refuse before they allocate.
  std::size_t max_poll_subscriptions() const;
  /// Hands the guest a connected stream socket the embedder made (e.g. one end of socketpair(2)
  /// for wasio-run --waker) as the next guest fd, a socket_stream, non-blocking for the guest. The
  /// host owns `native_fd` from then on, even when this fails (it is closed). Guest thread only, or
  /// before the guest runs.
  /// Errors: notsock (not a socket), inval (not a stream socket), badf (not an open descriptor),
  /// mfile (open_fd_count() reached max_open_fds).
  result<abi::fd> adopt_stream(int native_fd);
  /// In the child after fork(2), before anything else touches the host: gives the child its own
  /// epoll and timer descriptors (Asio's notify_fork), so the listeners, inherited by every process,
  /// are watched by each one separately (wasio-run --workers). The parent must not run this host.
  void after_fork_in_child();

  // --- Events and sockets.
  /// `out` has room for in.size() events. Never spins: a blocked call costs no CPU (it sleeps in
  /// epoll_wait until a socket wait completes, the earliest deadline's timer fires, or wake()).
  /// Errors (whole call): inval (no subscriptions, more than max_poll_subscriptions, `out` too
  /// small, an unknown eventtype tag, a clock
  /// id outside 0..3, unknown clock flag bits); wasmtime-legacy also badf (an fd that is not open),
  /// notsup (realtime + ABSTIME) and inval (cputime clocks).
  /// Notes: readiness is cached per socket and direction (Asio async_wait sets it, the guest's own
  /// EAGAIN clears it), so a call costs syscalls only for ready subscriptions.
  ///   strict / uvwasi: events in subscription order, only for ready subscriptions; fd_read nbytes =
  ///   the bytes waiting (0 at EOF), 1 for a listener with a pending connection; fd_write nbytes = free
  ///   send-buffer space (SO_SNDBUF - SIOCOUTQ, at least 1) for sockets, free pipe space for stdio
  ///   pipes, 0 when unknown; HANGUP once the peer closed and the waiting bytes were read; an fd that
  ///   is not open (or a dead stdio descriptor) gets an event with error badf, a write subscription on
  ///   a listener one with notconn; a pending socket error is left for the next recv/send. Relative
  ///   clocks and cputime clocks become monotonic deadlines at the call (a blocked guest burns no CPU,
  ///   so the remaining CPU time is waited as wall time, as uvwasi does); an absolute realtime clock
  ///   is re-checked against realtime.
  ///   wasmtime-legacy: clock events first, then reads, then writes, each in subscription order; if
  ///   any fd is ready every fd subscription gets an event; read nbytes = max(bytes waiting, 1);
  ///   write nbytes = 0; POLLNVAL -> error badf, POLLERR -> error io, POLLHUP -> HANGUP (for a stream
  ///   with bytes waiting these show once the bytes are read: FIONREAD alone confirms it then).
  /// Files and directories: a regular file is always ready, both ways (POSIX and wasmtime), read
  ///   nbytes = bytes from the offset to the end (legacy: at least 1), write nbytes 0; a directory
  ///   gets an event with error badf (wasmtime-legacy: the whole call fails with badf). uvwasi
  ///   answers a regular file with a whole-call perm; the uvwasi profile does not copy that (a
  ///   guest polling a file would fail only there; docs/filesystem.md).
  errc poll_oneoff(std::span<const abi::subscription> in, std::span<abi::event> out, std::uint32_t& nevents);
  /// Errors: again (nothing pending, non-blocking listener), badf (not open, or a stream; in
  /// wasmtime-legacy anything but a listener, stdio included), notsock (stdio), mfile (open_fd_count() reached max_open_fds: the connection stays pending; also a host
  /// EMFILE), nfile, connaborted, nomem/nospc (the host could not watch the accepted connection:
  /// it was accepted and closed, so the peer sees it end; the trace says so); flags: strict inval for anything but 0/NONBLOCK (nothing accepted),
  /// wasmtime-legacy inval after accepting and dropping the connection, uvwasi notsup unless NONBLOCK.
  /// Notes: flags 0 makes the new socket blocking for the guest (its calls wait in the io_context).
  errc sock_accept(abi::fd listener, abi::fdflags flags, abi::fd& accepted);
  /// Errors: again, connreset, badf, notsock (stdio), notconn (a listener), inval (unknown riflags
  /// bits), uvwasi notsup (any flag). wasmtime-legacy: badf for stdio and listeners too (derived
  /// from its sock_accept row, HOST-SEMANTICS.md section 3: an fd without the operation is badf).
  /// Notes: roflags is always 0. WAITALL loops until the buffers are full; at EOF (or an error after
  /// some bytes) it returns what arrived, without an error; such an error (a peer reset) is kept in
  /// the fd and returned by its next recv, send, fd_read or fd_write (poll reports the fd ready
  /// meanwhile), so a reset is never mistaken for an orderly end of stream. PEEK with WAITALL peeks once.
  /// wasmtime-legacy fills only the first non-empty buffer. uvwasi gives again for a 0-byte read, so
  /// EOF is not visible through its sock_recv (fd_read still returns 0).
  errc sock_recv(abi::fd fd, std::span<const host_iovec> buffers, abi::riflags flags, std::size_t& received,
                 abi::roflags& out_flags);
  /// Errors: again, pipe, connreset, badf, notsock, notconn (a listener; wasmtime-legacy badf for
  /// stdio and listeners, as sock_recv); siflags != 0: inval
  /// (strict, uvwasi), ignored (wasmtime-legacy). Never raises SIGPIPE. A blocking socket sends all;
  /// an error after some bytes went out is a short send, and the error comes with the next call.
  errc sock_send(abi::fd fd, std::span<const host_ciovec> buffers, abi::siflags flags, std::size_t& sent);
  /// Errors: badf, notsock, notconn (a listener: Linux would stop it listening), inval (0 or bits
  /// above RD|WR; strict and wasmtime-legacy), uvwasi notsup for anything but WR. wasmtime-legacy:
  /// badf for stdio and listeners (checked before the flags), as sock_recv.
  errc sock_shutdown(abi::fd fd, abi::sdflags how);

  // --- Descriptors.
  /// On sockets like sock_recv without flags (wasmtime-legacy: first non-empty buffer only, also on
  /// stdin). Errors: badf, notconn (a listener), again, connreset, and the host's read errors.
  errc fd_read(abi::fd fd, std::span<const host_iovec> buffers, std::size_t& read);
  /// Stdio: write(2) until every byte is out (EAGAIN waits in poll(2)). Errors: badf, pipe (no reader;
  /// no SIGPIPE), nospc, io (also a descriptor whose write takes 0 of a non-empty buffer). Bytes written before an error are reported as a short write and the
  /// error comes with the next call, so nothing is lost silently. On sockets like sock_send.
  errc fd_write(abi::fd fd, std::span<const host_ciovec> buffers, std::size_t& written);
  /// Errors: badf. Closing stdio only forgets the guest fd: the host descriptor stays open.
  errc fd_close(abi::fd fd);
  /// Sockets: filetype socket_stream, NONBLOCK as the guest set it; rights: wasmtime-legacy 0x42 and
  /// inheriting 0, otherwise the real ones (read, write, set_flags, poll, shutdown; accept for a
  /// listener). Stdio: the host descriptor's type (pipes are unknown) and flags. Errors: badf.
  errc fd_fdstat_get(abi::fd fd, abi::fdstat& out);
  /// Sockets: 0 or NONBLOCK, else inval. Stdio belongs to the host process: its current flags
  /// succeed, other known flags give notsup, unknown bits inval. Errors: badf.
  errc fd_fdstat_set_flags(abi::fd fd, abi::fdflags flags);
  /// A pre-opened directory: tag 0 (dir) and the length of its guest name. Errors: badf (any other
  /// fd: wasi-libc's pre-open scan stops at the first one; uvwasi inval for stdio, as uvwasi).
  errc fd_prestat_get(abi::fd fd, abi::prestat& out);
  /// Copies the guest name (no NUL). Errors: badf (not a pre-open), nametoolong (`out` shorter than
  /// the name; uvwasi nobufs, as uvwasi).
  errc fd_prestat_dir_name(abi::fd fd, std::span<std::byte> out);

  // --- Files and directories (filesystem*.cpp). Every path is relative to a directory fd and is
  // resolved by the one sandboxed resolver: it never leaves the pre-opened directory (`..` above
  // it, absolute paths and symlinks pointing outside give notcapable; /proc magic links loop;
  // a NUL byte gives inval; invalid UTF-8 ilseq except under uvwasi; a path of PATH_MAX bytes or
  // more nametoolong). Rights are checked before anything is done: a missing right is notcapable.
  // Calls on stdio and sockets give what host::fd_unsupported() documents.
  /// Errors: badf, spipe (not a file: sockets and stdio), notcapable (no fd_seek/fd_tell right:
  /// directories), inval (whence, or a negative result offset).
  errc fd_seek(abi::fd fd, abi::filedelta offset, abi::whence whence, abi::filesize& new_offset);
  errc fd_tell(abi::fd fd, abi::filesize& offset);
  /// Positional reads and writes (the fd's offset does not move). Errors: badf, notcapable, isdir,
  /// spipe, inval (offset beyond INT64_MAX), and the host's errors (nospc, fbig, io).
  /// Notes: on an fd opened with APPEND, Linux's pwrite appends; wasmtime-legacy and strict keep
  /// that (POSIX says so), see docs/filesystem.md.
  errc fd_pread(abi::fd fd, std::span<const host_iovec> buffers, abi::filesize offset, std::size_t& read);
  errc fd_pwrite(abi::fd fd, std::span<const host_ciovec> buffers, abi::filesize offset, std::size_t& written);
  /// Errors: badf, notcapable (no fd_sync / fd_datasync right), inval (sockets), io.
  errc fd_sync(abi::fd fd);
  errc fd_datasync(abi::fd fd);
  /// Errors: badf, notcapable. Stdio: the host descriptor's stat.
  errc fd_filestat_get(abi::fd fd, abi::filestat& out);
  /// Errors: badf, notcapable, inval (size above INT64_MAX, or not a regular file), fbig.
  errc fd_filestat_set_size(abi::fd fd, abi::filesize size);
  /// Errors: badf, notcapable, inval (a time given both as a value and as _now).
  errc fd_filestat_set_times(abi::fd fd, abi::timestamp atim, abi::timestamp mtim, abi::fstflags flags);
  /// Errors: badf, notcapable, inval (offset + len overflows), nospc, notsup (filesystem).
  errc fd_allocate(abi::fd fd, abi::filesize offset, abi::filesize len);
  /// Errors: badf, notcapable, inval (advice outside 0..5). A hint only.
  errc fd_advise(abi::fd fd, abi::filesize offset, abi::filesize len, abi::advice advice);
  /// Fills `out` with dirents starting at `cookie` ("." and ".." first, as wasmtime does), the last
  /// one cut when it does not fit (used == out.size() means "call again"). Errors: badf,
  /// notcapable, notdir.
  errc fd_readdir(abi::fd fd, std::span<std::byte> out, abi::dircookie cookie, std::size_t& used);
  /// Moves `from` onto `to` (closing what `to` was; stdio is only forgotten), for every kind of fd:
  /// a socket's readiness waits move with it. Errors: badf (either not open).
  errc fd_renumber(abi::fd from, abi::fd to);
  /// Narrows the fd's rights. Errors: badf, notcapable (asks for a right the fd does not have).
  errc fd_fdstat_set_rights(abi::fd fd, abi::rights base, abi::rights inheriting);
  /// Opens `path` beneath `dir`. Errors: badf, notdir (dir not a directory, or O_DIRECTORY on a
  /// file, or a trailing slash on a file), notcapable, noent, exist (CREAT|EXCL), isdir (writing a
  /// directory), loop (a symlink as last component without symlink_follow), inval, mfile.
  errc path_open(abi::fd dir, abi::lookupflags lookup, std::string_view path, abi::oflags oflags,
                 abi::rights base, abi::rights inheriting, abi::fdflags flags, abi::fd& opened);
  /// Errors: as the *at(2) call, after the resolver's (exist, noent, notempty, notdir, isdir, ...).
  errc path_create_directory(abi::fd dir, std::string_view path);
  errc path_remove_directory(abi::fd dir, std::string_view path);
  errc path_unlink_file(abi::fd dir, std::string_view path);
  errc path_rename(abi::fd old_dir, std::string_view old_path, abi::fd new_dir, std::string_view new_path);
  errc path_filestat_get(abi::fd dir, abi::lookupflags lookup, std::string_view path, abi::filestat& out);
  errc path_filestat_set_times(abi::fd dir, abi::lookupflags lookup, std::string_view path, abi::timestamp atim,
                               abi::timestamp mtim, abi::fstflags flags);
  /// Errors: as linkat(2); a symlink_follow lookup flag is honoured (AT_SYMLINK_FOLLOW).
  errc path_link(abi::fd old_dir, abi::lookupflags lookup, std::string_view old_path, abi::fd new_dir,
                 std::string_view new_path);
  /// Creates a symlink whose text is `target`. Errors: as symlinkat(2); notcapable for an absolute
  /// target (such a link could only ever point outside the sandbox).
  errc path_symlink(std::string_view target, abi::fd dir, std::string_view path);
  /// Errors: as readlinkat(2); a link longer than `out` is cut (used == out.size()).
  errc path_readlink(abi::fd dir, std::string_view path, std::span<std::byte> out, std::size_t& used);
  /// Every preview1 fd call this host has no resource for (fd_seek, fd_tell, fd_pread, fd_sync, ...,
  /// and the path_* calls): the errno a host without that resource gives for `fd` (badf for an fd
  /// that is not open, spipe for seeks on sockets and stdio, notdir/badf for path calls, ...).
  /// Table (open fd): fd_advise/seek/tell/pread/pwrite spipe; fd_sync/datasync/filestat_set_size
  /// inval; fd_readdir and path_* notdir; fd_allocate/fdstat_set_rights/filestat_get/
  /// filestat_set_times/renumber and proc_raise notsup; any other name nosys.
  errc fd_unsupported(std::string_view function, abi::fd fd);

  // --- Everything else.
  /// All four clocks through clock_gettime(2). Errors: inval (id outside 0..3).
  errc clock_time_get(abi::clockid clock, abi::timestamp precision, abi::timestamp& now);
  errc clock_res_get(abi::clockid clock, abi::timestamp& resolution);
  /// getrandom(2), looping on short reads. Errors: io.
  errc random_get(std::span<std::byte> out);
  errc sched_yield();
  /// Flushes and records the exit code; the front-end then leaves the guest.
  void proc_exit(std::uint32_t code);
  /// The code the guest passed to proc_exit, or nullopt while it has not exited.
  std::optional<std::uint32_t> exit_code() const;
  /// Makes a poll_oneoff blocked now (or the next one, if none is blocked) return early with
  /// success and whatever events are ready, possibly none. Any thread; wakes coalesce.
  void wake();

  /// Trace helpers for front-ends (no-ops when tracing is off). Every host call above logs
  /// `wasio-trace: NAME(args) -> errno-name`; trace_line adds the prefix unless the line has it.
  bool tracing() const;
  void trace_line(std::string_view line);

 private:
  struct impl;
  friend class filesystem;  // the filesystem part of the core (src/filesystem.hpp)
  explicit host(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

}  // namespace wasio::testbed
