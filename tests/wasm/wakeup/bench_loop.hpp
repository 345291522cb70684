#pragma once
// The guest half of tests/bench/wakeup: one event loop that serves echo on a pre-opened listener and
// is woken by one wake strategy. Built into wakeup_bench_guest.wasm (run under wasio-run) and linked
// natively into wasio_bench_wakeup, which runs it on a thread of its own.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "wasio/io/waker.hpp"
#include "wasio/sys/sys.hpp"

namespace wasio::bench {

struct bench_options {
  /// host | control | timed | interrupt | same-thread
  std::string strategy;
  /// timed: the poll's bound.
  std::chrono::microseconds tick{0};
  sys::fd_t echo_fd = 3;
  /// control: the control listener; host, and timed on wasm: the wake channel (WASIO_WAKER_FD).
  std::optional<sys::fd_t> wake_fd;
  /// same-thread: measure this many wake-to-return latencies in a row, then return.
  std::uint64_t self_latency_wakes = 0;
  /// same-thread: wake the loop itself this many times a second while serving.
  double self_wake_rate = 0;
};

struct bench_hooks {
  /// After a poll that saw a wake: the monotonic time it returned and the polls made so far.
  std::function<void(std::uint64_t returned_ns, std::uint64_t polls)> woke;
  /// same-thread latency mode: one measured wake-to-return latency.
  std::function<void(std::uint64_t latency_ns)> self_latency;
  /// Called after every poll; true ends the loop.
  std::function<bool()> stop;
  /// The loop's waker, once made (timed, interrupt, same-thread): another thread may wake() it.
  std::function<void(waker&)> ready;
};

/// CLOCK_MONOTONIC through sys (the same clock the driver reads natively).
std::uint64_t monotonic_ns();

/// Runs until hooks.stop() says so (or for ever). Returns 0, or 1 after printing what failed.
int run_bench_loop(const bench_options& options, const bench_hooks& hooks);

}  // namespace wasio::bench
