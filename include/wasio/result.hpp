#pragma once
/// wasio::result<T>: a value or an errc, never both. Works without exceptions.
///
/// The operations of C++23's std::expected, for code that chains fallible steps:
/// - and_then(f): f(value) when there is one (f returns a result), else the error passed on;
/// - transform(f): result of f(value) wrapped (f returns a plain value), else the error;
/// - or_else(f): f(error) when failed (f returns a result<T>), else the value;
/// - transform_error(f): the error mapped by f (errc -> errc);
/// - value_or(v), error_or(e).
/// Propagation in one line (C++ has no `?`): WASIO_TRY(expr) / WASIO_TRY_ASSIGN(lhs, expr) in
/// functions returning a result, WASIO_CO_TRY / WASIO_CO_TRY_ASSIGN in coroutines (see below).
/// Interop: std::error_code{code} works (wasio::errc is an error code enum of wasio::error_category()).
/// Reporting: wasio::report("echo: accept failed", code) prints "echo: accept failed: connection
/// reset (connreset)" on stderr in one call (rate-limited lines: wasio/rt/error_log.hpp).
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
///   wasio::result<int> doubled(std::string_view s) {
///     WASIO_TRY_ASSIGN(const int n, parse(s));  // returns parse's error, if any
///     return n * 2;
///   }

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include "wasio/errc.hpp"

namespace wasio {

template <class T>
class result;
template <>
class result<void>;

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
  template <class U>
  T value_or(U&& fallback) && { return has_ ? std::move(value_) : static_cast<T>(std::forward<U>(fallback)); }
  /// The error, or `fallback` on success.
  errc error_or(errc fallback) const { return has_ ? fallback : error_; }

  /// f(value) -> result<U>, or this error as a result<U>.
  template <class F>
  auto and_then(F&& f) & { return and_then_impl(*this, std::forward<F>(f)); }
  template <class F>
  auto and_then(F&& f) const& { return and_then_impl(*this, std::forward<F>(f)); }
  template <class F>
  auto and_then(F&& f) && { return and_then_impl(std::move(*this), std::forward<F>(f)); }
  /// result<U> holding f(value) (result<void> when f returns void), or this error.
  template <class F>
  auto transform(F&& f) & { return transform_impl(*this, std::forward<F>(f)); }
  template <class F>
  auto transform(F&& f) const& { return transform_impl(*this, std::forward<F>(f)); }
  template <class F>
  auto transform(F&& f) && { return transform_impl(std::move(*this), std::forward<F>(f)); }
  /// This value, or f(error) -> result<T> (a fallback, or another error).
  template <class F>
  result or_else(F&& f) const& {
    static_assert(std::is_same_v<std::remove_cvref_t<std::invoke_result_t<F, errc>>, result>,
                  "or_else: f(errc) must return the same result<T>");
    return has_ ? *this : std::invoke(std::forward<F>(f), error_);
  }
  template <class F>
  result or_else(F&& f) && {
    static_assert(std::is_same_v<std::remove_cvref_t<std::invoke_result_t<F, errc>>, result>,
                  "or_else: f(errc) must return the same result<T>");
    return has_ ? std::move(*this) : std::invoke(std::forward<F>(f), error_);
  }
  /// This value, or the error mapped by f(errc) -> errc.
  template <class F>
  result transform_error(F&& f) const& {
    return has_ ? *this : result(failure{std::invoke(std::forward<F>(f), error_)});
  }
  template <class F>
  result transform_error(F&& f) && {
    return has_ ? std::move(*this) : result(failure{std::invoke(std::forward<F>(f), error_)});
  }

 private:
  template <class Self, class F>
  static auto and_then_impl(Self&& self, F&& f) {
    using next = std::remove_cvref_t<std::invoke_result_t<F, decltype(*std::forward<Self>(self))>>;
    if (!self.has_) return next(failure{self.error_});
    return std::invoke(std::forward<F>(f), *std::forward<Self>(self));
  }
  template <class Self, class F>
  static auto transform_impl(Self&& self, F&& f) {
    using mapped = std::remove_cvref_t<std::invoke_result_t<F, decltype(*std::forward<Self>(self))>>;
    if (!self.has_) return result<mapped>(failure{self.error_});
    if constexpr (std::is_void_v<mapped>) {
      std::invoke(std::forward<F>(f), *std::forward<Self>(self));
      return result<mapped>();  // result<void>, spelled dependently: it is specialised below
    } else {
      return result<mapped>(std::invoke(std::forward<F>(f), *std::forward<Self>(self)));
    }
  }
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
  errc error_or(errc fallback) const { return has_value() ? fallback : error_; }

