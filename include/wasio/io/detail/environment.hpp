#pragma once
// Reading the guest's environment through sys (wasi-libc's getenv is not available natively).

#include <optional>
#include <string>
#include <string_view>

#include "wasio/result.hpp"

namespace wasio::detail {

/// The value of `name`, nullopt when unset. Errors: those of environ_sizes_get / environ_get.
result<std::optional<std::string>> environment_variable(std::string_view name);

}  // namespace wasio::detail
