#pragma once
// The state behind wasio::testbed::host, shared by the core's source files (never installed).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "faults.hpp"
#include "fd_table.hpp"
#include "connections.hpp"
#include "wasio/testbed/host.hpp"

namespace wasio::testbed {

namespace asio = boost::asio;

/// Files and directories live in the filesystem part (filesystem.hpp): the table only points there.
enum class fd_kind : std::uint8_t { stdio, listener, stream, file, directory };

struct fs_object;  // filesystem.hpp
struct fs_object_deleter {
  void operator()(fs_object* object) const;  // filesystem.cpp
};
enum class direction : std::uint8_t { read, write };

/// The cached readiness of one direction of one descriptor (the tokio/mio design): `ready` is set by
/// a completed async_wait and cleared only when the guest's own syscall on that fd returns EAGAIN (or a
/// confirming poll(2) finds it stale); whenever it is clear, a wait is armed.
struct readiness {
  bool ready = false;
  bool armed = false;
};

// The TLS part (tls_*.cpp): the socket code only holds pointers to these.
struct tls_connection;
struct tls_listener_state;
struct tls_service;

/// One guest descriptor.
struct open_fd {
  fd_kind kind = fd_kind::stdio;
  abi::fd number = 0;
  /// The host descriptor: the configured stdio fd (not owned), the socket's native handle, or the
  /// file's descriptor (owned by `fs`).
  int host_fd = -1;
  /// What the guest asked for with fdflags; the host socket itself is always non-blocking.
  bool guest_nonblocking = true;
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor;  // kind == listener
  std::unique_ptr<asio::ip::tcp::socket> socket;      // kind == stream, not TLS
  /// A stream behind a TLS listener: its socket and session live here (socket stays null), and
  /// every socket call on it goes to the tls_* functions.
  std::shared_ptr<tls_connection> tls;
  std::shared_ptr<tls_listener_state> tls_listener;  // kind == listener opened with listen_spec::tls
  std::unique_ptr<fs_object, fs_object_deleter> fs;   // kind == file or directory
  /// kind == stdio: an epoll registration of a dup of host_fd, made on first need.
  std::unique_ptr<asio::posix::stream_descriptor> watcher;
  /// epoll refused the stdio descriptor (a regular file, /dev/null): it never blocks.
  bool watcher_unsupported = false;
  readiness read, write;
  /// uvwasi profile: whether epoll takes this stdio descriptor (asked once, on first poll).
  std::optional<bool> uvwasi_pollable;
  /// A stream error the kernel reported once, after some bytes had already moved in the same call
  /// (a reset during a WAITALL read or a blocking send): that call returned its partial count, and
  /// the next recv/send/fd_read/fd_write returns this instead of a 0-byte read that would look like
  /// an orderly end of stream. probe() reports the fd ready while it is set.
  errc pending_error = errc::success;
  /// A stream the embedder made (adopt_stream: the control stream, the waker), not a network
  /// connection: the fault layer leaves it alone, as no network can reset it.
  bool host_channel = false;
  /// An accepted stream while a connection observer is installed (connections.hpp). Lifetime: the
  /// last member, so its destructor's close report still sees the rest of the fd.
  std::unique_ptr<observed_connection> observed;

  readiness& state(direction d) { return d == direction::read ? read : write; }
  bool is_socket() const { return kind == fd_kind::listener || kind == fd_kind::stream; }
  bool is_fs() const { return kind == fd_kind::file || kind == fd_kind::directory; }
};

/// What one probe of a subscription found, before a profile turns it into an event.
struct fd_probe {
  bool ready = false;
  short revents = 0;  // poll(2) bits seen by the confirming syscall
  /// Bytes waiting on a readable stream (FIONREAD), when the probe counted them.
  std::uint64_t readable = 0;
};

/// One fd subscription of a uvwasi-profile poll_oneoff call (uvwasi.cpp).
struct uvwasi_sub {
  enum state_t : std::uint8_t { waiting, fired, duplicate, bad };
  std::size_t index = 0;
  direction dir = direction::read;
  state_t state = waiting;
  short revents = 0;
};

/// A clock subscription decoded to a deadline. Relative clocks and cputime clocks become monotonic
/// deadlines at the start of the call; an absolute realtime clock is re-checked against realtime.
struct clock_deadline {
  std::size_t index = 0;
  bool realtime = false;
  std::uint64_t deadline_ns = 0;
};

struct host::impl {
  explicit impl(host_config c);
  ~impl();

