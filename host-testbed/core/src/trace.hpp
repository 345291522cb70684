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
}  // namespace detail

template <class... Parts>
void host::impl::trace_call(std::string_view function, errc result, const Parts&... args) {
  if (!tracing()) return;
  std::ostringstream line;
  line << function << '(';
  ((line << detail::printable(args)), ...);
  line << ") -> " << name(result);
  trace_line(line.str());
}

}  // namespace wasio::testbed
