#pragma once
/// wasio::task<T>: a lazy, move-only coroutine that produces a T when awaited.
///
/// A task does nothing until it is awaited (`co_await std::move(t)` or `co_await make_task()`),
/// spawned (runtime::spawn, task_group::spawn) or run by runtime::block_on. Awaiting transfers
/// control symmetrically: the awaiting coroutine resumes the task and the finished task resumes
/// its awaiter directly, so awaiting any number of tasks that finish at once uses constant stack.
/// Fallible work returns `wasio::result<U>` as its T: errors are values, never exceptions.
///
/// A task inherits the runtime and the stop token of whoever awaits it; the runtime's awaits
/// (sockets, timers) watch that token and complete with errc::canceled when it is stopped.
///
/// Errors: none of its own. Notes:
/// - Destroying a task that has not finished destroys its frame and everything suspended in it
///   (awaits unlink themselves from the runtime: no registration, timer or queue entry survives).
/// - `unhandled_exception` prints a message and aborts, with or without -fno-exceptions: results
///   are values here, so an exception escaping a task is a bug (a throwing allocator, say).
/// - Frames come from the frame allocator (wasio/rt/frame_allocator.hpp); allocation failure traps.
/// - Awaiters of this library only work inside wasio::task coroutines (checked at compile time).
///
/// Example (compiled in tests/guest/rt_task_test.cpp):
///   wasio::task<int> answer() { co_return 42; }
///   wasio::task<wasio::result<int>> twice() {
///     const int a = co_await answer();
///     co_return a * 2;
///   }
///   auto r = rt.block_on(twice());  // result<int> holding 84

#include <concepts>
#include <coroutine>
#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>

#include "wasio/rt/detail/waiter.hpp"
#include "wasio/rt/frame_allocator.hpp"
#include "wasio/rt/stop.hpp"

namespace wasio {
namespace rt {
class runtime;
namespace detail {

struct scope;
struct join_link;

/// What every wasio task's promise holds besides its value.
struct promise_base {
  promise_base() = default;
  promise_base(const promise_base&) = delete;
  promise_base& operator=(const promise_base&) = delete;
  /// Tells a join_handle the frame is gone (after its value was delivered, or without one).
  ~promise_base();

  runtime* rt = nullptr;
  stop_token stop;
  std::coroutine_handle<> continuation;
  /// Set for spawned tasks: the scope that tracks them and frees the frame when they end.
  scope* owner = nullptr;
  promise_base* scope_prev = nullptr;
  promise_base* scope_next = nullptr;
  /// The ready-queue entry that starts a spawned task; its handle is the task's own frame.
  waiter start;
  /// Set for tasks spawned with a join_handle: gets the value at the final suspend.
  join_link* join = nullptr;

  static void* operator new(std::size_t size) { return allocate_frame(size); }
  static void operator delete(void* frame, std::size_t size) { deallocate_frame(frame, size); }

  std::suspend_always initial_suspend() noexcept { return {}; }

  struct final_awaiter {
    promise_base* self;
    bool await_ready() noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<>) noexcept {
      if (self->owner != nullptr) {
        if (self->join != nullptr) self->deliver_to_join();
        // Lifetime: finish_spawned destroys this frame (this awaiter included); touch nothing after.
        self->finish_spawned();
        return std::noop_coroutine();
      }
      return self->continuation ? self->continuation : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  final_awaiter final_suspend() noexcept { return {this}; }
  [[noreturn]] void unhandled_exception() noexcept;

  /// Tells the owning scope this spawned task ended, then frees the frame.
  void finish_spawned() noexcept;
  /// Hands the task's value to its join_handle (join != nullptr).
  void deliver_to_join() noexcept;
};

template <class P>
concept wasio_promise = std::derived_from<P, promise_base>;

/// `co_await detail::this_promise{}` yields the awaiting task's promise without suspending.
struct this_promise {
  promise_base* found = nullptr;
  bool await_ready() noexcept { return false; }
  template <wasio_promise P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    found = &h.promise();
    return false;
  }
  promise_base& await_resume() noexcept { return *found; }
};

template <class T>
struct task_access;

[[noreturn]] void empty_task_awaited();
[[noreturn]] void finished_task_awaited();

}  // namespace detail
}  // namespace rt

template <class T = void>
class [[nodiscard]] task {
 public:
  struct promise_type;
  using handle_type = std::coroutine_handle<promise_type>;

  struct promise_base_with_value : rt::detail::promise_base {
    std::optional<T> value;
    template <class U>
      requires std::convertible_to<U&&, T>
    void return_value(U&& v) { value.emplace(std::forward<U>(v)); }
  };
  struct promise_type : promise_base_with_value {
    task get_return_object() noexcept { return task(handle_type::from_promise(*this)); }
  };

  task() = default;
  task(task&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      reset();
      h_ = std::exchange(other.h_, {});
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() { reset(); }

  /// False for a moved-from or default-constructed task.
  bool valid() const { return static_cast<bool>(h_); }

  /// Owns the task's frame from the moment it is awaited: the task object is left empty, so a
  /// second await of it traps instead of resuming a finished coroutine.
  struct awaiter {
    explicit awaiter(handle_type handle) noexcept : h(handle) {}
    awaiter(awaiter&& other) noexcept : h(std::exchange(other.h, {})) {}
    awaiter& operator=(awaiter&&) = delete;
    ~awaiter() {
      if (h) h.destroy();
    }

    handle_type h;
    bool await_ready() noexcept { return false; }
    template <rt::detail::wasio_promise P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> parent) noexcept {
      auto& child = h.promise();
      child.rt = parent.promise().rt;
      child.stop = parent.promise().stop;
      child.continuation = parent;
      return h;
    }
    T await_resume() { return std::move(*h.promise().value); }
  };
  /// Starts the task and resumes the awaiting coroutine with its value; the task is consumed (left
  /// empty). Awaiting an empty task (moved from, or awaited already) or a finished one traps.
  awaiter operator co_await() && noexcept {
    if (!h_) rt::detail::empty_task_awaited();
    if (h_.done()) rt::detail::finished_task_awaited();
    return awaiter(std::exchange(h_, {}));
  }

 private:
  friend struct rt::detail::task_access<T>;
  explicit task(handle_type h) : h_(h) {}
  void reset() {
    if (h_) h_.destroy();
    h_ = {};
  }
  handle_type h_;
};

template <>
struct task<void>::promise_base_with_value : rt::detail::promise_base {
  void return_void() noexcept {}
};

template <>
inline void task<void>::awaiter::await_resume() {}

namespace rt::detail {
template <class T>
struct task_access {
  static std::coroutine_handle<typename task<T>::promise_type> release(task<T>& t) {
    return std::exchange(t.h_, {});
  }
  static std::coroutine_handle<typename task<T>::promise_type> handle(task<T>& t) { return t.h_; }
};
}  // namespace rt::detail

}  // namespace wasio
