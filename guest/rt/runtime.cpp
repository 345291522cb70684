// wasio::rt::runtime: the loop (ready queue, timers, poll), socket awaits and the timer heap.

#include "wasio/rt/runtime.hpp"

#include "wasio/rt/frame_allocator.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace wasio::rt {

namespace {
[[noreturn]] void trap(const char* what) {
  std::fprintf(stderr, "wasio: runtime misuse: %s\n", what);
  std::abort();
}
/// The runtime whose loop runs on this thread (runtime::current).
thread_local runtime* current_runtime = nullptr;
}  // namespace

runtime::runtime(options opts) : opts_(opts), events_(opts.events_capacity) {
  if (opts_.tick_budget == 0 || opts_.op_budget == 0) trap("tick_budget and op_budget must be at least 1");
  if (opts_.max_poll_wait) poll_.registry().set_max_wait(opts_.max_poll_wait);
}

runtime::~runtime() {
  if (running_) trap("runtime destroyed from inside one of its tasks");
  // Close the rest: frames go first, while the poll their sockets are registered with still exists.
  root_.destroy_all();
  detail::release_cached_frames();
}

void runtime::schedule_start(detail::promise_base& p, std::coroutine_handle<> h) {
  p.start.handle = h;
  schedule(p.start);
}

runtime& runtime::current() {
  if (current_runtime == nullptr) trap("runtime::current() called outside a running runtime loop");
  return *current_runtime;
}

runtime* runtime::current_or_null() noexcept { return current_runtime; }

result<void> runtime::loop(std::coroutine_handle<> root) {
  if (running_) trap("run or block_on called from inside a task of the same runtime");
  running_ = true;
  // Lifetime: loops of other runtimes may nest on one thread (a test's block_on inside another
  // runtime's task is a trap of its own, but two runtimes in sequence are fine): restore the outer.
  struct running_guard {
    bool& flag;
    runtime* outer;
    ~running_guard() {
      flag = false;
      current_runtime = outer;
    }
  } guard{running_, std::exchange(current_runtime, this)};

  loop_time_ = clock::now();
  for (;;) {
    if (root ? root.done() : (tasks_ == 0 && timers_.empty())) return {};
    run_ready();
    if (root && root.done()) return {};
    loop_time_ = clock::now();
    fire_due_timers(loop_time_);

    std::optional<std::chrono::nanoseconds> timeout;
    if (!ready_.empty()) {
      // Nothing parked on a socket: there is nothing a poll could tell us yet.
      if (parked_ == 0) continue;
      timeout = std::chrono::nanoseconds(0);
    } else if (!timers_.empty()) {
      // The clock as read just above, before the timers fired: their callbacks only schedule.
      timeout = std::max(timers_.front()->deadline - loop_time_, clock::duration(0));
    } else if (parked_ == 0) {
      if (root ? root.done() : tasks_ == 0) return {};
      return fail(errc::deadlk);  // tasks remain, and nothing could ever resume them
    }

    ++polls_;
    auto waited = poll_.wait(events_, timeout);
    // Only a poll that could block moved the clock far; after a zero-timeout one the read before
    // the timers is recent enough for loop_time().
    if (!timeout || *timeout > std::chrono::nanoseconds(0)) loop_time_ = clock::now();
    if (!waited) {
      if (waited.error() == errc::intr) continue;
      return fail(waited.error());
    }
    dispatch(events_);
  }
}

void runtime::run_ready() {
  // Only the tasks ready at the start of the tick: whatever they make ready waits for the next one,
  // after timers and the poll had their turn.
  std::size_t turns = std::min(ready_.size(), opts_.tick_budget);
  while (turns-- > 0) {
    detail::waiter* w = ready_.pop_front();
    if (w == nullptr) break;
    if (w->retry != nullptr && !w->retry(*w)) continue;
    budget_left_ = opts_.op_budget;
    w->handle.resume();
  }
}

void runtime::fire_due_timers(clock::time_point now) {
  while (!timers_.empty() && timers_.front()->deadline <= now) {
    detail::timer_entry& t = *timers_.front();
    disarm(t);
    t.fire(t);
  }
}

void runtime::dispatch(const events& got) {
  for (const event& e : got) {
    const std::uint32_t index = e.token().index();
    if (index >= io_table_.size() || io_table_[index].state == nullptr) continue;
    io_entry& entry = io_table_[index];
    if (entry.tok != e.token()) {
      // The registry drops events of ended registrations, so this slot was reused: the state's own
      // registration ended without a detach. Its parked awaits can never be woken: finish them.
      detail::io_state& orphan = *entry.state;
      entry = {};
      abandon_io(orphan, errc::badf);
      continue;
    }
    detail::io_state& s = *entry.state;
    const bool read_side = e.is_readable() || e.is_read_closed() || e.is_error();
    const bool write_side = e.is_writable() || e.is_write_closed() || e.is_error();
    if (read_side && s.reader != nullptr) retry_parked(*s.reader);
    if (write_side && s.writer != nullptr) retry_parked(*s.writer);
  }
}

