// rt_wasm_test: the coroutine runtime's core paths inside a .wasm under wasio-run: tasks and
// symmetric transfer, ten thousand spawned tasks, timers in order, with_timeout, cancellation,
// nested task groups, graceful join_within, an accept that times out on a pre-opened listener,
// and the runtime left quiescent after each. Exit status 0 and "rt_wasm_test: PASS" on success.

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "wasio/rt/frame_allocator.hpp"
#include "wasio/rt/broadcast.hpp"
#include "wasio/rt/channel.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/task.hpp"
#include "wasio/rt/task_group.hpp"
#include "wasio/rt/tcp_listener.hpp"
#include "wasio/rt/time.hpp"

using namespace std::chrono_literals;
using wasio::errc;
using wasio::result;
using wasio::task;
namespace rt = wasio::rt;

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  if (!ok) {
    ++failures;
    std::fprintf(stderr, "rt_wasm_test: FAIL %s\n", what);
  }
}

void check_quiescent(rt::runtime& r, const char* after) {
  const bool quiet = r.task_count() == 0 && r.timer_count() == 0 && r.parked_count() == 0;
  if (!quiet) {
    ++failures;
    std::fprintf(stderr, "rt_wasm_test: FAIL runtime not quiescent after %s (tasks %zu timers %zu parked %zu)\n",
                 after, r.task_count(), r.timer_count(), r.parked_count());
  }
}

task<int> one() { co_return 1; }

task<result<long>> sum_of_ones(int n) {
  long total = 0;
  for (int i = 0; i < n; ++i) total += co_await one();
  co_return total;
}

task<void> counted(int& done, int i) {
  (void)co_await rt::sleep_for(std::chrono::microseconds(i % 5));
  ++done;
}

task<void> ordered(std::vector<int>& order, int id, std::chrono::milliseconds d) {
  (void)co_await rt::sleep_for(d);
  order.push_back(id);
}

task<result<void>> timeout_of_a_long_sleep() { co_return co_await rt::with_timeout(5ms, rt::sleep_for(1h)); }

task<void> sleeps_until_canceled(result<void>& seen) { seen = co_await rt::sleep_for(1h); }

task<void> stops_after(rt::stop_source& s, std::chrono::milliseconds d) {
  (void)co_await rt::sleep_for(d);
  s.request_stop();
}

task<int> nested(rt::runtime& r, int depth, int& leaves) {
  if (depth == 0) {
    co_await rt::yield();
    ++leaves;
    co_return 1;
  }
  rt::task_group group(r);
  for (int i = 0; i < 3; ++i) group.spawn(nested(r, depth - 1, leaves));
  co_await group.join();
  co_return 0;
}

task<void> child_sleeping(int& finished, int& canceled, std::chrono::milliseconds d) {
  auto r = co_await rt::sleep_for(d);
  if (r) ++finished; else if (r.error() == errc::canceled) ++canceled;
}

task<result<void>> graceful(rt::runtime& r, int& finished, int& canceled) {
  rt::task_group group(r);
  group.spawn(child_sleeping(finished, canceled, 1ms));
  group.spawn(child_sleeping(finished, canceled, 1h));
  co_return co_await group.join_within(20ms);
}

task<result<rt::tcp_stream>> accept_with_timeout(rt::tcp_listener& l) {
  co_return co_await rt::with_timeout(10ms, l.accept());
}

std::size_t frames_allocated = 0, frames_freed = 0;
void* counting_allocate(void*, std::size_t size) {
  ++frames_allocated;
  return ::operator new(size);
}
void counting_deallocate(void*, void* frame, std::size_t size) {
  ++frames_freed;
  ::operator delete(frame, size);
}

}  // namespace

task<void> send_numbers(rt::channel<int>& ch, int n) {
  for (int i = 0; i < n; ++i) (void)co_await ch.send(i);
  ch.close();
}
task<result<long>> channel_sum(rt::channel<int>& ch) {
  long sum = 0;
  for (;;) {
    auto v = co_await ch.receive();
    if (!v) co_return v.error() == errc::pipe ? result<long>(sum) : result<long>(fail(v.error()));
    sum += *v;
  }
}
task<result<int>> joined_and_lagged() {
  rt::runtime& r = rt::runtime::current();
  auto handle = r.spawn([]() -> task<int> {
    (void)co_await rt::sleep_for(1ms);
    co_return 5;
  }());
  rt::broadcast<int> room(2);
  auto inbox = room.subscribe();
  for (int i = 0; i < 5; ++i) (void)room.send(i);
  auto lag = co_await inbox.receive();
  if (lag || lag.error() != errc::overflow || inbox.lagged() != 3) co_return fail(errc::inval);
  auto oldest = co_await inbox.receive();
  if (!oldest || *oldest != 3) co_return fail(errc::inval);
  WASIO_CO_TRY_ASSIGN(const int five, co_await handle);
  co_return five + *oldest;
}

