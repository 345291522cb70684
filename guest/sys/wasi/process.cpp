// wasio::sys clocks, randomness, arguments, environment and process calls over wasi_snapshot_preview1.

#include "imports.hpp"
#include "wasio/sys/sys.hpp"

namespace wasio::sys {

result<abi::timestamp> clock_time_get(abi::clockid clock, abi::timestamp precision) {
  abi::timestamp now = 0;
  if (auto r = wasi::to_result(wasi::wasio_wasi_clock_time_get(static_cast<std::uint32_t>(clock), precision, &now)); !r)
    return fail(r.error());
  return now;
}

result<abi::timestamp> clock_res_get(abi::clockid clock) {
  abi::timestamp resolution = 0;
  if (auto r = wasi::to_result(wasi::wasio_wasi_clock_res_get(static_cast<std::uint32_t>(clock), &resolution)); !r)
    return fail(r.error());
  return resolution;
}

result<void> random_get(std::span<std::byte> out) {
  return wasi::to_result(wasi::wasio_wasi_random_get(out.data(), static_cast<std::uint32_t>(out.size())));
}

result<strings_sizes> args_sizes_get() {
  std::uint32_t count = 0, buffer_size = 0;
  if (auto r = wasi::to_result(wasi::wasio_wasi_args_sizes_get(&count, &buffer_size)); !r) return fail(r.error());
  return strings_sizes{count, buffer_size};
}

result<void> args_get(char** pointers, char* buffer) {
  return wasi::to_result(wasi::wasio_wasi_args_get(pointers, buffer));
}

result<strings_sizes> environ_sizes_get() {
  std::uint32_t count = 0, buffer_size = 0;
  if (auto r = wasi::to_result(wasi::wasio_wasi_environ_sizes_get(&count, &buffer_size)); !r) return fail(r.error());
  return strings_sizes{count, buffer_size};
}

result<void> environ_get(char** pointers, char* buffer) {
  return wasi::to_result(wasi::wasio_wasi_environ_get(pointers, buffer));
}

void proc_exit(std::uint32_t code) { wasi::wasio_wasi_proc_exit(code); }

result<void> sched_yield() { return wasi::to_result(wasi::wasio_wasi_sched_yield()); }

}  // namespace wasio::sys
