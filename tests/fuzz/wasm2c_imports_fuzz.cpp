// The wasm2c import layer (every preview1 import wasio-run gives a module) called with hostile
// arguments on a fake guest memory, over a real host core with stdio, a pre-opened directory and
// every profile. Input: a profile byte, a call count, then per call an import index and its
// arguments (an i32 with its top bit clear is taken modulo the memory size + 64, so pointers and
// lengths land in and just past the memory; with it set, as is); what is left fills the memory.
//
// Checks, besides ASan and UBSan: no import reads or writes outside the memory (guard bytes around
// it), every result is an errno value of preview1, and the sandbox holds: a canary file beside the
// pre-opened directory is never touched and nothing appears next to it.
//
// What the harness changes so that a call cannot block the fuzzer for ever (a guest could): stdin
// is /dev/null, stdout and stderr too; there are no sockets (sock_* calls see only other kinds of
// fd); poll_oneoff's clock subscriptions get timeouts below 1 us before the call.

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "wasio/testbed/host.hpp"
#include "wasio/testbed/wasm2c/imports.hpp"

namespace {

using u32 = std::uint32_t;
using u64 = std::uint64_t;
using wasio::testbed::wasm2c::import_signature;

constexpr u32 page = 65536;
constexpr u32 memory_size = 2 * page;
constexpr std::size_t guard = 4096;
constexpr std::uint8_t guard_byte = 0x5a;
constexpr u32 max_calls = 32;
constexpr u32 last_errno = 76;  // notcapable, the highest preview1 errno

/// The scratch tree: ROOT/canary (never to change) and ROOT/sandbox (the guest's "/sandbox").
struct scratch_tree {
  std::string root, sandbox, canary;
  scratch_tree() {
    char pattern[] = "/tmp/wasio-fuzz-imports-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) std::abort();
    root = pattern;
    sandbox = root + "/sandbox";
    canary = root + "/canary";
    if (::mkdir(sandbox.c_str(), 0700) != 0) std::abort();
    const int fd = ::open(canary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || ::write(fd, "canary", 6) != 6) std::abort();
    ::close(fd);
  }
  ~scratch_tree() {
    clear_sandbox();
    ::rmdir(sandbox.c_str());
    ::unlink(canary.c_str());
    ::rmdir(root.c_str());
  }
  /// Empties the sandbox (what the last input made there), keeping the directory itself.
  void clear_sandbox() const {
    ::nftw(sandbox.c_str(), [](const char* path, const struct stat*, int, FTW* at) {
      if (at->level > 0) ::remove(path);
      return 0;
    }, 16, FTW_DEPTH | FTW_PHYS);
    ::chmod(sandbox.c_str(), 0700);  // fd_filestat_set_* cannot reach it, but stay sure
  }
  /// The canary is as it was and nothing else appeared beside the sandbox.
  bool intact() const {
    char text[16] = {};
    const int fd = ::open(canary.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return false;
    const ssize_t n = ::read(fd, text, sizeof text);
    ::close(fd);
    if (n != 6 || std::memcmp(text, "canary", 6) != 0) return false;
    DIR* dir = ::opendir(root.c_str());
    if (dir == nullptr) return false;
    int entries = 0;
    while (const dirent* e = ::readdir(dir)) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      if (name != "canary" && name != "sandbox") entries = 100;
      ++entries;
    }
    ::closedir(dir);
    return entries == 2;
  }
};

const scratch_tree& tree() {
  static const scratch_tree t;
  return t;
}

int dev_null() {
  static const int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (fd < 0) std::abort();
  return fd;
}

template <typename... A>
u32 call_as(void (*f)(), wasio_wasi_env* env, A... a) {
  return reinterpret_cast<u32 (*)(wasio_wasi_env*, A...)>(f)(env, a...);
}

/// Calls `s` with arguments v (for 'i') and w (for 'I'), by its signature.
u32 dispatch(const import_signature& s, wasio_wasi_env* env, const u32* v, const u64* w) {
  const std::string_view p = s.params;
  if (s.results.empty()) {  // proc_exit: records the code and returns (leave_guest is nullptr)
    reinterpret_cast<void (*)(wasio_wasi_env*, u32)>(s.function)(env, v[0]);
    return 0;
  }
  if (p == "") return call_as(s.function, env);
  if (p == "i") return call_as(s.function, env, v[0]);
  if (p == "ii") return call_as(s.function, env, v[0], v[1]);
  if (p == "iI") return call_as(s.function, env, v[0], w[1]);
  if (p == "iii") return call_as(s.function, env, v[0], v[1], v[2]);
  if (p == "iII") return call_as(s.function, env, v[0], w[1], w[2]);
  if (p == "iIi") return call_as(s.function, env, v[0], w[1], v[2]);
  if (p == "iiii") return call_as(s.function, env, v[0], v[1], v[2], v[3]);
  if (p == "iIIi") return call_as(s.function, env, v[0], w[1], w[2], v[3]);
  if (p == "iIii") return call_as(s.function, env, v[0], w[1], v[2], v[3]);
  if (p == "iiiii") return call_as(s.function, env, v[0], v[1], v[2], v[3], v[4]);
  if (p == "iiiIi") return call_as(s.function, env, v[0], v[1], v[2], w[3], v[4]);
  if (p == "iiiiii") return call_as(s.function, env, v[0], v[1], v[2], v[3], v[4], v[5]);
  if (p == "iiiiiii") return call_as(s.function, env, v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
  if (p == "iiiiIIi") return call_as(s.function, env, v[0], v[1], v[2], v[3], w[4], w[5], v[6]);
  if (p == "iiiiiIIii") return call_as(s.function, env, v[0], v[1], v[2], v[3], v[4], w[5], w[6], v[7], v[8]);
  std::abort();  // a signature this harness does not know: add it above
}

/// poll_oneoff's subscriptions in memory: every clock's timeout made tiny, so the call returns.
void shorten_clocks(std::uint8_t* memory, u32 in, u32 count) {
  constexpr u32 subscription_size = 48;
  for (u32 i = 0; i < count; ++i) {
    const u64 at = static_cast<u64>(in) + static_cast<u64>(i) * subscription_size;
    if (at + subscription_size > memory_size) return;
    std::uint8_t* s = memory + at;
    if (s[8] != 0) continue;  // not a clock
    u64 timeout;
    std::memcpy(&timeout, s + 24, 8);
    timeout %= 1000;
    std::memcpy(s + 24, &timeout, 8);
    std::uint16_t flags;
    std::memcpy(&flags, s + 40, 2);
    if (flags & 1) std::memset(s + 24, 0, 8);  // absolute: at the clock's zero, long past
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const scratch_tree& t = tree();
  wasio_fuzz::fuzz_input input(data, size);
  const auto imports = wasio::testbed::wasm2c::preview1_imports();

  wasio::testbed::host_config config;
  config.semantics = static_cast<wasio::testbed::profile>(input.byte() % 3);
  config.args = {"fuzz", "--flag", ""};
  config.env = {"A=1", "EMPTY="};
  config.preopens.push_back({t.sandbox, "/sandbox", false});
  config.stdin_fd = config.stdout_fd = config.stderr_fd = dev_null();
  config.max_open_fds = 64;
  auto created = wasio::testbed::host::create(std::move(config));
  if (!created) std::abort();

  struct call {
    const import_signature* s;
    u32 v[9];
    u64 w[9];
  };
  std::vector<call> calls(input.byte() % (max_calls + 1));
  for (call& c : calls) {
    c.s = &imports[input.byte() % imports.size()];
    for (std::size_t k = 0; k < c.s->params.size(); ++k) {
      if (c.s->params[k] == 'I') {
        c.w[k] = input.integer<u64>();
      } else {
        const u32 raw = input.integer<u32>();
        c.v[k] = (raw & 0x80000000u) != 0 ? raw : raw % (memory_size + 64);
      }
    }
  }

  std::vector<std::uint8_t> storage(guard + memory_size + guard, guard_byte);
  std::uint8_t* memory = storage.data() + guard;
  std::memset(memory, 0, memory_size);
  const std::string_view fill = input.rest();
  std::memcpy(memory, fill.data(), fill.size() < memory_size ? fill.size() : memory_size);
  wasm_rt_memory_t rt_memory{};
  rt_memory.data = memory;
  rt_memory.pages = memory_size / page;
  rt_memory.max_pages = memory_size / page;
  rt_memory.size = memory_size;
  wasio_wasi_env env{};
  env.memory = &rt_memory;
  env.host = created->get();

  for (call& c : calls) {
    if (c.s->name == "poll_oneoff") shorten_clocks(memory, c.v[0], c.v[2]);
    const u32 result = dispatch(*c.s, &env, c.v, c.w);
    if (result > last_errno) std::abort();  // not an errno of preview1
  }
  for (std::size_t i = 0; i < guard; ++i) {
    if (storage[i] != guard_byte || storage[guard + memory_size + i] != guard_byte) std::abort();  // outside the memory
  }
  created->reset();
  t.clear_sandbox();
  if (!t.intact()) std::abort();  // something left the sandbox
  return 0;
}
