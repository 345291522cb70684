#pragma once
// Guest-side CPU per poll, measured natively: the bench links with -Wl,--wrap for wasio::sys's
// poll_oneoff, fd_read, fd_write, sock_accept and fd_close, so those calls of the guest code (the
// registry's, echo_poll's and the baseline's) pass through wrappers that read the calling thread's
// clock on entry and exit (the vDSO monotonic clock: see guest_cpu_meter.cpp). Natively the host runs inside those calls on the guest's thread, so:
// guest time = the CPU between one poll_oneoff's return and the next one's call, minus the host calls
// made in between. It is the poll's own bookkeeping plus the application's handling of the events.

#include <cstdint>

namespace readiness_bench {

struct guest_cpu {
  std::uint64_t polls = 0;
  std::uint64_t guest_ns = 0;  // between polls
  std::uint64_t host_ns = 0;   // inside the wrapped host calls (poll_oneoff and socket I/O)

  friend guest_cpu operator-(const guest_cpu& a, const guest_cpu& b) {
    return {a.polls - b.polls, a.guest_ns - b.guest_ns, a.host_ns - b.host_ns};
  }
};

/// The totals so far; any thread may read them while one thread polls (differences of two
/// snapshots measure a phase).
guest_cpu meter_snapshot();

}  // namespace readiness_bench
