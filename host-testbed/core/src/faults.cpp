#include "faults.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "clocks.hpp"
#include "host_impl.hpp"

namespace wasio::testbed {

std::string_view name(fault_kind kind) {
  switch (kind) {
    case fault_kind::again: return "again";
    case fault_kind::intr: return "intr";
    case fault_kind::short_read: return "short_read";
    case fault_kind::short_write: return "short_write";
    case fault_kind::reset: return "reset";
    case fault_kind::accept_aborted: return "accept_aborted";
    case fault_kind::accept_mfile: return "accept_mfile";
    case fault_kind::spurious_event: return "spurious_event";
    case fault_kind::delayed_event: return "delayed_event";
    case fault_kind::clock_jump: return "clock_jump";
  }
  return "?";
}

std::optional<std::uint64_t> parse_fault_seed(std::string_view text) {
  std::uint64_t seed = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seed);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return seed;
}

std::optional<double> parse_fault_rate(std::string_view text) {
  double rate = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), rate);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  if (!(rate > 0 && rate <= 1)) return std::nullopt;
  return rate;
}

std::uint64_t fault_counts::total() const {
  std::uint64_t sum = 0;
  for (std::uint64_t n : by_kind) sum += n;
  return sum;
}

std::string fault_counts::summary() const {
  std::string out = "total " + std::to_string(total());
  const char* separator = " (";
  for (std::size_t i = 0; i < fault_kind_count; ++i) {
    if (by_kind[i] == 0) continue;
    out += separator;
    out += name(static_cast<fault_kind>(i));
    out += ' ';
    out += std::to_string(by_kind[i]);
    separator = ", ";
  }
  if (*separator == ',') out += ')';
  return out;
}

namespace {

/// The first buffer with at least two bytes, which a short transfer can cut (nullptr: none).
template <class Buffer>
const Buffer* first_cuttable(std::span<const Buffer> buffers) {
  for (const Buffer& b : buffers) {
    if (b.size >= 2) return &b;
    if (b.size == 1) return nullptr;  // the first non-empty one moves 1 byte already
  }
  return nullptr;
}

}  // namespace

errc host::impl::receive_fault(open_fd& f, std::span<const host_iovec> buffers, host_iovec& shortened) {
  shortened = host_iovec{nullptr, 0};
  if (f.host_channel) return errc::success;
  if (f.guest_nonblocking ? inject(fault_kind::again, "recv", f.number) : inject(fault_kind::intr, "recv", f.number))
    return f.guest_nonblocking ? errc::again : errc::intr;
  if (inject(fault_kind::reset, "recv", f.number)) {
    // The connection is dead for both sides: later reads see its end, writes a broken pipe.
    ::shutdown(f.host_fd, SHUT_RDWR);
    return errc::connreset;
  }
  const host_iovec* cut = first_cuttable(buffers);
  if (cut != nullptr && inject(fault_kind::short_read, "recv", f.number))
    shortened = host_iovec{cut->data, faults_->short_length(cut->size)};
  return errc::success;
}

errc host::impl::transmit_fault(open_fd& f, std::span<const host_ciovec> buffers, bool nonblocking,
                                host_ciovec& shortened) {
  shortened = host_ciovec{nullptr, 0};
  if (f.host_channel) return errc::success;
  if (nonblocking ? inject(fault_kind::again, "send", f.number) : inject(fault_kind::intr, "send", f.number))
    return nonblocking ? errc::again : errc::intr;
  const host_ciovec* cut = first_cuttable(buffers);
  if (cut != nullptr && inject(fault_kind::short_write, "send", f.number))
    shortened = host_ciovec{cut->data, faults_->short_length(cut->size)};
  return errc::success;
}

errc host::impl::accept_fault_before(open_fd& listener, bool blocking) {
  if (blocking ? inject(fault_kind::intr, "sock_accept", listener.number)
               : inject(fault_kind::again, "sock_accept", listener.number))
    return blocking ? errc::intr : errc::again;
  if (inject(fault_kind::accept_mfile, "sock_accept", listener.number)) return errc::mfile;
  return errc::success;
}

void host::impl::abort_connection(int connection) {
  linger reset{1, 0};  // close() sends an RST instead of a FIN
  ::setsockopt(connection, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  ::close(connection);
}

void host::impl::poll_faults(std::span<const abi::subscription> in, std::span<abi::event> out,
                             std::uint32_t& nevents) {
  constexpr std::uint8_t tag_fd_read = 1, tag_fd_write = 2;
  auto socket_of = [this](const abi::subscription& s) -> open_fd* {
    if (s.tag != tag_fd_read && s.tag != tag_fd_write) return nullptr;
    open_fd* f = find(s.u.fd_readwrite.file_descriptor);
    if (f == nullptr || f->tls || f->tls_listener || f->host_channel) return nullptr;
    if (f->kind == fd_kind::stream) return f;
    return f->kind == fd_kind::listener && s.tag == tag_fd_read ? f : nullptr;  // a listener never writes
  };
  auto reported = [&](const abi::subscription& s) {
    return std::any_of(out.begin(), out.begin() + nevents,
                       [&](const abi::event& e) { return e.user == s.user && e.type == s.tag; });
  };
  // Delayed: one socket event left for a later call (level-triggered: it is still ready then).
  // Never under wasmtime-legacy, which gives every fd subscription an event once any is ready.
  if (nevents > 1 && config.semantics != profile::wasmtime_legacy) {
    const std::size_t start = faults_->pick(nevents);
    for (std::size_t k = 0; k < nevents; ++k) {
      const std::size_t i = (start + k) % nevents;
      const abi::event& e = out[i];
      const auto s = std::find_if(in.begin(), in.end(),
                                  [&](const abi::subscription& c) { return c.user == e.user && c.tag == e.type; });
      if (s == in.end() || socket_of(*s) == nullptr || e.error != 0) continue;
      if (inject(fault_kind::delayed_event, "poll_oneoff", s->u.fd_readwrite.file_descriptor)) {
        std::copy(out.begin() + i + 1, out.begin() + nevents, out.begin() + i);
        --nevents;
      }
      break;
    }
  }
  // Spurious: a socket subscription that is not ready is reported ready, with nothing to read.
  if (nevents < out.size()) {
    const std::size_t start = faults_->pick(in.size());
    for (std::size_t k = 0; k < in.size(); ++k) {
      const abi::subscription& s = in[(start + k) % in.size()];
      if (socket_of(s) == nullptr || reported(s)) continue;
      if (inject(fault_kind::spurious_event, "poll_oneoff", s.u.fd_readwrite.file_descriptor)) {
        abi::event e{};
        e.user = s.user;
        e.type = s.tag;
        out[nevents++] = e;
      }
      break;
    }
  }
}

bool host::impl::inject(fault_kind kind, std::string_view call, abi::fd fd) {
  if (!faults_ || !faults_->roll(kind)) return false;
  if (tracing()) trace_line("fault: " + std::string(name(kind)) + " on " + std::string(call) + " fd=" + std::to_string(fd));
  return true;
}

std::uint64_t host::impl::guest_realtime_ns() {
  if (faults_) faults_->maybe_jump_realtime();
  return offset_realtime(realtime_ns(), realtime_offset_ns());
}

std::uint64_t offset_realtime(std::uint64_t host_ns, std::int64_t offset_ns) {
  if (offset_ns < 0 && static_cast<std::uint64_t>(-offset_ns) > host_ns) return 0;
  return host_ns + static_cast<std::uint64_t>(offset_ns);
}

}  // namespace wasio::testbed
