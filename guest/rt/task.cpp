// What every task promise shares: the end of a spawned task, and the traps.

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "wasio/rt/runtime.hpp"
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

void empty_task_awaited() {
  std::fprintf(stderr, "wasio: awaited, spawned or blocked on an empty task (moved from, or awaited already)\n");
  std::abort();
}

void finished_task_awaited() {
  std::fprintf(stderr, "wasio: awaited a task that has already finished\n");
  std::abort();
}

}  // namespace wasio::rt::detail
