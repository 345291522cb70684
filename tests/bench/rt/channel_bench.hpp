#pragma once
// Channel send+receive between two tasks of one runtime, beside a baseline with no library in it: a
// std::deque and one coroutine handle (the consumer parks its handle when the deque is empty; the
// producer pushes and resumes it directly). Shared by wasio_bench_rt (native) and
// channel_bench_guest.wasm, so both print the same figures from the same code.

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <deque>

#include "wasio/rt/channel.hpp"
#include "wasio/rt/runtime.hpp"

namespace channel_bench {

using clock_type = std::chrono::steady_clock;

inline wasio::task<void> produce(wasio::rt::channel<std::uint64_t>& ch, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) (void)co_await ch.send(i);
  ch.close();
}
inline wasio::task<std::uint64_t> consume(wasio::rt::channel<std::uint64_t>& ch) {
  std::uint64_t sum = 0;
  for (;;) {
    auto v = co_await ch.receive();
    if (!v) co_return sum;
    sum += *v;
  }
}

/// ns per message through rt::channel (capacity 64): one producer task, one consumer task.
inline double channel_ns(std::size_t n, std::uint64_t& checksum) {
  wasio::rt::runtime rt;
  wasio::rt::channel<std::uint64_t> ch(64);
  const auto start = clock_type::now();
  rt.spawn(produce(ch, n));
  checksum = rt.block_on(consume(ch)).value();
  return std::chrono::duration<double, std::nano>(clock_type::now() - start).count() / static_cast<double>(n);
}

// --- The baseline: a deque and a handle, nothing else.
struct plain_queue {
  std::deque<std::uint64_t> items;
  std::coroutine_handle<> consumer;
  bool closed = false;
};
struct plain_task {
  struct promise_type {
    plain_task get_return_object() { return {std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() {}
  };
  std::coroutine_handle<promise_type> h;
};
struct plain_pop {
  plain_queue& q;
  bool await_ready() const { return !q.items.empty() || q.closed; }
  void await_suspend(std::coroutine_handle<> h) { q.consumer = h; }
  void await_resume() {}
};
inline plain_task plain_consume(plain_queue& q, std::uint64_t& sum) {
  for (;;) {
    co_await plain_pop{q};
    if (q.items.empty()) co_return;
    sum += q.items.front();
    q.items.pop_front();
  }
}
/// ns per message through the baseline.
inline double plain_ns(std::size_t n, std::uint64_t& checksum) {
  plain_queue q;
  std::uint64_t sum = 0;
  plain_task consumer = plain_consume(q, sum);
  const auto start = clock_type::now();
  consumer.h.resume();  // parks at once: the deque is empty
  for (std::size_t i = 0; i < n; ++i) {
    q.items.push_back(i);
    if (auto h = q.consumer) {
      q.consumer = {};
      h.resume();
    }
  }
  q.closed = true;
  if (auto h = q.consumer) h.resume();
  const double ns = std::chrono::duration<double, std::nano>(clock_type::now() - start).count() / static_cast<double>(n);
  consumer.h.destroy();
  checksum = sum;
  return ns;
}

}  // namespace channel_bench
