#pragma once
// Reading the guest's environment through sys: the readiness layer's lookup (wasio/io/detail).

#include "wasio/io/detail/environment.hpp"

namespace wasio::net::detail {
using wasio::detail::environment_variable;
}  // namespace wasio::net::detail