  host_config config;
  std::vector<bound_listener> listeners;
  std::vector<bound_directory> directories;
  bool use_openat2 = false;  // decided once at create (filesystem.cpp)

  // Lifetime: io_ is declared first so it outlives every socket, timer and pending handler below.
  // Concurrency hint UNSAFE_IO: no per-descriptor lock in the reactor (two lock/unlock pairs per
  // readiness wait: arming it and completing it), while the scheduler and reactor-registration
  // locks stay, so wake()'s asio::post from any thread (interrupt_poll, a waker's thread) stays
  // safe, and the scheduler still treats the context as single-threaded (one_thread_, as hint 1).
  // Asio's condition for it: every run of io_ and every operation on its sockets, acceptors,
  // descriptors and timers happen on one thread at a time. They do: every host call that touches
  // one (create, adopt_stream, the syscalls, ~impl) is made by the one thread that owns the host
  // (the guest's; the host is not thread-safe for anything but wake()), handing over only with a
  // happens-before (wasio-run creates the host, then starts the guest thread and joins it; a
  // --workers child gets its copy by fork and calls after_fork_in_child first). The threads the
  // host-testbed starts never touch io_: the control channel's thread and the signal handlers
  // write to raw sockets and pipes (control_channel.cpp, wasio-run's host_wake_channel), the
  // service notifier uses its own datagram socket, and TLS runs its sessions on io_ itself.
  asio::io_context io_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  asio::executor_work_guard<asio::io_context::executor_type> keep_running_;
  asio::steady_timer timer_;
  std::uint64_t timer_generation_ = 0;
  bool timer_pending_ = false;
  std::chrono::steady_clock::time_point timer_deadline_{};

  fd_table<open_fd> fds_;
  abi::fd next_fd_ = 0;
  std::atomic<bool> wake_pending_{false};
  bool last_scan_waited_ = false;  // poll_oneoff's last scan left a subscription waiting (waits armed)
  bool scan_saw_stdio_ = false;    // the last scan met a stdio subscription (arm_for_blocking's work)
  struct subscribed_fd {
    abi::fd fd = 0;
    open_fd* f = nullptr;
  };
  std::vector<subscribed_fd> subscribed_;  // find_subscribed's cache, by subscription index
  std::uint64_t fd_table_version_ = 0;
  std::uint64_t subscribed_version_ = 0;
  std::optional<std::uint32_t> exit_code_;
  std::vector<clock_deadline> clocks_;  // reused by every poll_oneoff call
  std::vector<fd_probe> probes_;        // reused by the wasmtime-legacy scan
  std::vector<uvwasi_sub> uvwasi_subs_;  // reused by the uvwasi poll
  /// The TLS listeners' shared state, when host_config::tls is set. Lifetime: after fds_, so it is
  /// destroyed before the io_context and after ~impl cleared the guest's fds.
  std::shared_ptr<tls_service> tls_;
  /// The fault layer (faults.hpp), when host_config::faults is enabled; nullptr otherwise.
  std::unique_ptr<fault_injector> faults_;

