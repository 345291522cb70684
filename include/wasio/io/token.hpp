#pragma once
/// wasio::token: names one registration in a registry; events carry it back.
///
/// The registry hands tokens out (mio lets the user pick them; here the token doubles as the key of
/// the subscription array). A token holds a dense slot index, handy as an index into the
/// application's own table of connections, and a generation, so a token kept after its
/// registration ended never matches the registration that later reuses the slot.
///
/// Notes: a default-constructed token names nothing and never equals a token from a registry.
///
/// Example (compiled in tests/guest/header_examples_test.cpp):
///   auto tok = registry.register_source(stream, wasio::interest::readable).value();
///   connections[tok.index()] = ...;  // dense: indices are reused after deregister

#include <cstdint>

namespace wasio {

class token {
 public:
  constexpr token() = default;
  constexpr token(std::uint32_t index, std::uint32_t generation) : index_(index), generation_(generation) {}

  /// Slot index: below the registry's peak number of simultaneous registrations.
  constexpr std::uint32_t index() const { return index_; }
  /// Bumped each time the slot is reused; never 0 for a token a registry handed out.
  constexpr std::uint32_t generation() const { return generation_; }
  /// False for a default-constructed token.
  constexpr bool is_valid() const { return generation_ != 0; }

  friend constexpr bool operator==(token, token) = default;

 private:
  std::uint32_t index_ = 0;
  std::uint32_t generation_ = 0;
};

}  // namespace wasio
