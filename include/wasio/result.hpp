#pragma once
/// wasio::result<T>: a value or an errc, never both. Works without exceptions.
///
/// Notes: accessing value() of a failed result, or error() of a successful one, is a bug and
/// traps (std::abort after a message), never undefined behaviour.
///
/// Example (compiled in tests/guest/result_test.cpp):
///   wasio::result<int> parse(std::string_view s) {
///     if (s.empty()) return wasio::fail(wasio::errc::inval);
///     return 42;
///   }
///   if (auto r = parse("x"); r) use(*r); else log(wasio::message(r.error()));

#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <utility>

#include "wasio/errc.hpp"

namespace wasio {

namespace detail {
[[noreturn]] inline void result_misuse(const char* what) {
  std::fprintf(stderr, "wasio: bad result access: %s\n", what);
  std::abort();
}
}  // namespace detail

/// The failure half of a result; converts to any result<T>.
struct failure {
  errc code;
};

/// Builds a failed result: `return wasio::fail(errc::again);`.
constexpr failure fail(errc code) { return failure{code}; }

template <class T>
class [[nodiscard]] result {
 public:
  using value_type = T;

  result(const T& value) : has_(true) { new (&value_) T(value); }
  result(T&& value) : has_(true) { new (&value_) T(std::move(value)); }
  template <class U, std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                          !std::is_same_v<std::decay_t<U>, result> &&
                                          !std::is_same_v<std::decay_t<U>, failure> &&
                                          !std::is_same_v<std::decay_t<U>, T>,
                                      int> = 0>
  result(U&& value) : has_(true) {
    new (&value_) T(std::forward<U>(value));
  }
  result(failure f) : error_(f.code), has_(false) {}

  result(const result& other) : has_(other.has_) {
    if (has_) new (&value_) T(other.value_); else error_ = other.error_;
  }
  result(result&& other) noexcept(std::is_nothrow_move_constructible_v<T>) : has_(other.has_) {
    if (has_) new (&value_) T(std::move(other.value_)); else error_ = other.error_;
  }
  result& operator=(const result& other) {
    if (this != &other) { this->~result(); new (this) result(other); }
    return *this;
  }
  result& operator=(result&& other) noexcept(std::is_nothrow_move_constructible_v<T>) {
    if (this != &other) { this->~result(); new (this) result(std::move(other)); }
    return *this;
  }
  ~result() { if (has_) value_.~T(); }

  constexpr bool has_value() const noexcept { return has_; }
  constexpr explicit operator bool() const noexcept { return has_; }

  T& value() & { check_value(); return value_; }
  const T& value() const& { check_value(); return value_; }
  T&& value() && { check_value(); return std::move(value_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// The error; calling it on a success traps.
  errc error() const {
    if (has_) detail::result_misuse("error() on a successful result");
    return error_;
  }

  template <class U>
  T value_or(U&& fallback) const& { return has_ ? value_ : static_cast<T>(std::forward<U>(fallback)); }

 private:
  void check_value() const {
    if (!has_) {
      std::fprintf(stderr, "wasio: value() on a failed result (%.*s)\n",
                   static_cast<int>(name(error_).size()), name(error_).data());
      std::abort();
    }
  }
  union {
    T value_;
    errc error_;
  };
  bool has_;
};

template <>
class [[nodiscard]] result<void> {
 public:
  using value_type = void;
  constexpr result() noexcept = default;
  constexpr result(failure f) noexcept : error_(f.code) {}

  constexpr bool has_value() const noexcept { return error_ == errc::success; }
  constexpr explicit operator bool() const noexcept { return has_value(); }
  void value() const {
    if (!has_value()) detail::result_misuse("value() on a failed result<void>");
  }
  errc error() const {
    if (has_value()) detail::result_misuse("error() on a successful result");
    return error_;
  }

 private:
  errc error_ = errc::success;
};

/// result<void> from a raw errno: success when `code == errc::success`.
constexpr result<void> check(errc code) {
  return code == errc::success ? result<void>() : result<void>(fail(code));
}

}  // namespace wasio

