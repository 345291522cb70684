#pragma once
// The runtime's ready queue: an intrusive FIFO of waiters that live in coroutine frames (no
// allocation to suspend or resume). A waiter unlinks itself when destroyed, so destroying a frame
// that is queued leaves no dangling entry behind.

#include <coroutine>
#include <cstddef>

namespace wasio::rt::detail {

class waiter_queue;

struct waiter {
  waiter() = default;
  waiter(const waiter&) = delete;
  waiter& operator=(const waiter&) = delete;
  ~waiter();
  bool queued() const { return queue != nullptr; }

  std::coroutine_handle<> handle;
  /// When set, the runtime calls it instead of resuming: it retries an operation and returns true
  /// when the coroutine may resume (false: it parked itself again).
  bool (*retry)(waiter& self) = nullptr;
  waiter* prev = nullptr;
  waiter* next = nullptr;
  waiter_queue* queue = nullptr;
};

class waiter_queue {
 public:
  waiter_queue() = default;
  waiter_queue(const waiter_queue&) = delete;
  waiter_queue& operator=(const waiter_queue&) = delete;
  ~waiter_queue() {
    while (head_ != nullptr) remove(*head_);
  }

  void push_back(waiter& w) {
    w.queue = this;
    w.prev = tail_;
    w.next = nullptr;
    if (tail_ != nullptr) tail_->next = &w; else head_ = &w;
    tail_ = &w;
    ++size_;
  }
  waiter* pop_front() {
    waiter* w = head_;
    if (w != nullptr) remove(*w);
    return w;
  }
  void remove(waiter& w) {
    if (w.prev != nullptr) w.prev->next = w.next; else head_ = w.next;
    if (w.next != nullptr) w.next->prev = w.prev; else tail_ = w.prev;
    w.prev = w.next = nullptr;
    w.queue = nullptr;
    --size_;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  waiter* head_ = nullptr;
  waiter* tail_ = nullptr;
  std::size_t size_ = 0;
};

inline waiter::~waiter() {
  if (queue != nullptr) queue->remove(*this);
}

}  // namespace wasio::rt::detail
