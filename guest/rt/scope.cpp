// detail::scope: the spawned tasks a runtime or a task_group owns.

#include <utility>

#include "wasio/rt/runtime.hpp"

namespace wasio::rt::detail {

void scope::adopt(promise_base& child, std::coroutine_handle<> frame, stop_token token) {
  child.rt = rt;
  child.stop = token;
  child.owner = this;
  child.scope_prev = nullptr;
  child.scope_next = first;
  if (first != nullptr) first->scope_prev = &child;
  first = &child;
  ++count;
  rt->task_started();
  child.start.handle = frame;
  rt->schedule(child.start);
}

void scope::finished(promise_base& child) noexcept {
  if (child.scope_prev != nullptr) child.scope_prev->scope_next = child.scope_next; else first = child.scope_next;
  if (child.scope_next != nullptr) child.scope_next->scope_prev = child.scope_prev;
  --count;
  rt->task_ended();
  const std::coroutine_handle<> frame = child.start.handle;
  frame.destroy();
  if (count == 0 && joiner != nullptr) rt->schedule(*std::exchange(joiner, nullptr));
}

void scope::destroy_all() noexcept {
  while (first != nullptr) {
    promise_base& child = *first;
    first = child.scope_next;
    if (first != nullptr) first->scope_prev = nullptr;
    --count;
    rt->task_ended();
    child.owner = nullptr;
    const std::coroutine_handle<> frame = child.start.handle;
    frame.destroy();
  }
  joiner = nullptr;
}

}  // namespace wasio::rt::detail
