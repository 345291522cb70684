#pragma once
// Runs a compiled module's _start on a dedicated guest thread and classifies how it ended.
//
// wasm2c's runtime keeps process-global state (jump buffer, signal handler, function types), so
// a process runs at most one guest. Faults are sorted by wasio-run's own SIGSEGV/SIGBUS handler:
// a fault inside the guest memory's 8 GiB reservation, or in the guard page below the guest
// thread's stack, raised by guest code (not inside a host import) is a guest trap; anything else
// is a host bug and is reported as one ("wasio-run: host crash (bug): ..."), then the default
// action runs, so a host bug is never disguised as a guest trap.

#include <cstdint>
#include <string>
#include <string_view>

#include "wasio/testbed/host.hpp"

namespace wasio::run {

struct run_outcome {
  enum class ending { returned, exited, trapped, failed };
  ending how = ending::failed;
  std::uint32_t exit_code = 0;  // exited
  int trap = 0;                 // trapped: a wasm_rt_trap_t value
  std::string error;            // failed: one line (no _start, dlopen failure, ...)
};

/// Loads `shared_object` (built by compiled_module()) and checks its glue, without running
/// anything; "" on success, else one line. wasio-run calls it before it opens any listener.
std::string load_module(const std::string& shared_object);

/// Loads `shared_object` (built by compiled_module()) and runs it against `host`.
run_outcome run_guest(const std::string& shared_object, testbed::host& host);

/// How wasio-run's SIGSEGV/SIGBUS handler reads a fault.
enum class fault_kind {
  guest_out_of_bounds,           // guest code touched its memory reservation beyond the live size
  guest_stack_exhausted,         // guest code ran into the guard below its stack
  stack_exhausted_in_host_call,  // a host import ran into that guard (deep guest recursion)
  host_crash,                    // anything else: a bug in wasio-run, never reported as a trap
};
struct fault_context {
  bool on_guest_thread = false;
  bool guest_running = false;
  bool inside_host_call = false;
  std::uintptr_t memory_base = 0;  // 0: no guest memory
  std::uintptr_t guard_low = 0, guard_high = 0;
};
/// Pure and async-signal-safe; the handler acts on the answer.
fault_kind classify_fault(std::uintptr_t address, const fault_context& context);

/// The words after "wasio-run: trap: " for a wasm_rt_trap_t value ("unreachable", ...).
std::string_view trap_message(int trap);

}  // namespace wasio::run
