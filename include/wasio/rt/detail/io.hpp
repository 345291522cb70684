#pragma once
// The pieces of the runtime that socket awaiters are built from: a per-socket pair of waiter slots
// and the waiter an I/O await parks there. Users never touch these.

#include <coroutine>

#include "wasio/errc.hpp"
#include "wasio/rt/detail/waiter.hpp"
#include "wasio/rt/stop.hpp"

namespace wasio::rt {
class runtime;
namespace detail {

struct io_waiter;

/// One per registered socket: at most one parked await per direction.
struct io_state {
  io_waiter* reader = nullptr;
  io_waiter* writer = nullptr;
  bool idle() const { return reader == nullptr && writer == nullptr; }
};

/// Lives in the awaiting coroutine's frame (inside the awaiter): suspending allocates nothing.
/// `attempt` runs the syscall(s); it returns true when the operation finished (its outcome stored in
/// the derived awaiter), false when the host said would_block.
struct io_waiter : waiter {
  explicit io_waiter(bool (*op)(io_waiter&)) : attempt(op) {}
  // Awaiters are handed around (with_timeout takes them by value) before they start; a started
  // one is pinned in its frame.
  io_waiter(io_waiter&& other) noexcept : attempt(other.attempt) {}
  ~io_waiter();

  bool (*attempt)(io_waiter&);
  runtime* rt = nullptr;
  /// The direction slot of the socket this await is for.
  io_waiter** home = nullptr;
  /// The slot holding this waiter while it is parked (== home); null otherwise.
  io_waiter** parked_in = nullptr;
  /// Set when the await ends without the operation's own outcome (canceled, busy, badf).
  errc early = errc::success;
  stop_callback cancel;
};

}  // namespace detail
}  // namespace wasio::rt
