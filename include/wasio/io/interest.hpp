#pragma once
/// wasio::interest: which readiness a registration asks for: readable, writable or both. Never empty.
///
/// Notes: there is no way to spell an empty interest; to stop watching a source, deregister it.
/// `remove` returns std::nullopt rather than an empty interest.
///
/// Example (compiled in tests/guest/interest_test.cpp):
///   auto both = wasio::interest::readable | wasio::interest::writable;
///   auto only_read = both.remove(wasio::interest::writable);  // std::optional, holds readable

#include <cstdint>
#include <optional>

namespace wasio {

class interest {
 public:
  static const interest readable;
  static const interest writable;

  constexpr bool is_readable() const { return (bits_ & read_bit) != 0; }
  constexpr bool is_writable() const { return (bits_ & write_bit) != 0; }

  /// Both interests of `a` and `b`.
  friend constexpr interest operator|(interest a, interest b) { return interest(a.bits_ | b.bits_); }
  constexpr interest& operator|=(interest other) { bits_ |= other.bits_; return *this; }
  /// This interest without `other`'s; nullopt when nothing would be left.
  constexpr std::optional<interest> remove(interest other) const {
    const std::uint8_t left = bits_ & static_cast<std::uint8_t>(~other.bits_);
    if (left == 0) return std::nullopt;
    return interest(left);
  }

  friend constexpr bool operator==(interest, interest) = default;

 private:
  static constexpr std::uint8_t read_bit = 1, write_bit = 2;
  constexpr explicit interest(std::uint8_t bits) : bits_(bits) {}
  std::uint8_t bits_;
};

inline constexpr interest interest::readable{interest::read_bit};
inline constexpr interest interest::writable{interest::write_bit};

/// How a registration reports readiness.
enum class trigger : std::uint8_t {
  /// Every poll reports the direction while the host says it is ready (what preview1 itself does).
  level,
  /// A direction is reported once, then not again until the application has seen would_block for
  /// it through a wasio socket (tcp_stream::read, write, tcp_listener::accept ...), which re-arms it.
  edge,
};

}  // namespace wasio
