#pragma once
/// wasio::rt::channel<T>: a bounded queue between tasks of one runtime, any number of senders and
/// receivers, with close().
///
/// - send(v) waits while the channel is full; try_send(v) never waits.
/// - receive() waits while it is empty; try_receive() never waits. Messages come out in the order
///   they went in; waiting senders and receivers are served in the order they started waiting.
/// - close(): later sends fail with pipe; receivers get what is still queued, then pipe. Every
///   waiting sender and receiver is woken.
///
/// Errors:
/// - send / try_send: pipe (closed; the value is not sent), canceled (send only: the task's stop
///   token was stopped while it waited; the value is not sent), again (try_send: full).
/// - receive / try_receive: pipe (closed and empty), canceled (receive only: stopped while waiting,
///   nothing taken), again (try_receive: empty).
/// Notes:
/// - Cancellation-safe: a message leaves the queue only inside the receive that returns it, so a
///   canceled receive (with_timeout, a stopped task) loses no message: it stays for the next receive.
///   A receive that was woken for a message and then stopped still returns that message.
/// - No allocation per message: the queue is a ring of `capacity` slots made at construction.
/// - Single-threaded (one runtime). The channel must outlive every await on it (destroying it
///   with awaits parked traps).
///
/// Example (compiled in tests/guest/rt_channel_test.cpp):
///   wasio::rt::channel<std::string> jobs(16);
///   rt.spawn(producer(jobs));                 // co_await jobs.send(...); then jobs.close()
///   for (;;) {
///     auto job = co_await jobs.receive();
///     if (!job) break;                        // pipe: closed and drained
///     run(*job);
///   }

#include <coroutine>
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "wasio/errc.hpp"
#include "wasio/result.hpp"
#include "wasio/rt/detail/parked.hpp"
#include "wasio/rt/task.hpp"

namespace wasio::rt {

template <class T>
class channel {
 public:
  /// Traps for capacity 0 (a rendezvous channel is not offered).
  explicit channel(std::size_t capacity) : slots_(capacity) {
    if (capacity == 0) detail::primitive_misuse("a channel needs a capacity of at least 1");
  }
  channel(const channel&) = delete;
  channel& operator=(const channel&) = delete;
  ~channel() {
    if (!senders_.empty() || !receivers_.empty()) detail::primitive_misuse("channel destroyed while awaits are parked on it");
  }

  std::size_t capacity() const { return slots_.size(); }
  std::size_t size() const { return count_; }
  bool closed() const { return closed_; }

  /// Errors: pipe (closed), again (full).
  result<void> try_send(T value) {
    if (closed_) return fail(errc::pipe);
    if (count_ == slots_.size()) return fail(errc::again);
    push(std::move(value));
    return {};
  }
  /// Errors: pipe (closed and empty), again (empty).
  result<T> try_receive() {
    if (count_ != 0) return pop();
    return fail(closed_ ? errc::pipe : errc::again);
  }
  /// Closes the channel (see the header comment). Idempotent.
  void close() {
    if (closed_) return;
    closed_ = true;
    detail::wake_all(senders_);
    detail::wake_all(receivers_);
  }

  class [[nodiscard]] send_awaiter : detail::parked {
   public:
    send_awaiter(channel& c, T value) : channel_(&c), value_(std::move(value)) {}
    send_awaiter(send_awaiter&& other) noexcept : channel_(other.channel_), value_(std::move(other.value_)) {}
    bool await_ready() noexcept { return channel_->closed_ || channel_->count_ < channel_->slots_.size(); }
    template <detail::wasio_promise P>
    bool await_suspend(std::coroutine_handle<P> h) {
      return park(h, h.promise().rt, h.promise().stop, channel_->senders_, &retry_send);
    }
    result<void> await_resume() {
      done();
      if (channel_->closed_) return fail(errc::pipe);
      if (channel_->count_ < channel_->slots_.size()) {
        channel_->push(std::move(value_));
        return {};
      }
      return fail(errc::canceled);
    }

   private:
    static bool retry_send(detail::waiter& w) {
      auto& self = static_cast<send_awaiter&>(static_cast<detail::parked&>(w));
      channel& c = *self.channel_;
      if (c.closed_ || c.count_ < c.slots_.size() || self.stopped) return true;
      self.repark();
      return false;
    }
    channel* channel_;
    T value_;
  };
  class [[nodiscard]] receive_awaiter : detail::parked {
   public:
    explicit receive_awaiter(channel& c) : channel_(&c) {}
    receive_awaiter(receive_awaiter&& other) noexcept : channel_(other.channel_) {}
    bool await_ready() noexcept { return channel_->count_ != 0 || channel_->closed_; }
    template <detail::wasio_promise P>
    bool await_suspend(std::coroutine_handle<P> h) {
      return park(h, h.promise().rt, h.promise().stop, channel_->receivers_, &retry_receive);
    }
    result<T> await_resume() {
      done();
      if (channel_->count_ != 0) return channel_->pop();
      return fail(channel_->closed_ ? errc::pipe : errc::canceled);
    }

   private:
    static bool retry_receive(detail::waiter& w) {
      auto& self = static_cast<receive_awaiter&>(static_cast<detail::parked&>(w));
      channel& c = *self.channel_;
      if (c.count_ != 0 || c.closed_ || self.stopped) return true;
      self.repark();  // another receiver took the message first
      return false;
    }
    channel* channel_;
  };

  /// `co_await ch.send(v)`: result<void> (see the header comment).
  send_awaiter send(T value) { return send_awaiter(*this, std::move(value)); }
  /// `co_await ch.receive()`: result<T> (see the header comment).
  receive_awaiter receive() { return receive_awaiter(*this); }

 private:
  void push(T value) {
    slots_[(head_ + count_) % slots_.size()].emplace(std::move(value));
    ++count_;
    detail::wake_one(receivers_);
  }
  T pop() {
    std::optional<T>& slot = slots_[head_];
    T value = std::move(*slot);
    slot.reset();
    head_ = (head_ + 1) % slots_.size();
    --count_;
    detail::wake_one(senders_);
    return value;
  }

  std::vector<std::optional<T>> slots_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  bool closed_ = false;
  detail::waiter_queue senders_;
  detail::waiter_queue receivers_;
};

}  // namespace wasio::rt
