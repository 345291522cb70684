#include "guest_runner.hpp"

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "host_wake_channel.hpp"
#include "module_cache.hpp"
#include "wasio/testbed/wasm2c/imports.hpp"

namespace wasio::run {
namespace {

/// The entry points of the glue compiled into every module (module_cache.cpp writes them).
struct glue_api {
  unsigned (*version)();
  std::size_t (*instance_size)();
  void (*init)();
  wasm_rt_memory_t* (*memory)(void*);
  int (*instantiate)(void*, Z_wasi_snapshot_preview1_instance_t*);
  int (*has_start)();
  int (*start)(void*);
  void (*leave)(int);
  void (*trap)(int);
  void (*free)(void*);
};

template <class F>
bool bind(void* library, const char* name, F& slot) {
  slot = reinterpret_cast<F>(dlsym(library, name));
  return slot != nullptr;
}

// wasm2c allocates each memory as an 8 GiB PROT_NONE reservation and unprotects the live part.
constexpr std::uintptr_t memory_reservation = 0x200000000ull;
// Guest code runs on its own stack: a generous size (pages are touched only when used) and a
// guard large enough that no single wasm2c frame can jump over it (modules are also built with
// -fstack-clash-protection).
constexpr std::size_t guest_stack_size = 64u << 20;
constexpr std::size_t guest_stack_guard = 1u << 20;

/// What the fault handler needs to know; written before the guest runs, read in the handler.
struct guest_state {
  glue_api api{};
  std::atomic<wasm_rt_memory_t*> memory{nullptr};
  std::uintptr_t guard_low = 0, guard_high = 0;
  std::atomic<bool> running{false};
};
guest_state the_guest;
thread_local bool on_guest_thread = false;

void write_stderr(const char* text) {
  std::size_t left = std::strlen(text);
  while (left > 0) {
    ssize_t n = ::write(2, text, left);
    if (n <= 0) return;
    text += n;
    left -= static_cast<std::size_t>(n);
  }
}

void format_hex(char* out, std::uintptr_t value) {
  static constexpr char digits[] = "0123456789abcdef";
  out[0] = '0';
  out[1] = 'x';
  for (int i = 0; i < 16; ++i) out[2 + i] = digits[(value >> (60 - 4 * i)) & 0xf];
  out[18] = '\0';
}

// Async-signal-safe: no allocation, no stdio.
void fault_handler(int signal_number, siginfo_t* info, void*) {
  const auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
  fault_context context;
  context.on_guest_thread = on_guest_thread;
  context.guest_running = the_guest.running.load(std::memory_order_relaxed);
  context.inside_host_call = testbed::wasm2c::inside_host_call();
  const wasm_rt_memory_t* memory = the_guest.memory.load(std::memory_order_relaxed);
  context.memory_base = memory != nullptr ? reinterpret_cast<std::uintptr_t>(memory->data) : 0;
  context.guard_low = the_guest.guard_low;
  context.guard_high = the_guest.guard_high;
  switch (classify_fault(address, context)) {
    case fault_kind::guest_out_of_bounds: the_guest.api.trap(WASM_RT_TRAP_OOB); break;
    case fault_kind::guest_stack_exhausted: the_guest.api.trap(WASM_RT_TRAP_EXHAUSTION); break;
    case fault_kind::stack_exhausted_in_host_call:
      // Unwinding through C++ host frames is not safe, so end the process here with the trap's status.
      write_stderr("wasio-run: trap: call stack exhausted\n");
      _exit(134);
    case fault_kind::host_crash: break;
  }
  char where[19];
  format_hex(where, address);
  write_stderr(signal_number == SIGBUS ? "wasio-run: host crash (bug): SIGBUS at " : "wasio-run: host crash (bug): SIGSEGV at ");
  write_stderr(where);
  write_stderr(" (not a guest trap)\n");
  // Returning re-runs the faulting instruction under the default action: a core dump, as any
  // crash of a native program.
  struct sigaction dfl{};
  dfl.sa_handler = SIG_DFL;
  sigaction(signal_number, &dfl, nullptr);
}

void install_fault_handler() {
  struct sigaction action{};
  action.sa_sigaction = fault_handler;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  sigaction(SIGSEGV, &action, nullptr);
  sigaction(SIGBUS, &action, nullptr);
}

struct guest_run {
  void* instance = nullptr;
  Z_wasi_snapshot_preview1_instance_t* env = nullptr;
  run_outcome outcome;
};

void leave_guest(void*) { the_guest.api.leave(glue_left_guest); }

void* guest_main(void* argument) {
  auto& run = *static_cast<guest_run*>(argument);
  on_guest_thread = true;
  host_wake_channel::take_wake_signal_on_this_thread();
  // wasm_rt_init installs wasm2c's fault handler and this thread's alternate signal stack;
  // ours then replaces the handler and uses that stack.
  the_guest.api.init();
  install_fault_handler();
  run.env->memory = the_guest.api.memory(run.instance);
  the_guest.memory.store(run.env->memory);
  the_guest.running.store(true);
  int code = the_guest.api.instantiate(run.instance, run.env);
  if (code == 0) code = the_guest.api.start(run.instance);
  the_guest.running.store(false);
  if (code == 0) {
    run.outcome.how = run_outcome::ending::returned;
  } else if (code == glue_left_guest) {
    run.outcome.how = run_outcome::ending::exited;
    run.outcome.exit_code = run.env->exit_code;
  } else {
    run.outcome.how = run_outcome::ending::trapped;
    run.outcome.trap = code;
  }
  the_guest.memory.store(nullptr);
  the_guest.api.free(run.instance);  // also restores SIG_DFL for SIGSEGV/SIGBUS
  install_fault_handler();           // host code after the guest is still told apart
  return nullptr;
}

run_outcome failed(std::string error) {
  run_outcome outcome;
  outcome.error = std::move(error);
  return outcome;
}

}  // namespace

fault_kind classify_fault(std::uintptr_t address, const fault_context& context) {
  if (!context.on_guest_thread || !context.guest_running) return fault_kind::host_crash;
  const bool in_memory = context.memory_base != 0 && address >= context.memory_base &&
                         address - context.memory_base < memory_reservation;
  const bool in_guard = address >= context.guard_low && address < context.guard_high;
  if (in_guard) return context.inside_host_call ? fault_kind::stack_exhausted_in_host_call : fault_kind::guest_stack_exhausted;
  if (in_memory && !context.inside_host_call) return fault_kind::guest_out_of_bounds;
  return fault_kind::host_crash;
}

std::string_view trap_message(int trap) {
  switch (trap) {
    case WASM_RT_TRAP_OOB: return "out of bounds memory access";
    case WASM_RT_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WASM_RT_TRAP_UNREACHABLE: return "unreachable";
    case WASM_RT_TRAP_CALL_INDIRECT: return "indirect call to a null, out-of-range or mistyped table entry";
    case WASM_RT_TRAP_UNCAUGHT_EXCEPTION: return "uncaught exception";
    case WASM_RT_TRAP_EXHAUSTION: return "call stack exhausted";
    default: return "unknown trap";
  }
}

std::string load_module(const std::string& shared_object) {
  void* library = dlopen(shared_object.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) return std::string("cannot load the compiled module: ") + dlerror();
  glue_api& api = the_guest.api;
  if (!bind(library, "wasio_glue_version", api.version) || api.version() != glue_version ||
      !bind(library, "wasio_glue_instance_size", api.instance_size) || !bind(library, "wasio_glue_init", api.init) ||
      !bind(library, "wasio_glue_memory", api.memory) || !bind(library, "wasio_glue_instantiate", api.instantiate) ||
      !bind(library, "wasio_glue_has_start", api.has_start) || !bind(library, "wasio_glue_start", api.start) ||
      !bind(library, "wasio_glue_leave", api.leave) || !bind(library, "wasio_glue_trap", api.trap) ||
      !bind(library, "wasio_glue_free", api.free)) {
    dlclose(library);
    return "the compiled module " + shared_object + " lacks wasio's glue";
  }
  return {};
}

run_outcome run_guest(const std::string& shared_object, testbed::host& host) {
  // Loaded once per process: a second dlopen of the same file returns the same handle.
  if (std::string error = load_module(shared_object); !error.empty()) return failed(error);
  glue_api& api = the_guest.api;
  if (api.has_start() == 0) return failed("the module exports no _start function (not a WASI command)");

  void* instance = std::calloc(1, api.instance_size());
  if (instance == nullptr) return failed("out of memory");
  Z_wasi_snapshot_preview1_instance_t env;
  env.host = &host;
  env.leave_guest = leave_guest;
  guest_run run{instance, &env, {}};

  void* stack = mmap(nullptr, guest_stack_size + guest_stack_guard, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    std::free(instance);
    return failed("cannot map the guest stack");
  }
  mprotect(stack, guest_stack_guard, PROT_NONE);
  the_guest.guard_low = reinterpret_cast<std::uintptr_t>(stack);
  the_guest.guard_high = the_guest.guard_low + guest_stack_guard;

  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  // Safety: the thread's stack is the mapping above its guard: [stack + guard, stack + guard + size).
  pthread_attr_setstack(&attributes, static_cast<char*>(stack) + guest_stack_guard, guest_stack_size);
  pthread_t thread;
  int rc = pthread_create(&thread, &attributes, guest_main, &run);
  pthread_attr_destroy(&attributes);
  if (rc == 0) pthread_join(thread, nullptr);
  munmap(stack, guest_stack_size + guest_stack_guard);
  std::free(instance);
  if (rc != 0) return failed(std::string("cannot start the guest thread: ") + std::strerror(rc));
  return run.outcome;
}

}  // namespace wasio::run
