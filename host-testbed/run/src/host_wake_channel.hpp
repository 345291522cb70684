#pragma once
// wasio::run::host_wake_channel: the embedder's side of a guest wake channel (wasio-run --waker).
//
// A preview1 guest blocked in poll_oneoff can only be woken through an fd it subscribes to. The
// channel is a socketpair(2): one end is adopted into the host as the guest's next fd (announced to
// the guest as WASIO_WAKER_FD=N; the guest watches it with wasio::wake::wake_channel::from_stream),
// the other stays here, and wake() writes one byte to it. wake() is async-signal-safe (one write(2)
// of one byte, errno saved), so wasio-run calls it from its SIGUSR1 handler: `kill -USR1 PID` is how
// a test or an outside program wakes a guest it did not embed.
//
// Errors (create): the socketpair(2) errno as errc (mfile, nfile, nomem); those of host::adopt_stream.
// Notes: wakes coalesce: when the socket buffer is full (EAGAIN) wakes are already pending and the
// byte is dropped on purpose. After the guest side is closed wake() fails silently (EPIPE ignored;
// SIGPIPE must be ignored, as wasio-run does).

#include <atomic>
#include <memory>

#include "wasio/result.hpp"
#include "wasio/sys/abi.hpp"
#include "wasio/testbed/host.hpp"

namespace wasio::run {

class host_wake_channel {
 public:
  /// Makes the pair and hands one end to `h` as its next guest fd.
  static result<std::unique_ptr<host_wake_channel>> create(testbed::host& h);
  ~host_wake_channel();
  host_wake_channel(const host_wake_channel&) = delete;
  host_wake_channel& operator=(const host_wake_channel&) = delete;

  /// The guest fd of the channel (the value of WASIO_WAKER_FD).
  abi::fd guest_fd() const { return guest_fd_; }
  /// Writes one wake byte. Any thread, and signal handlers.
  void wake() const;
  /// How many wake() calls reached the socket (for tests and the benchmark).
  unsigned long wakes_sent() const { return sent_.load(std::memory_order_relaxed); }

  /// Routes SIGUSR1 to `channel`'s wake(); nullptr: SIGUSR1 is ignored again (never back to the
  /// default action, which would kill the process: a late wake must not end it). One per process.
  /// Routing also blocks SIGUSR1 in the calling thread (and so in the threads it starts later):
  /// the guest thread unblocks it (run_guest), so the signal goes straight to the thread it wakes.
  static void wake_on_sigusr1(host_wake_channel* channel);
  /// Ignores SIGUSR1 until wake_on_sigusr1 routes it: wasio-run --waker calls it first thing, so a
  /// wake sent before the channel exists (while the module compiles) is dropped, not fatal.
  static void ignore_sigusr1();
  /// While SIGUSR1 is routed to a channel: unblocks it in the calling thread, the guest's (the one
  /// asleep in poll_oneoff when a wake matters), so the signal is delivered there. Otherwise nothing.
  static void take_wake_signal_on_this_thread();

 private:
  host_wake_channel(int host_end, abi::fd guest_fd) : host_end_(host_end), guest_fd_(guest_fd) {}
  int host_end_;
  abi::fd guest_fd_;
  mutable std::atomic<unsigned long> sent_{0};
};

/// The guest fd a --waker channel will get: right after stdio, the directories and the listeners.
/// `preopened_count` counts every directory and listener wasio-run pre-opens before the channel.
inline abi::fd waker_guest_fd(std::size_t preopened_count) { return static_cast<abi::fd>(3 + preopened_count); }

}  // namespace wasio::run
