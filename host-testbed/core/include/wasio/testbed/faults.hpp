#pragma once
/// Faults injected on purpose (docs/testing.md): the host makes calls fail or fall short the way
/// real hosts and networks do, reproducibly from a seed, whatever the profile. Off unless asked for
/// (`wasio-run --faults SEED`, natively `WASIO_FAULTS=SEED`); off, it costs one pointer test per call.
///
/// What may be injected, and why a real host may do the same:
/// - again: sock_recv / sock_send / sock_accept on a non-blocking guest socket return again although
///   the host's readiness says ready (another process took the connection, a readiness report that
///   went stale: "readiness is a hint"). The readiness stays set, so the next poll reports it again.
/// - intr: the same calls on a blocking guest socket return intr before anything moved (a signal
///   interrupted the host's blocking call).
/// - short_read / short_write: sock_recv fills and sock_send takes 1 to n-1 bytes of the first
///   non-empty buffer (the kernel's buffers decide how much moves).
/// - reset: sock_recv returns connreset and the connection is dead from then on; the host shuts the
///   socket down both ways (the peer sees the connection end; a real reset would show it an RST,
///   which Linux cannot send without closing the descriptor the guest still holds).
/// - accept_aborted: a connection is accepted and closed with an RST, and sock_accept returns
///   connaborted (the client gave up before the accept, as POSIX allows a host to report).
/// - accept_mfile: sock_accept returns mfile and the connection stays pending (the host ran out of
///   descriptors for a moment).
/// - spurious_event: poll_oneoff reports a socket subscription ready that is not (nbytes 0): epoll
///   and every host built on it may wake for nothing.
/// - delayed_event: poll_oneoff leaves one ready socket subscription out when it reports others (it
///   stays ready, so a later call reports it).
/// - clock_jump: the realtime clock steps by up to +/- 2 s (the wall clock was set; the monotonic
///   clock never moves back, so it is left alone), in clock_time_get and absolute realtime deadlines.
/// Streams the embedder hands the guest (host::adopt_stream: wasio-run's control stream and waker)
/// and TLS streams get none.
/// None of them breaks the host's own invariants: no byte is lost or made up on a connection that
/// was not reset, and every error is one the call may return.

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace wasio::testbed {

enum class fault_kind : std::uint8_t {
  again,
  intr,
  short_read,
  short_write,
  reset,
  accept_aborted,
  accept_mfile,
  spurious_event,
  delayed_event,
  clock_jump,
};
inline constexpr std::size_t fault_kind_count = 10;
/// A set of kinds, one bit each (1 << kind).
inline constexpr std::uint32_t fault_bit(fault_kind kind) { return 1u << static_cast<unsigned>(kind); }
inline constexpr std::uint32_t all_fault_kinds = (1u << fault_kind_count) - 1;

/// "again", "short_read", ...
std::string_view name(fault_kind kind);

struct fault_config {
  bool enabled = false;
  std::uint64_t seed = 0;
  /// The chance, per call that may get a given fault, that it does (0 < rate <= 1).
  double rate = 0.02;
  /// Which kinds may be injected (fault_bit of each); every kind by default, as --faults does.
  std::uint32_t kinds = all_fault_kinds;
  /// Where the summary goes when the host ends (`wasio: faults injected: ...`); nullptr: nowhere.
  std::FILE* log = nullptr;
};

/// Parses a seed (decimal, 0 to 2^64-1). nullopt when `text` is not one.
std::optional<std::uint64_t> parse_fault_seed(std::string_view text);
/// Parses a rate (a decimal fraction, 0 < rate <= 1). nullopt when `text` is not one.
std::optional<double> parse_fault_rate(std::string_view text);

struct fault_counts {
  std::uint64_t by_kind[fault_kind_count] = {};
  std::uint64_t of(fault_kind kind) const { return by_kind[static_cast<std::size_t>(kind)]; }
  std::uint64_t total() const;
  /// "total N (again A, short_read B, ...)", kinds with a count only.
  std::string summary() const;
};

}  // namespace wasio::testbed
