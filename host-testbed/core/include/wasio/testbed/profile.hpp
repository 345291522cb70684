#pragma once
/// Semantics profiles of the host testbed: which real host's behaviour a run reproduces.

#include <cstdint>
#include <optional>
#include <string_view>

namespace wasio::testbed {

/// Which guests run on each profile, and the documented failures of those that do not, are in
/// docs/profiles.md (tests/foreign asserts them).
enum class profile : std::uint8_t {
  /// The preview1 spec where it is explicit; where it is silent, what real hosts agree on, never
  /// stricter than every real host in a way a real guest trips on (HOST-SEMANTICS.md 4, "What
  /// strict means"): events only for ready subscriptions, exact nbytes, HANGUP when the peer
  /// closed, per-subscription errors inside the event; a write subscription on a listener is never
  /// ready and never an error (tokio subscribes listeners for writing).
  strict,
  /// wasmtime's legacy wasi-common (HOST-SEMANTICS.md section 3), quirks included: every fd
  /// subscription gets an event once one is ready, read nbytes at least 1, a reset peer as an event
  /// with error io, a bad fd fails the whole call.
  wasmtime_legacy,
  /// uvwasi, Node's WASI core (HOST-SEMANTICS.md section 4, measured against Node 20's uvwasi and
  /// checked by tests/differential): poll_oneoff waits until every fd subscription fired or its
  /// one timer did and reports only what fired, nbytes always 0, sock_accept(fd, 0) blocks, the sock_*
  /// calls check their flags before the fd, sock_recv at end of stream is nosys, sock_send never
  /// blocks, stdio's fdstat, rights and prestat as uvwasi gives them.
  ///
  /// Left out, each because copying it would crash or hang the run or make every event loop
  /// impossible, not because it is unknown:
  ///  - Sockets without a host descriptor: uvwasi keeps pre-opened and accepted sockets as libuv
  ///    handles with no fd in its table, so fd_fdstat_get, fd_fdstat_set_flags, fd_read and
  ///    fd_write on a socket give badf there and poll_oneoff cannot watch one. Here sockets work as
  ///    stdio does under uvwasi; a copy could run no readiness loop at all (wasio's, mio's, tokio's
  ///    or wasi-libc's poll()). Rust std, whose sockets use fd_read / fd_write / set_flags, would
  ///    fail on real uvwasi before anything this profile shows.
  ///  - The same fd subscribed twice reports only the first subscription: copied for stdio, where
  ///    it was measured; a socket keeps one wait per direction, else its write side behind its read
  ///    side would never be reported.
  ///  - A clock with ABSTIME whose deadline has passed (any ABSTIME on the monotonic clock, whose
  ///    values lie far below realtime now): uvwasi subtracts realtime now unchecked and the call
  ///    hangs; here the deadline is due at once.
  ///  - A bad fd subscribed before a valid one, or the same fd after an earlier bad one, crashes
  ///    Node; here the bad subscription is dropped as when it is alone.
  ///  - sock_* on stdio crashes Node; here notsock.
  ///  - clock_res_get(thread_cputime) returns the thread's CPU time; here the clock's resolution.
  ///  - How sockets arrive: uvwasi's embedder option preopen_sockets (IPv4 only; Node offers no way
  ///    to set it); here wasio-run's --tcplisten fds stand in for it.
  uvwasi,
};

/// "strict" | "wasmtime-legacy" | "uvwasi"; nullopt for anything else.
std::optional<profile> parse_profile(std::string_view text);
/// The command-line spelling of `p`.
std::string_view name(profile p);

}  // namespace wasio::testbed