int main() {
  rt::runtime r;

  auto sum = r.block_on(sum_of_ones(100'000));
  check(sum && *sum == 100'000, "symmetric transfer over 100000 awaits");
  check_quiescent(r, "symmetric transfer");

  int done = 0;
  for (int i = 0; i < 10'000; ++i) r.spawn(counted(done, i));
  check(static_cast<bool>(r.run()), "run with 10000 tasks");
  check(done == 10'000, "10000 spawned tasks finished");
  check_quiescent(r, "10000 tasks");

  std::vector<int> order;
  r.spawn(ordered(order, 3, 15ms));
  r.spawn(ordered(order, 1, 1ms));
  r.spawn(ordered(order, 2, 5ms));
  check(static_cast<bool>(r.run()), "run with timers");
  check(order == std::vector<int>{1, 2, 3}, "timers fire in deadline order");
  check_quiescent(r, "timers");

  auto timed = r.block_on(timeout_of_a_long_sleep());
  check(!timed && timed.error() == errc::timedout, "with_timeout gives timedout");
  check_quiescent(r, "with_timeout");

  rt::stop_source stop;
  result<void> seen;
  r.spawn(sleeps_until_canceled(seen), stop.token());
  r.spawn(stops_after(stop, 1ms));
  check(static_cast<bool>(r.run()), "run with cancellation");
  check(!seen && seen.error() == errc::canceled, "a stopped sleep completes with canceled");
  check_quiescent(r, "cancellation");

  int leaves = 0;
  check(static_cast<bool>(r.block_on(nested(r, 4, leaves))), "nested groups");
  check(leaves == 81, "nested groups ran every leaf");
  check_quiescent(r, "nested groups");

  int finished = 0, canceled = 0;
  auto g = r.block_on(graceful(r, finished, canceled));
  check(!g && g.error() == errc::timedout, "join_within reports children it had to stop");
  check(finished == 1 && canceled == 1, "join_within let the quick child finish and stopped the slow one");
  check_quiescent(r, "join_within");

  {
    auto listeners = rt::tcp_listener::preopened(r);
    check(listeners && listeners->size() == 1, "one pre-opened listener found");
    if (listeners && !listeners->empty()) {
      const std::size_t registered = r.registration_count();
      auto accepted = r.block_on(accept_with_timeout(listeners->front()));
      check(!accepted && accepted.error() == errc::timedout, "an accept with no client times out");
      check(r.registration_count() == registered, "the timed-out accept left only the listener registered");
      check_quiescent(r, "accept timeout");
      check(static_cast<bool>(listeners->front().close()), "listener closes");
    }
  }
  check(r.registration_count() == 0, "no registration left");

  {
    rt::channel<int> ch(8);
    r.spawn(send_numbers(ch, 10'000));
    auto sum = r.block_on(channel_sum(ch));
    check(sum && *sum == 49'995'000L, "10000 messages through a channel of 8, in order and complete");
    auto mixed = r.block_on(joined_and_lagged());
    check(mixed && *mixed == 8, "join_handle outcome, broadcast lag and WASIO_CO_TRY_ASSIGN");
    check_quiescent(r, "channels");
  }

  rt::frame_allocator counting{nullptr, &counting_allocate, &counting_deallocate};
  auto previous = rt::set_frame_allocator(&counting);
  auto again = r.block_on(sum_of_ones(10));
  rt::set_frame_allocator(previous);
  check(again && *again == 10, "tasks under a custom frame allocator");
  // clang may elide the frames of inlined child tasks (HALO); the outer frame always comes from the hook.
  check(frames_allocated >= 1 && frames_allocated <= 11, "frames came from the custom allocator");
  check(frames_freed == frames_allocated, "every frame went back to the custom allocator");

  if (failures != 0) {
    std::fprintf(stderr, "rt_wasm_test: %d failure(s)\n", failures);
    return 1;
  }
  std::fprintf(stderr, "rt_wasm_test: PASS\n");
  return 0;
}
