// The --wrap targets for wasio::sys's hot calls (see guest_cpu_meter.hpp).

#include "guest_cpu_meter.hpp"

#include <time.h>

#include <atomic>

#include "wasio/sys/sys.hpp"

namespace readiness_bench {
namespace {

// The guest thread's time, read through the vDSO (~20 ns). The thread's CPU clock would be the exact
// measure, but reading it is a system call costing more than the guest work measured per call; the
// guest thread never blocks outside host calls, so between them its wall time is its CPU time (save
// preemption, which hits both variants of a run alike).
std::uint64_t thread_cpu_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<std::uint64_t>(t.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(t.tv_nsec);
}

std::atomic<std::uint64_t> polls{0}, guest_ns{0}, host_ns{0};
thread_local std::uint64_t last_exit_ns = 0;     // 0: this thread has not polled yet
thread_local std::uint64_t host_since_poll_ns = 0;

// Runs one host call, charging its CPU to the host.
template <class Call>
auto host_call(Call call) {
  const std::uint64_t entry = thread_cpu_ns();
  auto r = call();
  const std::uint64_t spent = thread_cpu_ns() - entry;
  host_since_poll_ns += spent;
  host_ns.fetch_add(spent, std::memory_order_relaxed);
  return r;
}

}  // namespace

guest_cpu meter_snapshot() {
  return {polls.load(std::memory_order_relaxed), guest_ns.load(std::memory_order_relaxed),
          host_ns.load(std::memory_order_relaxed)};
}

}  // namespace readiness_bench

// The linker routes every undefined reference to a wrapped symbol here, and its __real_ name to the
// original (the testbed's native front-end). Declared extern "C" because the wrapped names are the
// mangled C++ ones.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wreturn-type-c-linkage"
#endif
using namespace wasio;
extern "C" {
result<std::size_t> __real__ZN5wasio3sys11poll_oneoffEPKNS_3abi12subscriptionEPNS1_5eventEm(
    const abi::subscription* in, abi::event* out, std::size_t count);
result<std::size_t> __real__ZN5wasio3sys7fd_readEjSt4spanIKNS0_6bufferELm18446744073709551615EE(
    sys::fd_t fd, std::span<const sys::buffer> buffers);
result<std::size_t> __real__ZN5wasio3sys8fd_writeEjSt4spanIKNS0_12const_bufferELm18446744073709551615EE(
    sys::fd_t fd, std::span<const sys::const_buffer> buffers);
result<sys::fd_t> __real__ZN5wasio3sys11sock_acceptEjt(sys::fd_t fd, abi::fdflags flags);
result<void> __real__ZN5wasio3sys8fd_closeEj(sys::fd_t fd);

result<std::size_t> __wrap__ZN5wasio3sys11poll_oneoffEPKNS_3abi12subscriptionEPNS1_5eventEm(
    const abi::subscription* in, abi::event* out, std::size_t count) {
  using namespace readiness_bench;
  const std::uint64_t entry = thread_cpu_ns();
  if (last_exit_ns != 0) guest_ns.fetch_add(entry - last_exit_ns - host_since_poll_ns, std::memory_order_relaxed);
  auto r = __real__ZN5wasio3sys11poll_oneoffEPKNS_3abi12subscriptionEPNS1_5eventEm(in, out, count);
  last_exit_ns = thread_cpu_ns();
  host_since_poll_ns = 0;
  host_ns.fetch_add(last_exit_ns - entry, std::memory_order_relaxed);
  polls.fetch_add(1, std::memory_order_relaxed);
  return r;
}

result<std::size_t> __wrap__ZN5wasio3sys7fd_readEjSt4spanIKNS0_6bufferELm18446744073709551615EE(
    sys::fd_t fd, std::span<const sys::buffer> buffers) {
  return readiness_bench::host_call(
      [&] { return __real__ZN5wasio3sys7fd_readEjSt4spanIKNS0_6bufferELm18446744073709551615EE(fd, buffers); });
}

result<std::size_t> __wrap__ZN5wasio3sys8fd_writeEjSt4spanIKNS0_12const_bufferELm18446744073709551615EE(
    sys::fd_t fd, std::span<const sys::const_buffer> buffers) {
  return readiness_bench::host_call(
      [&] { return __real__ZN5wasio3sys8fd_writeEjSt4spanIKNS0_12const_bufferELm18446744073709551615EE(fd, buffers); });
}

result<sys::fd_t> __wrap__ZN5wasio3sys11sock_acceptEjt(sys::fd_t fd, abi::fdflags flags) {
  return readiness_bench::host_call([&] { return __real__ZN5wasio3sys11sock_acceptEjt(fd, flags); });
}

result<void> __wrap__ZN5wasio3sys8fd_closeEj(sys::fd_t fd) {
  return readiness_bench::host_call([&] { return __real__ZN5wasio3sys8fd_closeEj(fd); });
}
}  // extern "C"
