#pragma once
/// wasio::rt::broadcast<T>: every message to every receiver; a slow receiver lags instead of
/// stalling the sender (tokio's broadcast semantics).
///
/// - send(v) never waits: the message goes into a ring of `capacity` slots, overwriting the oldest.
/// - subscribe() gives a receiver that sees every message sent after it subscribed.
/// - A receiver that fell more than `capacity` messages behind gets errc::overflow once; lagged()
///   then says how many messages it missed, and its next receive continues with the oldest message
///   still kept. So a stuck receiver costs memory for `capacity` messages, never more, and the
///   sender and the other receivers go on at their own pace.
/// - close(): sends fail with pipe; receivers get what they have not seen yet, then pipe.
///
/// Errors:
/// - send: pipe (closed).
/// - receive / try_receive: overflow (lagged: see lagged()), pipe (closed and seen everything),
///   canceled (receive: the task's stop token was stopped while it waited; nothing is skipped),
///   again (try_receive: nothing new).
/// Notes:
/// - Cancellation-safe: a receiver's position moves only when a receive returns a message, so a
///   canceled receive loses nothing.
/// - Each receiver gets its own copy of each message (T must be copyable): for large messages,
///   send a std::shared_ptr<const M>.
/// - Single-threaded. The broadcast must outlive its receivers (destroying it with receivers left
///   traps); a receiver unsubscribes when destroyed.
///
/// Example (compiled in examples/chat/chat_server.cpp):
///   wasio::rt::broadcast<line> room(256);
///   auto inbox = room.subscribe();
///   (void)room.send(line{...});
///   auto next = co_await inbox.receive();      // overflow: inbox.lagged() lines were missed

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "wasio/errc.hpp"
#include "wasio/result.hpp"
#include "wasio/rt/detail/parked.hpp"
#include "wasio/rt/task.hpp"

namespace wasio::rt {

template <class T>
class broadcast {
 public:
  /// Traps for capacity 0.
  explicit broadcast(std::size_t capacity) : slots_(capacity) {
    if (capacity == 0) detail::primitive_misuse("a broadcast needs a capacity of at least 1");
  }
  broadcast(const broadcast&) = delete;
  broadcast& operator=(const broadcast&) = delete;
  ~broadcast() {
    if (receivers_ != 0) detail::primitive_misuse("broadcast destroyed while receivers are subscribed");
  }

  std::size_t capacity() const { return slots_.size(); }
  std::size_t receiver_count() const { return receivers_; }
  bool closed() const { return closed_; }
  /// Messages sent so far.
  std::uint64_t sent() const { return next_; }

  /// Sends to every receiver; returns how many receivers are subscribed. Errors: pipe (closed).
  result<std::size_t> send(T value) {
    if (closed_) return fail(errc::pipe);
    slots_[next_ % slots_.size()].emplace(std::move(value));
    ++next_;
    detail::wake_all(waiting_);
    return receivers_;
  }
  /// Closes (see the header comment). Idempotent.
  void close() {
    if (closed_) return;
    closed_ = true;
    detail::wake_all(waiting_);
  }

  class receiver;
  receiver subscribe() { return receiver(*this); }

  class receiver {
   public:
    receiver(receiver&& other) noexcept
        : owner_(std::exchange(other.owner_, nullptr)), cursor_(other.cursor_), lagged_(other.lagged_) {}
    receiver& operator=(receiver&& other) noexcept {
      if (this != &other) {
        unsubscribe();
        owner_ = std::exchange(other.owner_, nullptr);
        cursor_ = other.cursor_;
        lagged_ = other.lagged_;
      }
      return *this;
    }
    receiver(const receiver&) = delete;
    receiver& operator=(const receiver&) = delete;
    ~receiver() { unsubscribe(); }

    /// How many messages the last overflow skipped.
    std::uint64_t lagged() const { return lagged_; }
    /// Messages sent that this receiver has not received yet (at most the capacity is still kept).
    std::uint64_t pending() const { return owner_ == nullptr ? 0 : owner_->next_ - cursor_; }

    /// Errors: overflow, pipe, again (see the header comment).
    result<T> try_receive() {
      if (owner_ == nullptr) return fail(errc::pipe);
      return take();
    }

    class [[nodiscard]] receive_awaiter : detail::parked {
     public:
      explicit receive_awaiter(receiver& r) : receiver_(&r) {}
      receive_awaiter(receive_awaiter&& other) noexcept : receiver_(other.receiver_) {}
      bool await_ready() noexcept { return receiver_->owner_ == nullptr || receiver_->has_news(); }
      template <detail::wasio_promise P>
      bool await_suspend(std::coroutine_handle<P> h) {
        return park(h, h.promise().rt, h.promise().stop, receiver_->owner_->waiting_, &retry_receive);
      }
      result<T> await_resume() {
        done();
        if (receiver_->owner_ == nullptr) return fail(errc::pipe);
        if (receiver_->has_news()) return receiver_->take();
        return fail(errc::canceled);
      }

     private:
      static bool retry_receive(detail::waiter& w) {
        auto& self = static_cast<receive_awaiter&>(static_cast<detail::parked&>(w));
        if (self.receiver_->has_news() || self.stopped) return true;
        self.repark();
        return false;
      }
      receiver* receiver_;
    };
    /// `co_await r.receive()`: result<T> (see the header comment).
    receive_awaiter receive() { return receive_awaiter(*this); }

   private:
    friend class broadcast;
    explicit receiver(broadcast& b) : owner_(&b), cursor_(b.next_) { ++b.receivers_; }
    void unsubscribe() {
      if (owner_ != nullptr) --std::exchange(owner_, nullptr)->receivers_;
    }
    /// Something to return now: a message, a lag to report, or the end.
    bool has_news() const { return cursor_ != owner_->next_ || owner_->closed_; }
    result<T> take() {
      broadcast& b = *owner_;
      const std::uint64_t oldest = b.next_ > b.slots_.size() ? b.next_ - b.slots_.size() : 0;
      if (cursor_ < oldest) {
        lagged_ = oldest - cursor_;
        cursor_ = oldest;
        return fail(errc::overflow);
      }
      if (cursor_ == b.next_) return fail(b.closed_ ? errc::pipe : errc::again);
      return *b.slots_[cursor_++ % b.slots_.size()];
    }

    broadcast* owner_;
    std::uint64_t cursor_;  // sequence number of the next message this receiver gets
    std::uint64_t lagged_ = 0;
  };

 private:
  std::vector<std::optional<T>> slots_;
  std::uint64_t next_ = 0;  // sequence number of the next message sent
  std::size_t receivers_ = 0;
  bool closed_ = false;
  detail::waiter_queue waiting_;
};

}  // namespace wasio::rt
