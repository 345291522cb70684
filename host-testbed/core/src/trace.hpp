#pragma once
// `wasio-trace: NAME(args) -> errno-name` lines, built only when tracing is on.

#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

#include "host_impl.hpp"

namespace wasio::testbed {

namespace detail {
template <class T>
auto printable(const T& value) {
  // uint8_t flag sets would print as characters.
  if constexpr (std::is_integral_v<T> && sizeof(T) == 1) {
    return static_cast<unsigned>(value);
  } else if constexpr (std::is_enum_v<T>) {
    return static_cast<std::uint64_t>(value);
  } else {
    return value;
  }
}

/// The line of one call, built only when tracing is on (kept out of line: the calls it would
/// otherwise be inlined into are the hot path of every host call).
template <class... Parts>
[[gnu::noinline]] std::string call_line(std::string_view function, errc result, const Parts&... args) {
  std::ostringstream line;
  line << function << '(';
  ((line << printable(args)), ...);
  line << ") -> " << name(result);
  return line.str();
}
}  // namespace detail

template <class... Parts>
inline void host::impl::trace_call(std::string_view function, errc result, const Parts&... args) {
  if (!tracing()) [[likely]] return;
  trace_line(detail::call_line(function, result, args...));
}

}  // namespace wasio::testbed
