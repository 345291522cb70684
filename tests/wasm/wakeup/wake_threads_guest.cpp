// wasm32-wasi-threads only (built when WASI_SDK_PREFIX has a wasm32-wasi-threads sysroot; Debian's
// wasi-libc has none, so this is not built or run on the project's machines: see docs/wakeup.md).
// Two things threads give a preview1 guest, neither of which interrupts a blocked poll_oneoff:
// 1. timed polling across threads: another guest thread sets the waker flag in shared memory and
//    the loop, bounded by its tick, sees it;
// 2. the split loop: a poller thread blocks in poll_oneoff for fds while the loop thread sleeps in
//    memory.atomic.wait32 on a futex word that both the poller (events ready) and any waker
//    (memory.atomic.notify) can end at once.
// Exit status 0 when both woke.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <thread>

#include "wasio/io/poll.hpp"
#include "wasio/io/waker.hpp"

namespace {

using namespace std::chrono_literals;

bool timed_polling_across_threads() {
  wasio::poll poll;
  wasio::events events;
  auto waker = wasio::waker::create(poll.registry(), std::make_unique<wasio::bounded_wait_wake>(1ms));
  if (!waker) return false;
  std::thread other([&] { (void)waker->wake(); });
  bool woke = false;
  while (!woke) {
    if (!poll.wait(events, std::nullopt)) break;
    for (const wasio::event& ev : events) woke = woke || ev.token() == waker->token();
  }
  other.join();
  return woke;
}

// The futex word: 0 idle, 1 woken. memory.atomic.wait32 blocks only while the word holds 0.
alignas(4) std::int32_t futex_word = 0;

bool futex_wake_from_another_thread() {
  std::thread waker([] {
    __atomic_store_n(&futex_word, 1, __ATOMIC_SEQ_CST);
    __builtin_wasm_memory_atomic_notify(reinterpret_cast<int*>(&futex_word), 1);
  });
  while (__atomic_load_n(&futex_word, __ATOMIC_SEQ_CST) == 0)
    __builtin_wasm_memory_atomic_wait32(reinterpret_cast<int*>(&futex_word), 0, -1);  // no timeout
  waker.join();
  return true;
}

}  // namespace

int main() {
  const bool timed = timed_polling_across_threads();
  const bool futex = futex_wake_from_another_thread();
  std::printf("wake_threads_guest: timed %s, futex %s\n", timed ? "woke" : "FAILED", futex ? "woke" : "FAILED");
  return timed && futex ? 0 : 1;
}