  /// With the fault layer on: rolls for `kind` at `call` on `fd`, and traces a hit (faults.cpp).
  bool inject(fault_kind kind, std::string_view call, abi::fd fd);
  /// Realtime as clock_time_get gives it: the host's, plus the fault layer's clock jumps (which
  /// this read may step).
  std::uint64_t guest_realtime_ns();
  /// The fault layer's realtime offset now (0 without it), for deadlines against realtime.
  std::int64_t realtime_offset_ns() const { return faults_ ? faults_->realtime_offset_ns() : 0; }
  // faults.cpp: the fault layer's points in the socket and poll code (nothing injected without it).
  /// sock_recv / fd_read on a stream: again, intr, reset (an errc to return at once), or a short
  /// read (`shortened` set to the one buffer to fill instead).
  errc receive_fault(open_fd& f, std::span<const host_iovec> buffers, host_iovec& shortened);
  /// sock_send / fd_write on a stream: again, intr, or a short write (`shortened`).
  errc transmit_fault(open_fd& f, std::span<const host_ciovec> buffers, bool nonblocking, host_ciovec& shortened);
  /// sock_accept before the accept: again, intr, mfile.
  errc accept_fault_before(open_fd& listener, bool blocking);
  /// Closes an accepted connection with an RST (accept_aborted).
  static void abort_connection(int connection);
  /// After a poll_oneoff that found events: a delayed event left out, a spurious one added.
  void poll_faults(std::span<const abi::subscription> in, std::span<abi::event> out, std::uint32_t& nevents);

  open_fd* find(abi::fd fd) { return fds_.find(fd); }
  /// find() for subscription `index` of the current poll_oneoff call, through a cache of what each
  /// subscription slot named last time: a guest's subscription array changes little between calls
  /// (wasio's registry keeps it), and with 10,000 idle connections the lookups were most of a
  /// call. Any change to the fd table (fd_table_changed) empties the cache.
  open_fd* find_subscribed(std::size_t index, abi::fd fd) {
    if (subscribed_version_ != fd_table_version_) {
      subscribed_.clear();
      subscribed_version_ = fd_table_version_;
    }
    if (index >= subscribed_.size()) subscribed_.resize(index + 1);
    subscribed_fd& slot = subscribed_[index];
    if (slot.f == nullptr || slot.fd != fd) slot = subscribed_fd{fd, find(fd)};
    return slot.f;
  }
  /// Every insertion, removal or renumbering in fds_ calls this (find_subscribed's cache).
  void fd_table_changed() { ++fd_table_version_; }
  open_fd& add(std::unique_ptr<open_fd> entry);

  // readiness.cpp
  /// Arms an async_wait for `d` unless one is outstanding (sockets and stdio watchers). Inline:
  /// every poll_oneoff scan calls it for each waiting subscription, nearly always already armed.
  void arm(open_fd& f, direction d) {
    if (!f.state(d).armed) arm_wait(f, d);
  }
  void arm_wait(open_fd& f, direction d);
  /// The guest's own syscall returned EAGAIN: forget the readiness and wait again at once, before
  /// the io_context runs again, so no edge of Asio's edge-triggered epoll is lost.
  void on_would_block(open_fd& f, direction d);
  /// Guest-visible blocking: runs the io_context until `d` is ready. Costs no CPU while waiting.
  void wait_until_ready(open_fd& f, direction d);
  /// Cache first, then one syscall for a cached-ready fd: FIONREAD for a stream's read side (bytes
  /// waiting confirm readiness), else a zero-timeout poll(2). Stale: clear and re-arm.
  /// `cache_said_not_ready` is set when the cache alone answered "not ready".
  fd_probe probe(open_fd& f, direction d, bool& cache_said_not_ready);
  void wake();

  // poll_oneoff.cpp
  errc poll_oneoff(std::span<const abi::subscription> in, std::span<abi::event> out, std::uint32_t& nevents);
  /// Writes the events of everything ready now; `waiting` tells whether any fd subscription's cache
  /// said "not ready" (only then can a reactor turn add events).
  std::size_t scan(std::span<const abi::subscription> in, std::span<abi::event> out, bool& waiting);
  std::size_t scan_in_order(std::span<const abi::subscription> in, std::span<abi::event> out, bool& waiting);
  std::size_t scan_wasmtime_legacy(std::span<const abi::subscription> in, std::span<abi::event> out,
                                   bool& waiting);
  void arm_for_blocking(std::span<const abi::subscription> in);
  void arm_timer();
  /// Arms the one timer for a monotonic deadline (a no-op when it is armed for that deadline).
  void arm_timer_at(std::uint64_t deadline_ns);

