#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <string>

#include "errno_map.hpp"
#include "filesystem.hpp"
#include "host_impl.hpp"
#include "tls_internal.hpp"
#include "trace.hpp"

namespace wasio::testbed {

host::impl::impl(host_config c)
    : config(std::move(c)), keep_running_(io_.get_executor()), timer_(io_) {
  if (config.faults.enabled) faults_ = std::make_unique<fault_injector>(config.faults);
}

host::impl::~impl() {
  if (tls_) tls_print_stats();  // the final figures
  if (faults_ && config.faults.log != nullptr)
    std::fprintf(config.faults.log, "wasio: faults injected: %s\n", faults_->counts().summary().c_str());
  // Lifetime: closing every socket here queues its cancelled waits; io_'s destructor then destroys
  // those handlers without running them (they hold nothing but `this` and numbers).
  fds_.clear();
  fd_table_changed();
}

open_fd& host::impl::add(std::unique_ptr<open_fd> entry) {
  // Fewer than 2^32 - 3 fds are ever open (max_open_fds), so a free number is at most
  // fds_.size() steps away; after a wrap, 0..2 stay stdio's numbers even when stdio was closed.
  constexpr abi::fd first_after_wrap = 3;
  auto advance = [this] { next_fd_ = next_fd_ == UINT32_MAX ? first_after_wrap : next_fd_ + 1; };
  while (fds_.contains(next_fd_)) advance();
  const abi::fd number = next_fd_;
  entry->number = number;
  advance();
  open_fd& added = fds_.insert(number, std::move(entry));
  fd_table_changed();
  return added;
}

result<void> host::impl::open_listener(const listen_spec& spec) {
  boost::system::error_code ec;
  auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(io_);
  if (spec.inherited_fd >= 0) {
    // Already bound and listening (socket_activation.hpp checked it is a TCP listener): only its
    // family is needed. Lifetime: once assigned the acceptor owns the fd; before that nobody does.
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    if (::getsockname(spec.inherited_fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) {
      const int e = errno;
      ::close(spec.inherited_fd);
      return fail(from_errno(e));
    }
    acceptor->assign(local.ss_family == AF_INET6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), spec.inherited_fd, ec);
    if (ec) {
      ::close(spec.inherited_fd);
      return fail(from_errno(ec.value()));
    }
  } else {
    auto address = asio::ip::make_address(spec.address, ec);
    if (ec) return fail(errc::inval);
    asio::ip::tcp::endpoint endpoint(address, spec.port);
    // Each step stops at the first error; the acceptor closes itself when it goes out of scope.
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  }
  if (!ec) acceptor->native_non_blocking(true, ec);
  if (ec) return fail(from_errno(ec.value()));
  auto bound = acceptor->local_endpoint(ec);
  if (ec) return fail(from_errno(ec.value()));

  auto entry = std::make_unique<open_fd>();
  entry->kind = fd_kind::listener;
  entry->host_fd = acceptor->native_handle();
  entry->guest_nonblocking = true;  // wasmtime sets pre-opened listeners non-blocking
  entry->acceptor = std::move(acceptor);
  if (spec.tls) entry->tls_listener = std::make_shared<tls_listener_state>();
  open_fd& added = add(std::move(entry));
  if (added.tls_listener) {
    tls_listen(added);  // the host accepts and handshakes; the guest sees handshaken connections
  } else {
    arm(added, direction::read);
  }
  listeners.push_back(bound_listener{added.number, bound.address().to_string(), bound.port(), spec.tls, spec.name,
                                     spec.inherited_fd >= 0});
  return {};
}

result<std::unique_ptr<host>> host::create(host_config config) {
  const bool wants_tls = std::any_of(config.listeners.begin(), config.listeners.end(),
                                     [](const listen_spec& l) { return l.tls; });
  if (wants_tls && !config.tls) return fail(errc::inval);  // a TLS listener needs a certificate
  auto state = std::make_unique<impl>(std::move(config));
  if (state->config.tls) {
    state->tls_ = std::make_shared<tls_service>(state->io_, state->config.tls, state->config.tls_bounds,
                                                state->config.tls_log);
    bool known = false;
    state->tls_->heap_at_start = tls_openssl_heap_bytes(known);
  }
  for (int host_fd : {state->config.stdin_fd, state->config.stdout_fd, state->config.stderr_fd}) {
    auto entry = std::make_unique<open_fd>();
    entry->kind = fd_kind::stdio;
    entry->host_fd = host_fd;
    state->add(std::move(entry));
  }
  // Directories first (fd 3, ...): wasi-libc's pre-open scan stops at the first non-directory.
  state->use_openat2 = state->config.resolver == path_resolver::automatic && path_resolver_impl::kernel_has_openat2();
  for (const preopen_spec& spec : state->config.preopens) {
    if (auto opened = filesystem::open_preopen(*state, spec); !opened) return fail(opened.error());
  }
  for (const listen_spec& spec : state->config.listeners) {
    if (auto opened = state->open_listener(spec); !opened) return fail(opened.error());
  }
  state->next_fd_ = std::max(state->next_fd_, state->config.first_dynamic_fd);
  return std::unique_ptr<host>(new host(std::move(state)));
}

host::host(std::unique_ptr<impl> state) : impl_(std::move(state)) {}
host::~host() = default;

void host::after_fork_in_child() { impl_->io_.notify_fork(asio::execution_context::fork_child); }

profile host::semantics() const { return impl_->config.semantics; }
const std::vector<bound_listener>& host::listeners() const { return impl_->listeners; }
const std::vector<std::string>& host::args() const { return impl_->config.args; }
const std::vector<std::string>& host::env() const { return impl_->config.env; }
std::size_t host::open_fd_count() const { return impl_->fds_.size(); }
tls_counters host::tls_stats() const { return impl_->tls_stats(); }
fault_counts host::fault_stats() const { return impl_->faults_ ? impl_->faults_->counts() : fault_counts{}; }
std::size_t host::max_poll_subscriptions() const { return impl_->config.max_poll_subscriptions; }
std::optional<std::uint32_t> host::exit_code() const { return impl_->exit_code_; }

result<abi::fd> host::adopt_stream(int native_fd) {
  int type = 0;
  socklen_t length = sizeof type;
  if (::getsockopt(native_fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0) {
    const errc failure = errno == EBADF ? errc::badf : errc::notsock;
    if (errno != EBADF) ::close(native_fd);
    return fail(failure);
  }
  if (type != SOCK_STREAM) {
    ::close(native_fd);
    return fail(errc::inval);
  }
  if (impl_->fds_.size() >= impl_->config.max_open_fds) {
    ::close(native_fd);
    return fail(errc::mfile);
  }
  // Asio only needs a protocol tag to keep the descriptor; an AF_UNIX pair reads and writes alike.
  auto socket = std::make_unique<asio::ip::tcp::socket>(impl_->io_);
  boost::system::error_code ec;
  socket->assign(asio::ip::tcp::v4(), native_fd, ec);
  if (!ec) socket->native_non_blocking(true, ec);
  if (ec) {
    if (!socket->is_open()) ::close(native_fd);
    return fail(from_errno(ec.value()));
  }
  auto entry = std::make_unique<open_fd>();
  entry->kind = fd_kind::stream;
  entry->host_fd = native_fd;
  entry->guest_nonblocking = true;
  entry->socket = std::move(socket);
  entry->write.ready = true;
  entry->host_channel = true;
  open_fd& added = impl_->add(std::move(entry));
  impl_->arm(added, direction::read);
  if (impl_->tracing())
    impl_->trace_line("adopt_stream(host_fd=" + std::to_string(native_fd) + ") -> fd " + std::to_string(added.number));
  return added.number;
}

errc host::poll_oneoff(std::span<const abi::subscription> in, std::span<abi::event> out, std::uint32_t& nevents) {
  errc result = impl_->poll_oneoff(in, out, nevents);
  if (impl_->faults_ && result == errc::success && nevents > 0) impl_->poll_faults(in, out, nevents);
  impl_->trace_call("poll_oneoff", result, "nsubscriptions=", in.size(), ", nevents=", nevents);
  return result;
}

errc host::sock_accept(abi::fd listener, abi::fdflags flags, abi::fd& accepted) {
  errc result = impl_->sock_accept(listener, flags, accepted);
  impl_->trace_call("sock_accept", result, "fd=", listener, ", flags=", flags, ", newfd=", accepted);
  return result;
}

errc host::sock_recv(abi::fd fd, std::span<const host_iovec> buffers, abi::riflags flags, std::size_t& received,
                     abi::roflags& out_flags) {
  errc result = impl_->sock_recv(fd, buffers, flags, received, out_flags);
  impl_->trace_call("sock_recv", result, "fd=", fd, ", iovs=", buffers.size(), ", riflags=", flags,
             ", received=", received);
  return result;
}

errc host::sock_send(abi::fd fd, std::span<const host_ciovec> buffers, abi::siflags flags, std::size_t& sent) {
  errc result = impl_->sock_send(fd, buffers, flags, sent);
  impl_->trace_call("sock_send", result, "fd=", fd, ", iovs=", buffers.size(), ", siflags=", flags,
             ", sent=", sent);
  return result;
}

errc host::sock_shutdown(abi::fd fd, abi::sdflags how) {
  errc result = impl_->sock_shutdown(fd, how);
  impl_->trace_call("sock_shutdown", result, "fd=", fd, ", how=", how);
  return result;
}

errc host::fd_read(abi::fd fd, std::span<const host_iovec> buffers, std::size_t& read) {
  errc result = impl_->fd_read(fd, buffers, read);
  impl_->trace_call("fd_read", result, "fd=", fd, ", iovs=", buffers.size(), ", read=", read);
  return result;
}

errc host::fd_write(abi::fd fd, std::span<const host_ciovec> buffers, std::size_t& written) {
  errc result = impl_->fd_write(fd, buffers, written);
  impl_->trace_call("fd_write", result, "fd=", fd, ", iovs=", buffers.size(), ", written=", written);
  return result;
}

errc host::fd_close(abi::fd fd) {
  errc result = impl_->fd_close(fd);
  impl_->trace_call("fd_close", result, "fd=", fd);
  return result;
}

errc host::fd_fdstat_get(abi::fd fd, abi::fdstat& out) {
  errc result = impl_->fd_fdstat_get(fd, out);
  impl_->trace_call("fd_fdstat_get", result, "fd=", fd);
  return result;
}

errc host::fd_fdstat_set_flags(abi::fd fd, abi::fdflags flags) {
  errc result = impl_->fd_fdstat_set_flags(fd, flags);
  impl_->trace_call("fd_fdstat_set_flags", result, "fd=", fd, ", flags=", flags);
  return result;
}

errc host::fd_unsupported(std::string_view function, abi::fd fd) {
  errc result = impl_->fd_unsupported(function, fd);
  impl_->trace_call(function, result, "fd=", fd);
  return result;
}

errc host::random_get(std::span<std::byte> out) {
  errc result = errc::success;
  std::size_t filled = 0;
  while (filled < out.size()) {
    ssize_t n = ::getrandom(out.data() + filled, out.size() - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      result = errc::io;
      break;
    }
    filled += static_cast<std::size_t>(n);
  }
  impl_->trace_call("random_get", result, "len=", out.size());
  return result;
}

errc host::sched_yield() {
  ::sched_yield();
  impl_->trace_call("sched_yield", errc::success);
  return errc::success;
}

void host::proc_exit(std::uint32_t code) {
  impl_->exit_code_ = code;
  // Stdio goes straight to write(2), so only the trace stream and C stdio can hold buffered bytes.
  std::fflush(stdout);
  std::fflush(stderr);
  impl_->trace_call("proc_exit", errc::success, "code=", code);
}

void host::wake() { impl_->wake(); }

}  // namespace wasio::testbed
