#pragma once
// An await parked in the wait list of a single-threaded primitive (channel, broadcast, notify).
// The primitive wakes it by moving it to the runtime's ready queue; the runtime then calls its retry,
// which decides from the primitive's state whether the task resumes or parks again. A stop of the
// task's token while parked moves it to the ready queue too, with `stopped` set. So the outcome is
// always computed when the task is about to run, from what is true then: nothing is handed to a
// task that may never run (a woken-then-canceled receiver takes no message with it).

#include <coroutine>

#include "wasio/rt/detail/waiter.hpp"
#include "wasio/rt/stop.hpp"

namespace wasio::rt {
class runtime;
namespace detail {

void schedule_waiter(runtime* rt, waiter& w);

struct parked : waiter {
  parked() = default;
  parked(parked&&) noexcept {}  // only moved before it parks (awaiters returned by value)

  /// Parks in `wait_list` with `retry_fn` as the runtime's retry. False when `token` is stopped
  /// already: then nothing is parked and the task resumes at once with `stopped` set.
  bool park(std::coroutine_handle<> h, runtime* r, stop_token token, waiter_queue& wait_list,
            bool (*retry_fn)(waiter&)) {
    handle = h;
    rt = r;
    retry = retry_fn;
    list = &wait_list;
    wait_list.push_back(*this);
    in_suspend = true;
    cancel.attach(token, &on_stop, this);
    in_suspend = false;
    return !stopped;
  }
  /// Back into the wait list from a retry that found nothing to do yet.
  void repark() { list->push_back(*this); }
  /// Moved to the ready queue by the primitive (a value, room or a notification may be there).
  void wake() {
    list->remove(*this);
    schedule_waiter(rt, *this);
  }
  /// Called once the task resumes.
  void done() { cancel.reset(); }

  waiter_queue* list = nullptr;
  runtime* rt = nullptr;
  stop_callback cancel;
  bool stopped = false;
  bool in_suspend = false;

 private:
  static void on_stop(void* self) {
    auto& p = *static_cast<parked*>(self);
    p.stopped = true;
    if (p.queue == p.list) {  // still waiting (not already woken into the ready queue)
      p.list->remove(p);
      if (!p.in_suspend) schedule_waiter(p.rt, p);
    }
  }
};

/// Wakes the first waiter of `wait_list`, if any.
inline void wake_one(waiter_queue& wait_list) {
  if (waiter* w = wait_list.pop_front()) {
    auto& p = static_cast<parked&>(*w);
    schedule_waiter(p.rt, p);
  }
}
/// Wakes every waiter of `wait_list`.
inline void wake_all(waiter_queue& wait_list) {
  while (waiter* w = wait_list.pop_front()) {
    auto& p = static_cast<parked&>(*w);
    schedule_waiter(p.rt, p);
  }
}

/// Prints "wasio: misuse: WHAT" and aborts (a primitive destroyed with awaits parked, a capacity of 0).
[[noreturn]] void primitive_misuse(const char* what);

}  // namespace detail
}  // namespace wasio::rt