  // uvwasi.cpp: the uvwasi profile's own rows.
  errc poll_uvwasi(std::span<const abi::subscription> in, std::span<abi::event> out, std::uint32_t& nevents);
  bool uvwasi_pollable(open_fd& f);
  void uvwasi_stdio_fdstat(open_fd& f, abi::fdstat& out);
  errc uvwasi_stdio_set_flags(open_fd& f, abi::fdflags flags);
  errc uvwasi_path_on_stdio(std::string_view function, open_fd& f);

  // sockets.cpp
  errc sock_accept(abi::fd listener, abi::fdflags flags, abi::fd& accepted);
  errc sock_recv(abi::fd fd, std::span<const host_iovec> buffers, abi::riflags flags, std::size_t& received,
                 abi::roflags& out_flags);
  errc sock_send(abi::fd fd, std::span<const host_ciovec> buffers, abi::siflags flags, std::size_t& sent);
  errc sock_shutdown(abi::fd fd, abi::sdflags how);
  errc receive(open_fd& f, std::span<const host_iovec> buffers, bool first_only, int flags, bool wait_all,
               std::size_t& received);
  /// may_block = false: never waits, even on a blocking guest socket (uvwasi's uv_try_write).
  errc transmit(open_fd& f, std::span<const host_ciovec> buffers, std::size_t& sent, bool may_block = true);

  // stdio.cpp
  errc stdio_read(open_fd& f, std::span<const host_iovec> buffers, std::size_t& read);
  errc stdio_write(open_fd& f, std::span<const host_ciovec> buffers, std::size_t& written);

  // descriptors.cpp
  errc fd_read(abi::fd fd, std::span<const host_iovec> buffers, std::size_t& read);
  errc fd_write(abi::fd fd, std::span<const host_ciovec> buffers, std::size_t& written);
  errc fd_close(abi::fd fd);
  errc fd_fdstat_get(abi::fd fd, abi::fdstat& out);
  errc fd_fdstat_set_flags(abi::fd fd, abi::fdflags flags);
  errc fd_unsupported(std::string_view function, abi::fd fd);

  // trace.cpp / trace.hpp
  bool tracing() const { return config.trace != nullptr; }
  void trace_line(std::string_view line);
  /// Logs one call: trace_call("sock_accept", result, "fd=", fd, ", flags=", flags).
  template <class... Parts>
  void trace_call(std::string_view function, errc result, const Parts&... args);

  // connections.cpp: tells host_config::connections about a stream the guest just accepted.
  void observe_accept(const open_fd& listener, open_fd& stream);

  // host.cpp
  result<void> open_listener(const listen_spec& spec);

  // tls_streams.cpp: the TLS listeners and streams (docs/tls.md). Called by the socket code once
  // it has checked the fd kind and the profile's flag rules.
  void tls_listen(open_fd& listener);
  errc tls_accept(open_fd& listener, abi::fdflags flags, bool flags_valid, abi::fd& accepted);
  errc tls_receive(open_fd& f, std::span<const host_iovec> buffers, bool first_only, bool peek, bool wait_all,
                   std::size_t& received);
  errc tls_transmit(open_fd& f, std::span<const host_ciovec> buffers, std::size_t& sent);
  errc tls_shutdown(open_fd& f, abi::sdflags how);
  /// Readiness of a TLS listener (a handshaken connection waits) or stream (see tls_streams.cpp).
  fd_probe tls_probe(open_fd& f, direction d, bool& cache_said_not_ready);
  /// Room to queue plaintext: the fd_write event's nbytes for a TLS stream.
  std::uint64_t tls_writable(const open_fd& f) const;
  /// Before the fd is forgotten: close_notify, then the queue is flushed in the background.
  void tls_close(open_fd& f);
  tls_counters tls_stats() const;
  void tls_print_stats();
  struct tls_driver;

  // filesystem.cpp
  result<void> open_preopen(const preopen_spec& spec);
};

}  // namespace wasio::testbed
