#pragma once
/// wasio::rt::transfer: the outcome of an all-or-progress socket operation (read_exact, write_all):
/// a byte count, and the error that stopped the operation early, if one did.
///
/// A plain result<size_t> cannot say "failed after moving 600 bytes": those 600 bytes would be
/// consumed from the socket (or sent to the peer) with no trace. A transfer keeps the count on both
/// paths, so a timed-out or canceled read_exact can be resumed where it stopped and a failed
/// write_all tells how much of its buffer the peer may have received.
///
/// Reads like a result<size_t>: `if (!t)`, `t.error()`, `*t`.
/// Errors: those of the operation that produced it (canceled, timedout, connreset, pipe, ...).
/// Notes:
/// - transferred() is valid on success and on failure; value() / operator* trap on a failure, like
///   result's, so an unchecked short count cannot be mistaken for a complete one.
/// - On success the count may still be short: read_exact ends early at end of stream.
///
/// Example (compiled in tests/guest/rt_tcp_test.cpp):
///   auto got = co_await wasio::rt::with_timeout(5s, stream.read_exact(body));
///   if (!got) keep = std::span(body).first(got.transferred());  // what arrived before the error

#include <cstddef>

#include "wasio/errc.hpp"
#include "wasio/result.hpp"

namespace wasio::rt {

class [[nodiscard]] transfer {
 public:
  using value_type = std::size_t;

  /// Success after `count` bytes.
  transfer(std::size_t count) noexcept : count_(count) {}
  /// Failure with `f.code` after `count` bytes moved.
  transfer(failure f, std::size_t count = 0) noexcept : count_(count), error_(f.code) {
    if (error_ == errc::success) wasio::detail::result_misuse("a failed transfer needs an error code");
  }

  bool has_value() const noexcept { return error_ == errc::success; }
  explicit operator bool() const noexcept { return has_value(); }
  /// The bytes moved, whether the operation succeeded or not.
  std::size_t transferred() const noexcept { return count_; }
  /// The count of a successful transfer; traps on a failed one.
  std::size_t value() const {
    if (!has_value()) wasio::detail::result_misuse("value() on a failed transfer (use transferred())");
    return count_;
  }
  std::size_t operator*() const { return value(); }
  /// The error; traps on a success.
  errc error() const {
    if (has_value()) wasio::detail::result_misuse("error() on a successful transfer");
    return error_;
  }
  /// The same count with another error (with_timeout turns canceled into timedout this way).
  transfer with_error(errc code) const { return transfer(fail(code), count_); }

 private:
  std::size_t count_ = 0;
  errc error_ = errc::success;
};

}  // namespace wasio::rt
