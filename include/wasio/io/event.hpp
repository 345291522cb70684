#pragma once
/// wasio::event and wasio::events: what one poll found ready.
///
/// One event per registration per poll: a registration subscribed in both directions whose read and
/// write subscriptions both fired gets a single event with both flags.
///
/// Notes (read these before trusting an event):
/// - Readiness is a hint. Hosts report spurious events (wasmtime's legacy host gives every fd
///   subscription an event as soon as any one is ready). Treat an event as "try the operation":
///   keep reading or writing until it returns errc::again (wasio::would_block).
/// - is_read_closed() is set only when the host flags the hang-up; wasmtime-legacy reports a peer's
///   FIN as a plain readable event, so the reliable end-of-stream signal is a read returning 0 bytes.
/// - is_error() marks a per-subscription failure (the fd went bad, the socket failed); error() tells
///   which. It never makes the whole poll fail.
///
/// Example (compiled in tests/guest/header_examples_test.cpp):
///   for (const wasio::event& ev : events) {
///     if (ev.is_error()) { drop(ev.token()); continue; }
///     if (ev.is_readable()) drain(ev.token());
///   }

#include <cstddef>
#include <cstdint>
#include <vector>

#include "wasio/errc.hpp"
#include "wasio/io/token.hpp"

namespace wasio {

class event {
 public:
  /// The registration this event belongs to.
  wasio::token token() const { return token_; }
  bool is_readable() const { return (flags_ & readable_bit) != 0; }
  bool is_writable() const { return (flags_ & writable_bit) != 0; }
  /// The host flagged the read side as hung up (peer closed or reset).
  bool is_read_closed() const { return (flags_ & read_closed_bit) != 0; }
  /// The host flagged the write side as hung up.
  bool is_write_closed() const { return (flags_ & write_closed_bit) != 0; }
  bool is_error() const { return error_ != errc::success; }
  /// The per-subscription error; errc::success when is_error() is false.
  errc error() const { return error_; }
  /// The host's byte count for a readable event (a hint: at least 1 even at EOF on some hosts).
  std::uint64_t readable_bytes_hint() const { return readable_bytes_; }

 private:
  friend class registry;
  static constexpr std::uint8_t readable_bit = 1, writable_bit = 2, read_closed_bit = 4,
                                write_closed_bit = 8;
  wasio::token token_;
  std::uint8_t flags_ = 0;
  errc error_ = errc::success;
  std::uint64_t readable_bytes_ = 0;
};

/// The events one poll produced. Reused from poll to poll: its storage only grows.
class events {
 public:
  events() = default;
  /// Reserves room for `capacity` events up front (a hint: a poll never drops events for lack of
  /// room, since in edge mode a dropped event would be lost for good).
  explicit events(std::size_t capacity) { items_.reserve(capacity); }

  using const_iterator = std::vector<event>::const_iterator;
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const event& operator[](std::size_t i) const { return items_[i]; }
  void clear() { items_.clear(); }

 private:
  friend class registry;
  std::vector<event> items_;
};

}  // namespace wasio
