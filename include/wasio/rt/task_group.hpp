#pragma once
/// wasio::rt::task_group: a scope of child tasks that its owner awaits (structured concurrency).
///
/// Children run concurrently under the group's stop token. `co_await group.join()` waits until
/// every child has ended; if the task awaiting join is stopped meanwhile, the stop is forwarded to
/// the children (so stopping a connection handler stops its reader and writer too). Groups nest:
/// a child may own a group of its own.
///
/// Errors: join never fails. join_within(grace): timedout when the grace period ran out and the
/// children still running were stopped (they have all ended when it returns).
/// Notes:
/// - A group must be joined before its owner finishes. If the owner's frame is destroyed instead
///   (the runtime tearing down), the group destroys its children, closing what they held.
/// - One join at a time; a second concurrent join traps.
///
/// Example (compiled in tests/guest/rt_task_group_test.cpp):
///   wasio::rt::task_group group(rt);
///   group.spawn(reader(stream));
///   group.spawn(writer(stream));
///   co_await group.join();

#include <coroutine>
#include <cstddef>

#include "wasio/result.hpp"
#include "wasio/rt/clock.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/stop.hpp"
#include "wasio/rt/task.hpp"

namespace wasio::rt {

class task_group {
 public:
  explicit task_group(runtime& rt) : rt_(&rt), scope_(rt) {}
  task_group(const task_group&) = delete;
  task_group& operator=(const task_group&) = delete;
  ~task_group() { scope_.destroy_all(); }

  /// Starts `t` as a child under the group's stop token.
  template <class T>
  void spawn(task<T> t) {
    auto h = detail::task_access<T>::release(t);
    if (!h) detail::empty_task_awaited();
    scope_.adopt(h.promise(), h, stop_.token());
  }

  /// Children still running.
  std::size_t size() const { return scope_.size(); }
  void request_stop() { stop_.request_stop(); }
  stop_token token() { return stop_.token(); }

  class [[nodiscard]] join_awaiter {
   public:
    explicit join_awaiter(task_group& g) : group_(&g) {}
    join_awaiter(join_awaiter&& other) noexcept : group_(other.group_) {}
    bool await_ready() noexcept { return group_->scope_.size() == 0; }
    template <detail::wasio_promise P>
    void await_suspend(std::coroutine_handle<P> h) {
      start(h, h.promise().stop);
    }
    void await_resume() noexcept {}

   private:
    void start(std::coroutine_handle<> h, stop_token awaiting);
    static void forward_stop(void* group);
    task_group* group_;
    detail::waiter node_;
    stop_callback forward_;
  };
  /// Waits until every child has ended (see the header comment). Never fails.
  join_awaiter join() { return join_awaiter(*this); }

  /// Waits up to `grace` for the children, then stops the rest and waits for them to end.
  /// Errors: timedout (some children had to be stopped).
  task<result<void>> join_within(clock::duration grace);

 private:
  runtime* rt_;
  stop_source stop_;
  // After stop_: children (destroyed first) hold tokens of stop_.
  detail::scope scope_;
};

}  // namespace wasio::rt
