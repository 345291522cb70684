// wasio::sys clocks, randomness, arguments, environment and process calls for natively linked guests.

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "wasio/sys/sys.hpp"
#include "wasio/testbed/native.hpp"

namespace wasio::sys {
namespace {

using testbed::native::current;

strings_sizes sizes_of(const std::vector<std::string>& strings) {
  strings_sizes sizes{strings.size(), 0};
  for (const auto& s : strings) sizes.buffer_size += s.size() + 1;
  return sizes;
}

// WASI's args_get/environ_get layout: `pointers[i]` points at the i-th NUL-terminated string, all
// of them packed into `buffer` (sized by the matching *_sizes_get call).
result<void> copy_strings(const std::vector<std::string>& strings, char** pointers, char* buffer) {
  if (!strings.empty() && (pointers == nullptr || buffer == nullptr)) return fail(errc::fault);
  for (const auto& s : strings) {
    *pointers++ = buffer;
    std::memcpy(buffer, s.data(), s.size());
    buffer[s.size()] = '\0';
    buffer += s.size() + 1;
  }
  return {};
}

}  // namespace

result<abi::timestamp> clock_time_get(abi::clockid clock, abi::timestamp precision) {
  abi::timestamp now = 0;
  if (auto code = current().clock_time_get(clock, precision, now); code != errc::success) return fail(code);
  return now;
}

result<abi::timestamp> clock_res_get(abi::clockid clock) {
  abi::timestamp resolution = 0;
  if (auto code = current().clock_res_get(clock, resolution); code != errc::success) return fail(code);
  return resolution;
}

result<void> random_get(std::span<std::byte> out) { return check(current().random_get(out)); }

result<strings_sizes> args_sizes_get() { return sizes_of(current().args()); }
result<void> args_get(char** pointers, char* buffer) { return copy_strings(current().args(), pointers, buffer); }
result<strings_sizes> environ_sizes_get() { return sizes_of(current().env()); }
result<void> environ_get(char** pointers, char* buffer) { return copy_strings(current().env(), pointers, buffer); }

void proc_exit(std::uint32_t code) {
  current().proc_exit(code);
  std::exit(static_cast<int>(code));
}

result<void> sched_yield() { return check(current().sched_yield()); }

}  // namespace wasio::sys
