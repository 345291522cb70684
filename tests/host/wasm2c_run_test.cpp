// wasio-run's pieces that need no module: the command line, the glue it compiles with every
// module, and how its fault handler tells guest traps from host crashes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "guest_runner.hpp"
#include "module_cache.hpp"
#include "wasm-rt.h"

namespace {

using namespace wasio::run;

std::optional<command_line> parse(std::vector<std::string> words, std::string& error) {
  return parse_command_line(words, error);
}

TEST(WasioRunCommandLine, ListenersKeepTheirOrderAcrossBothSpellings) {
  std::string error;
  auto cl = parse({"--tcplisten", "127.0.0.1:0", "-S", "tcplisten=[::1]:8080", "--tcplisten=0.0.0.0:9", "m.wasm"}, error);
  ASSERT_TRUE(cl) << error;
  ASSERT_EQ(cl->listeners.size(), 3u);
  EXPECT_EQ(cl->listeners[0].address, "127.0.0.1");
  EXPECT_EQ(cl->listeners[1].port, 8080);
  EXPECT_EQ(cl->listeners[2].port, 9);
}

TEST(WasioRunCommandLine, WordsAfterTheModuleBelongToTheGuest) {
  std::string error;
  auto cl = parse({"--env", "A=1", "m.wasm", "--trace", "--env", "x"}, error);
  ASSERT_TRUE(cl) << error;
  EXPECT_EQ(cl->module, "m.wasm");
  EXPECT_FALSE(cl->trace);
  EXPECT_EQ(cl->args, (std::vector<std::string>{"--trace", "--env", "x"}));
  EXPECT_EQ(cl->env, (std::vector<std::string>{"A=1"}));
}

TEST(WasioRunCommandLine, ProfileAndCacheDirAreParsed) {
  std::string error;
  auto cl = parse({"--profile", "wasmtime-legacy", "--cache-dir=/x", "--compile-only", "m.wasm"}, error);
  ASSERT_TRUE(cl) << error;
  EXPECT_EQ(cl->semantics, wasio::testbed::profile::wasmtime_legacy);
  EXPECT_EQ(cl->cache_dir, "/x");
  EXPECT_TRUE(cl->compile_only);
}

TEST(WasioRunCommandLine, BadInputGetsOneLineErrors) {
  std::string error;
  EXPECT_FALSE(parse({"--profile", "fast", "m.wasm"}, error));
  EXPECT_NE(error.find("unknown profile"), std::string::npos);
  EXPECT_FALSE(parse({"--tcplisten", "localhost", "m.wasm"}, error));
  EXPECT_NE(error.find("bad listen address"), std::string::npos);
  EXPECT_FALSE(parse({"-S", "inherit-env=y", "m.wasm"}, error));
  EXPECT_NE(error.find("unsupported -S option"), std::string::npos);
  EXPECT_FALSE(parse({"--env", "NOEQUALS", "m.wasm"}, error));
  EXPECT_FALSE(parse({"--env"}, error));
  EXPECT_NE(error.find("needs a value"), std::string::npos);
  EXPECT_FALSE(parse({}, error));
  EXPECT_EQ(error, "no module given");
  EXPECT_FALSE(parse({"--frobnicate", "m.wasm"}, error));
  EXPECT_NE(error.find("unknown option"), std::string::npos);
}

TEST(WasioRunCommandLine, CacheDirDefaultsFollowTheEnvironment) {
  const char* saved_wasio = std::getenv("WASIO_CACHE_DIR");
  const char* saved_xdg = std::getenv("XDG_CACHE_HOME");
  std::string wasio = saved_wasio ? saved_wasio : "", xdg = saved_xdg ? saved_xdg : "";
  ::setenv("WASIO_CACHE_DIR", "/a", 1);
  ::setenv("XDG_CACHE_HOME", "/b", 1);
  EXPECT_EQ(default_cache_dir(), "/a");
  ::unsetenv("WASIO_CACHE_DIR");
  EXPECT_EQ(default_cache_dir(), "/b/wasio");
  ::unsetenv("XDG_CACHE_HOME");
  if (const char* home = std::getenv("HOME")) {
    EXPECT_EQ(default_cache_dir(), std::string(home) + "/.cache/wasio");
  }
  if (saved_wasio) ::setenv("WASIO_CACHE_DIR", wasio.c_str(), 1);
  if (saved_xdg) ::setenv("XDG_CACHE_HOME", xdg.c_str(), 1);
}

TEST(WasioRunGlue, InstantiatePassesTheWasiInstanceOnlyWhenTheModuleImports) {
  std::string with = glue_source("w2c_memory", true, true);
  EXPECT_NE(with.find("Z_wasio_guest_instantiate((Z_wasio_guest_instance_t*)instance, env);"), std::string::npos);
  EXPECT_NE(with.find("->w2c_memory;"), std::string::npos);
  EXPECT_NE(with.find("Z_wasio_guestZ__start"), std::string::npos);
  std::string without = glue_source("", false, false);
  EXPECT_NE(without.find("Z_wasio_guest_instantiate((Z_wasio_guest_instance_t*)instance);"), std::string::npos);
  EXPECT_NE(without.find("return NULL;"), std::string::npos);
  EXPECT_EQ(without.find("Z_wasio_guestZ__start"), std::string::npos);
}

fault_context guest_context() {
  fault_context c;
  c.on_guest_thread = true;
  c.guest_running = true;
  c.memory_base = 0x7f0000000000;
  c.guard_low = 0x10000;
  c.guard_high = 0x20000;
  return c;
}

TEST(WasioRunFaults, GuestAccessInsideTheReservationIsAnOutOfBoundsTrap) {
  EXPECT_EQ(classify_fault(0x7f0000000000 + 0x1ffffffff, guest_context()), fault_kind::guest_out_of_bounds);
  EXPECT_EQ(classify_fault(0x7f0000000000 + 0x200000000, guest_context()), fault_kind::host_crash);
}

TEST(WasioRunFaults, GuestAccessInTheStackGuardIsStackExhaustion) {
  EXPECT_EQ(classify_fault(0x10000, guest_context()), fault_kind::guest_stack_exhausted);
  fault_context in_host = guest_context();
  in_host.inside_host_call = true;
  EXPECT_EQ(classify_fault(0x1ffff, in_host), fault_kind::stack_exhausted_in_host_call);
}

TEST(WasioRunFaults, HostFaultsAreNeverGuestTraps) {
  fault_context in_host = guest_context();
  in_host.inside_host_call = true;
  EXPECT_EQ(classify_fault(0x7f0000000010, in_host), fault_kind::host_crash) << "host touched guest memory";
  EXPECT_EQ(classify_fault(0, guest_context()), fault_kind::host_crash) << "null pointer";
  fault_context other_thread = guest_context();
  other_thread.on_guest_thread = false;
  EXPECT_EQ(classify_fault(0x7f0000000010, other_thread), fault_kind::host_crash);
  fault_context finished = guest_context();
  finished.guest_running = false;
  EXPECT_EQ(classify_fault(0x10000, finished), fault_kind::host_crash);
  fault_context no_memory = guest_context();
  no_memory.memory_base = 0;
  EXPECT_EQ(classify_fault(0x100, no_memory), fault_kind::host_crash);
}

TEST(WasioRunFaults, EveryTrapHasItsOwnMessage) {
  EXPECT_EQ(trap_message(WASM_RT_TRAP_OOB), "out of bounds memory access");
  EXPECT_EQ(trap_message(WASM_RT_TRAP_UNREACHABLE), "unreachable");
  EXPECT_EQ(trap_message(WASM_RT_TRAP_DIV_BY_ZERO), "integer divide by zero");
  EXPECT_EQ(trap_message(WASM_RT_TRAP_EXHAUSTION), "call stack exhausted");
  EXPECT_EQ(trap_message(999), "unknown trap");
}

}  // namespace
