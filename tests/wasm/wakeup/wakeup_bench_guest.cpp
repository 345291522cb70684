// wakeup_bench_guest.wasm: the benchmark loop (bench_loop.hpp) as a wasm guest under wasio-run.
// Usage: wakeup_bench_guest.wasm STRATEGY [--tick-us N] [--report] [--self-latency N] [--self-rate R]
//   fd 3 is the echo listener; `control` takes fd 4 as its control listener; `host` and `timed`
//   use WASIO_WAKER_FD (wasio-run --waker). --report prints "w RETURNED_NS POLLS" after every poll
//   that saw a wake; --self-latency prints "l NS" per measured same-thread wake, then exits.
// Prints "wakeup_bench: ready" once the loop is set up.

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "bench_loop.hpp"
#include "wasio/io/wake/wake_channel.hpp"

int main(int argc, char** argv) {
  using namespace wasio;
  bench::bench_options options;
  bool report = false;
  if (argc > 1) options.strategy = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string_view word = argv[i];
    const char* next = i + 1 < argc ? argv[i + 1] : "0";
    if (word == "--tick-us") options.tick = std::chrono::microseconds(std::strtoll(next, nullptr, 10)), ++i;
    else if (word == "--self-latency") options.self_latency_wakes = std::strtoull(next, nullptr, 10), ++i;
    else if (word == "--self-rate") options.self_wake_rate = std::strtod(next, nullptr), ++i;
    else if (word == "--report") report = true;
  }
  if (options.strategy == "control") {
    options.wake_fd = 4;
  } else if (options.strategy == "host" || options.strategy == "timed") {
    auto fd = wake::host_channel_fd();
    if (!fd || !*fd) {
      std::fprintf(stderr, "wakeup_bench: %s needs wasio-run --waker\n", options.strategy.c_str());
      return 2;
    }
    options.wake_fd = **fd;
  }
  bench::bench_hooks hooks;
  hooks.woke = [&](std::uint64_t returned, std::uint64_t polls) {
    if (!report) return;
    std::printf("w %llu %llu\n", static_cast<unsigned long long>(returned), static_cast<unsigned long long>(polls));
    std::fflush(stdout);
  };
  hooks.self_latency = [](std::uint64_t ns) { std::printf("l %llu\n", static_cast<unsigned long long>(ns)); };
  std::printf("wakeup_bench: ready\n");
  std::fflush(stdout);
  const int status = bench::run_bench_loop(options, hooks);
  std::fflush(stdout);
  return status;
}