bool runtime::begin_io(detail::io_waiter& w, std::coroutine_handle<> h, stop_token token, detail::io_waiter*& slot) {
  w.rt = this;
  w.handle = h;
  w.home = &slot;
  w.early = errc::success;
  if (token.stop_requested()) {
    w.early = errc::canceled;
    return false;
  }
  if (slot != nullptr) {
    w.early = errc::busy;
    return false;
  }
  if (take_budget()) {
    if (w.attempt(w)) return false;
    w.parked_in = &slot;
    slot = &w;
    ++parked_;
  } else {
    // The task used its turn: go to the back of the queue and try the syscall when called again.
    w.retry = &retry_queued;
    schedule(w);
  }
  w.cancel.attach(token, &cancel_io, &w);
  return true;
}

bool runtime::retry_queued(detail::waiter& base) {
  auto& w = static_cast<detail::io_waiter&>(base);
  w.retry = nullptr;
  runtime& rt = *w.rt;
  rt.budget_left_ = rt.opts_.op_budget;
  (void)rt.take_budget();
  if (w.attempt(w)) {
    w.cancel.reset();
    return true;
  }
  if (*w.home != nullptr) {
    // Another await of the same direction parked while this one waited for its turn.
    w.cancel.reset();
    w.early = errc::busy;
    return true;
  }
  w.parked_in = w.home;
  *w.home = &w;
  ++rt.parked_;
  return false;
}

void runtime::retry_parked(detail::io_waiter& w) {
  if (!w.attempt(w)) return;  // would_block again: the edge registration was re-armed, stay parked
  unpark(w);
  complete_io(w);
}

void runtime::complete_io(detail::io_waiter& w) {
  w.cancel.reset();
  w.retry = nullptr;
  schedule(w);
}

void runtime::unpark(detail::io_waiter& w) {
  if (w.parked_in == nullptr) return;
  *w.parked_in = nullptr;
  w.parked_in = nullptr;
  --parked_;
}

void runtime::cancel_io(void* p) {
  auto& w = *static_cast<detail::io_waiter*>(p);
  w.early = errc::canceled;
  w.retry = nullptr;
  if (w.parked_in != nullptr) {
    w.rt->unpark(w);
    w.rt->schedule(w);
  }
  // Otherwise it is queued already (a budget yield) and now resumes with canceled.
}

void runtime::abandon_io(detail::io_state& state, errc code) {
  for (detail::io_waiter* w : {state.reader, state.writer}) {
    if (w == nullptr) continue;
    w->early = code;
    unpark(*w);
    complete_io(*w);
  }
}

void runtime::attach_io(wasio::token tok, detail::io_state* state) {
  if (!poll_.registry().contains(tok)) trap("attach_io with a token that names no live registration");
  if (io_table_.size() <= tok.index()) io_table_.resize(tok.index() + 1);
  io_entry& entry = io_table_[tok.index()];
  if (entry.state != nullptr && entry.state != state && entry.tok != tok) {
    detail::io_state& orphan = *entry.state;  // its registration ended without a detach
    entry = {};
    abandon_io(orphan, errc::badf);
  }
  entry = {tok, state};
}

void runtime::detach_io(wasio::token tok) {
  if (!tok.is_valid() || tok.index() >= io_table_.size()) return;
  io_entry& entry = io_table_[tok.index()];
  if (entry.tok == tok) entry = {};
}

// --- Timers: a binary min-heap of pointers into frames, each entry knowing its index.

bool runtime::heap_less(std::uint32_t a, std::uint32_t b) const {
  const detail::timer_entry& x = *timers_[a];
  const detail::timer_entry& y = *timers_[b];
  return x.deadline < y.deadline || (x.deadline == y.deadline && x.sequence < y.sequence);
}

void runtime::heap_swap(std::uint32_t a, std::uint32_t b) {
  std::swap(timers_[a], timers_[b]);
  timers_[a]->heap_index = a;
  timers_[b]->heap_index = b;
}

void runtime::heap_up(std::uint32_t i) {
  while (i > 0) {
    const std::uint32_t parent = (i - 1) / 2;
    if (!heap_less(i, parent)) break;
    heap_swap(i, parent);
    i = parent;
  }
}

void runtime::heap_down(std::uint32_t i) {
  const auto n = static_cast<std::uint32_t>(timers_.size());
  for (;;) {
    const std::uint32_t left = 2 * i + 1, right = left + 1;
    std::uint32_t smallest = i;
    if (left < n && heap_less(left, smallest)) smallest = left;
    if (right < n && heap_less(right, smallest)) smallest = right;
    if (smallest == i) break;
    heap_swap(i, smallest);
    i = smallest;
  }
}

void runtime::arm(detail::timer_entry& t, clock::time_point deadline) {
  if (t.owner != nullptr) trap("timer armed twice");
  t.owner = this;
  t.deadline = deadline;
  t.sequence = timer_sequence_++;
  t.heap_index = static_cast<std::uint32_t>(timers_.size());
  timers_.push_back(&t);
  heap_up(t.heap_index);
}

void runtime::disarm(detail::timer_entry& t) {
  if (t.owner != this) return;
  const std::uint32_t i = t.heap_index;
  const auto last = static_cast<std::uint32_t>(timers_.size() - 1);
  if (i != last) {
    heap_swap(i, last);
    timers_.pop_back();
    heap_up(i);
    heap_down(i);
  } else {
    timers_.pop_back();
  }
  t.owner = nullptr;
}

namespace detail {

timer_entry::~timer_entry() {
  if (owner != nullptr) owner->disarm(*this);
}

io_waiter::~io_waiter() {
  if (rt != nullptr) rt->unpark(*this);
}

}  // namespace detail
}  // namespace wasio::rt
