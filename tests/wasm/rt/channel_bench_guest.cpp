// channel_bench_guest.wasm: tests/bench/rt/channel_bench.hpp inside wasm (run it with wasio-run; the
// native figures come from wasio_bench_rt, same code).

#include <cstdio>
#include <cstring>

#include "channel_bench.hpp"

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const std::size_t messages = quick ? 100'000 : 2'000'000;
  double channel = 1e30, plain = 1e30;
  std::uint64_t channel_sum = 0, plain_sum = 0;
  for (int round = 0; round < 3; ++round) {
    const double c = channel_bench::channel_ns(messages, channel_sum);
    const double p = channel_bench::plain_ns(messages, plain_sum);
    channel = c < channel ? c : channel;
    plain = p < plain ? p : plain;
  }
  if (channel_sum != plain_sum) return 1;
  std::printf("channel send+receive (wasm): %.1f ns per message (rt::channel), %.1f ns (deque + coroutine handle), ratio %.2f\n",
              channel, plain, channel / plain);
  return 0;
}
