// task_group: join, and the graceful join_within.

#include "wasio/rt/task_group.hpp"

#include <cstdio>
#include <cstdlib>

#include "wasio/rt/time.hpp"

namespace wasio::rt {

void task_group::join_awaiter::start(std::coroutine_handle<> h, stop_token awaiting) {
  if (group_->scope_.joiner != nullptr) {
    std::fprintf(stderr, "wasio: task_group joined twice at once\n");
    std::abort();
  }
  node_.handle = h;
  group_->scope_.joiner = &node_;
  // Structured: a stop of the task that owns the group reaches the children it waits for.
  forward_.attach(awaiting, &forward_stop, group_);
}

void task_group::join_awaiter::forward_stop(void* group) { static_cast<task_group*>(group)->request_stop(); }

task<result<void>> task_group::join_within(clock::duration grace) {
  detail::deadline_stopper deadline(*rt_, deadline_after(grace), stop_);
  co_await join();
  if (deadline.fired()) co_return fail(errc::timedout);
  co_return result<void>();
}

}  // namespace wasio::rt