  /// f() -> result<U>, or this error as a result<U>.
  template <class F>
  auto and_then(F&& f) const {
    using next = std::remove_cvref_t<std::invoke_result_t<F>>;
    if (!has_value()) return next(failure{error_});
    return std::invoke(std::forward<F>(f));
  }
  /// result<U> holding f() (result<void> when f returns void), or this error.
  template <class F>
  auto transform(F&& f) const {
    using mapped = std::remove_cvref_t<std::invoke_result_t<F>>;
    if (!has_value()) return result<mapped>(failure{error_});
    if constexpr (std::is_void_v<mapped>) {
      std::invoke(std::forward<F>(f));
      return result<void>();
    } else {
      return result<mapped>(std::invoke(std::forward<F>(f)));
    }
  }
  /// Success, or f(error) -> result<void>.
  template <class F>
  result or_else(F&& f) const {
    return has_value() ? *this : std::invoke(std::forward<F>(f), error_);
  }
  template <class F>
  result transform_error(F&& f) const {
    return has_value() ? *this : result(failure{std::invoke(std::forward<F>(f), error_)});
  }

 private:
  errc error_ = errc::success;
};

/// result<void> from a raw errno: success when `code == errc::success`.
constexpr result<void> check(errc code) {
  return code == errc::success ? result<void>() : result<void>(fail(code));
}

namespace detail {
class errc_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "wasio"; }
  std::string message(int value) const override {
    return std::string(wasio::message(static_cast<errc>(value)));
  }
};
}  // namespace detail

/// The std::error_category of wasio::errc: name "wasio", message() the errc's message.
inline const std::error_category& error_category() noexcept {
  static const detail::errc_category category;
  return category;
}
inline std::error_code make_error_code(errc code) noexcept {
  return std::error_code(static_cast<int>(code), error_category());
}
/// The error as a std::error_code (success: a default, false error_code).
template <class T>
std::error_code to_error_code(const result<T>& r) noexcept {
  return r ? std::error_code() : make_error_code(r.error());
}

/// Prints "`context`: <message> (<name>)" and a newline on `to` in one write, e.g.
/// `wasio::report("kv: cannot accept", errc::mfile)` -> "kv: cannot accept: too many open files (mfile)".
/// For errors that may repeat in a loop, use rt::error_log (rate-limited) instead.
inline void report(std::string_view context, errc code, std::FILE* to = stderr) {
  const std::string_view text = message(code), id = name(code);
  std::fprintf(to, "%.*s: %.*s (%.*s)\n", static_cast<int>(context.size()), context.data(),
               static_cast<int>(text.size()), text.data(), static_cast<int>(id.size()), id.data());
}

namespace detail {
inline failure propagate(errc code) { return failure{code}; }
}  // namespace detail

}  // namespace wasio

template <>
struct std::is_error_code_enum<wasio::errc> : std::true_type {};

// Propagation, as absl's RETURN_IF_ERROR / ASSIGN_OR_RETURN: a macro is the only way to leave the
// enclosing function in one line (no `?` operator in C++; GNU statement expressions are not
// standard and cannot hold co_await). The CO_ forms co_return instead, for wasio::task coroutines
// whose value type is a result.
//   WASIO_TRY(expr);                  a failed result<...> `expr` returns its error
//   WASIO_TRY_ASSIGN(lhs, expr);      lhs = the value of `expr` (lhs may declare: `auto n`)
//   WASIO_CO_TRY(co_await s.write_all(reply));
//   WASIO_CO_TRY_ASSIGN(auto n, co_await s.read(buffer));
#define WASIO_RESULT_CONCAT_INNER(a, b) a##b
#define WASIO_RESULT_CONCAT(a, b) WASIO_RESULT_CONCAT_INNER(a, b)
#define WASIO_RESULT_TMP WASIO_RESULT_CONCAT(wasio_try_result_, __LINE__)

#define WASIO_TRY(expr)                                                             \
  do {                                                                              \
    if (auto&& wasio_try_r = (expr); !wasio_try_r)                                  \
      return ::wasio::detail::propagate(wasio_try_r.error());                       \
  } while (false)
#define WASIO_CO_TRY(expr)                                                          \
  do {                                                                              \
    if (auto&& wasio_try_r = (expr); !wasio_try_r)                                  \
      co_return ::wasio::detail::propagate(wasio_try_r.error());                    \
  } while (false)
#define WASIO_TRY_ASSIGN(lhs, expr)                                                 \
  auto&& WASIO_RESULT_TMP = (expr);                                                 \
  if (!WASIO_RESULT_TMP) return ::wasio::detail::propagate(WASIO_RESULT_TMP.error()); \
  lhs = std::move(*WASIO_RESULT_TMP)
#define WASIO_CO_TRY_ASSIGN(lhs, expr)                                              \
  auto&& WASIO_RESULT_TMP = (expr);                                                 \
  if (!WASIO_RESULT_TMP) co_return ::wasio::detail::propagate(WASIO_RESULT_TMP.error()); \
  lhs = std::move(*WASIO_RESULT_TMP)

