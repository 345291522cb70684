// What every task promise shares: the end of a spawned task, and the traps.

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <utility>

#include "wasio/rt/runtime.hpp"
#include "wasio/rt/detail/parked.hpp"
#include "wasio/rt/join_handle.hpp"
#include "wasio/rt/task.hpp"

namespace wasio::rt::detail {

void promise_base::unhandled_exception() noexcept {
#if defined(__cpp_exceptions)
  // Results are values in wasio: an exception leaving a task is a bug, so it aborts in both
  // builds; with exceptions on, say what it was.
  try {
    throw;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wasio: unhandled exception in a task: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "wasio: unhandled exception in a task (not a std::exception)\n");
  }
#else
  std::fprintf(stderr, "wasio: unhandled exception in a task\n");
#endif
  std::abort();
}

void promise_base::finish_spawned() noexcept { owner->finished(*this); }

void promise_base::deliver_to_join() noexcept { join->deliver(*this); }

promise_base::~promise_base() {
  if (join != nullptr) join->frame_gone();
}

void join_link::frame_gone() noexcept {
  gone = true;
  if (joiner != nullptr) schedule_waiter(rt, *std::exchange(joiner, nullptr));
  release();
}

void schedule_waiter(runtime* rt, waiter& w) { rt->schedule(w); }

void primitive_misuse(const char* what) {
  std::fprintf(stderr, "wasio: misuse: %s\n", what);
  std::abort();
}

void empty_join_handle_awaited() {
  std::fprintf(stderr, "wasio: awaited an empty join_handle (moved from, detached, or awaited to its end)\n");
  std::abort();
}

void empty_task_awaited() {
  std::fprintf(stderr, "wasio: awaited, spawned or blocked on an empty task (moved from, or awaited already)\n");
  std::abort();
}

void finished_task_awaited() {
  std::fprintf(stderr, "wasio: awaited a task that has already finished\n");
  std::abort();
}

}  // namespace wasio::rt::detail
