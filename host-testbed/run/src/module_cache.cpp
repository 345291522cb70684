#include "module_cache.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include <openssl/evp.h>

#include "wasio/testbed/wasm2c/module_info.hpp"

extern char** environ;

namespace wasio::run {
namespace {

namespace fs = std::filesystem;

// Every module is translated under this name; symbols are Z_wasio_guestZ_<export>.
constexpr const char* module_name_c = "wasio_guest";
// The WASM_RT_* configuration shared by the module, the glue and wasm-rt-impl.c: they must agree,
// or the runtime's trap and memory code disagree with the module about how bounds are checked.
// Signal-based bounds checks (8 GiB reservation) and native-stack overflow detection through
// the guard page of the guest thread's stack (see guest_runner.cpp); stack-clash protection makes
// a large frame touch the guard page instead of jumping over it.
const std::vector<std::string> compile_flags = {
    "-O2", "-fPIC", "-shared", "-fstack-clash-protection", "-w",
    "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=1", "-DWASM_RT_USE_STACK_DEPTH_COUNT=0",
    "-DWASM_RT_SKIP_SIGNAL_RECOVERY=0"};

std::string wasm2c_program() {
  if (const char* p = std::getenv("WASIO_WASM2C"); p != nullptr && *p != '\0') return p;
  return "wasm2c";
}

std::string c_compiler() {
  if (const char* p = std::getenv("WASIO_CC"); p != nullptr && *p != '\0') return p;
  if (const char* p = std::getenv("CC"); p != nullptr && *p != '\0') return p;
  return "cc";
}

std::string runtime_dir() {
  if (const char* p = std::getenv("WASIO_WASM2C_RUNTIME"); p != nullptr && *p != '\0') return p;
  return WASIO_WASM2C_RUNTIME_DIR;
}

std::uint64_t fnv1a(std::uint64_t hash, const void* data, std::size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 0x100000001b3ull;
  }
  return hash;
}

bool read_file(const fs::path& path, std::vector<std::byte>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  out.resize(chars.size());
  if (!chars.empty()) std::memcpy(out.data(), chars.data(), chars.size());
  return true;
}

bool write_file(const fs::path& path, const void* data, std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  return static_cast<bool>(out.flush());
}

struct spawn_result {
  bool started = false;
  int spawn_errno = 0;
  int status = 0;  // waitpid status
};

/// Runs `argv` with stdout and stderr sent to `log`; waits for it.
spawn_result run_tool(const std::vector<std::string>& argv, const fs::path& log) {
  spawn_result r;
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addclose(&actions, 0);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    r.spawn_errno = rc;
    return r;
  }
  r.started = true;
  while (waitpid(pid, &r.status, 0) < 0 && errno == EINTR) {
  }
  return r;
}

/// What `argv` prints on stdout and stderr (at most 4 KiB), or "" when it cannot run.
std::string tool_output(const std::vector<std::string>& argv) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) return {};
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, ends[1], 1);
  posix_spawn_file_actions_adddup2(&actions, ends[1], 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(ends[1]);
  std::string text;
  if (rc == 0) {
    char buffer[512];
    for (ssize_t n; text.size() < 4096 && ((n = ::read(ends[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR));)
      if (n > 0) text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(ends[0]);
  if (rc == 0) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  return text;
}

bool succeeded(const spawn_result& r) { return r.started && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0; }

std::string first_lines(const fs::path& log, std::size_t max_lines) {
  std::ifstream in(log);
  std::string line, text;
  for (std::size_t n = 0; n < max_lines && std::getline(in, line);) {
    if (line.empty()) continue;
    if (!text.empty()) text += " | ";
    text += line;
    ++n;
  }
  return text;
}

/// Maps wasm2c's complaint to a one-line message naming the feature it lacks.
std::string wasm2c_failure(const std::string& module_name, const spawn_result& r, const fs::path& log) {
  std::string detail = first_lines(log, 1);
  struct known {
    const char* needle;
    const char* feature;
  };
  static constexpr known features[] = {
      {"threads not allowed", "threads (shared memory / atomics)"},
      {"memory64 not allowed", "memory64"},
      {"invalid section code: 13", "exception handling"},
      {"multi-memory", "multiple memories"},
      {"multiple memories", "multiple memories"},
      {"unexpected opcode: 0xfd", "SIMD"},
      {"unexpected opcode: 0x12", "tail calls (return_call)"},
      {"unexpected opcode: 0x13", "tail calls (return_call_indirect)"},
      {"unexpected opcode: 0xfe", "threads (atomics)"},
  };
  for (const known& k : features)
    if (detail.find(k.needle) != std::string::npos)
      return module_name + " uses " + k.feature + ", which wasm2c 1.0.32 cannot translate (wasm2c: " + detail + ")";
  if (r.started && WIFSIGNALED(r.status))
    return "wasm2c crashed (signal " + std::to_string(WTERMSIG(r.status)) + ") translating " + module_name +
           "; wasm2c 1.0.32 aborts on SIMD (v128) code, which this module probably uses";
  return "wasm2c cannot translate " + module_name + ": " + (detail.empty() ? "no message" : detail);
}

std::string hex(std::uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

/// Whether `path` exists. A look that fails for another reason (permissions, a symlink loop, I/O)
/// sets `error` instead of passing for "missing" or throwing.
bool exists(const fs::path& path, std::string& error) {
  std::error_code ec;
  bool found = fs::exists(path, ec);
  if (ec) error = "cannot read the module cache at " + path.string() + ": " + ec.message();
  return found && !ec;
}

/// Everything outside the module that shapes its shared object: wasio-run's own versions, the
/// tools (by name and by what `wasm2c --version` says, so an upgraded wabt rebuilds), the flags,
/// and the bytes of the wasm2c runtime sources compiled with every module.
std::string cache_salt() {
  std::string salt = "wasio-run " WASIO_VERSION " glue " + std::to_string(glue_version) + " cc " + c_compiler() +
                     " wasm2c " + wasm2c_program() + " [" + tool_output({wasm2c_program(), "--version"}) + "] rt " +
                     runtime_dir();
  for (const std::string& f : compile_flags) salt += " " + f;
  // wasm-rt.h is found through -I<runtime dir> first, then the system include folders.
  const fs::path rt = runtime_dir();
  std::vector<fs::path> sources = {rt / "wasm-rt-impl.c", rt / "wasm-rt-impl.h"};
  for (const fs::path& header : {rt / "wasm-rt.h", fs::path("/usr/local/include/wasm-rt.h"), fs::path("/usr/include/wasm-rt.h")}) {
    std::error_code ec;
    if (fs::exists(header, ec)) {
      sources.push_back(header);
      break;
    }
  }
  for (const fs::path& source : sources) {
    std::vector<std::byte> bytes;
    salt += " " + source.string() + ":";
    if (read_file(source, bytes)) salt.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  return salt;
}

bool same_bytes(const fs::path& stored, std::span<const std::byte> bytes) {
  std::vector<std::byte> cached;
  return read_file(stored, cached) && cached.size() == bytes.size() &&
         std::equal(cached.begin(), cached.end(), bytes.begin());
}

/// The instance struct's field holding the module's own memory ("w2c_memory" when exported as
/// "memory", "w2c_M0" when not exported), or "" when the module defines none. Exported or not,
/// wasio-run needs it to tell guest out-of-bounds faults from host crashes.
std::string memory_field(const fs::path& header);

/// What the glue must know about the translated module's header.
struct translated_header {
  std::string memory_field;
  bool instantiate_takes_wasi = false;  // false when the module imports nothing
};

translated_header read_translated_header(const fs::path& header) {
  translated_header h;
  h.memory_field = memory_field(header);
  std::ifstream in(header);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("void Z_wasio_guest_instantiate(", 0) == 0)
      h.instantiate_takes_wasi = line.find("Z_wasi_snapshot_preview1_instance_t") != std::string::npos;
  return h;
}

std::string memory_field(const fs::path& header) {
  std::ifstream in(header);
  std::string line;
  bool in_instance = false;
  static constexpr std::string_view marker = "  wasm_rt_memory_t ";
  while (std::getline(in, line)) {
    if (line.rfind("typedef struct Z_wasio_guest_instance_t", 0) == 0) in_instance = true;
    else if (in_instance && line.rfind("}", 0) == 0) break;
    else if (in_instance && line.rfind(marker, 0) == 0 && line.back() == ';')
      return line.substr(marker.size(), line.size() - marker.size() - 1);
  }
  return {};
}

/// Translates and compiles into `work` (a private directory). Returns an error line, or "".
std::string build_entry(std::span<const std::byte> bytes, const std::string& module_name, const fs::path& work) {
  auto info = testbed::wasm2c::read_module_info(bytes);
  if (!info) return module_name + " is not a valid wasm module";
  if (!info->unsupported_features.empty())
    return module_name + " uses " + info->unsupported_features.front() + ", which wasm2c 1.0.32 cannot translate";
  if (!write_file(work / "module.wasm", bytes.data(), bytes.size())) return "cannot write to the cache at " + work.string();
  const fs::path log = work / "build.log";
  spawn_result translated = run_tool({wasm2c_program(), std::string("--module-name=") + module_name_c,
                                      (work / "module.wasm").string(), "-o", (work / "module.c").string()},
                                     log);
  if (!translated.started)
    return "cannot run " + wasm2c_program() + " (" + std::strerror(translated.spawn_errno) +
           "): install wabt 1.0.32 (apt-get install wabt) or set WASIO_WASM2C";
  if (!succeeded(translated)) return wasm2c_failure(module_name, translated, log);

  translated_header header = read_translated_header(work / "module.h");
  std::string glue = glue_source(header.memory_field, header.instantiate_takes_wasi, info->exports_function("_start"));
  if (!write_file(work / "glue.c", glue.data(), glue.size())) return "cannot write to the cache at " + work.string();
  const std::string rt = runtime_dir();
  std::string look_error;
  if (!exists(fs::path(rt) / "wasm-rt-impl.c", look_error))
    return look_error.empty() ? "wasm2c runtime not found at " + rt +
                                    "/wasm-rt-impl.c: install wabt (apt-get install wabt) or set WASIO_WASM2C_RUNTIME"
                              : look_error;
  std::vector<std::string> cc = {c_compiler()};
  cc.insert(cc.end(), compile_flags.begin(), compile_flags.end());
  cc.insert(cc.end(), {"-I" + rt, "-I" + work.string(), "-o", (work / "module.so").string(),
                       (work / "module.c").string(), (work / "glue.c").string(), rt + "/wasm-rt-impl.c", "-lm"});
  spawn_result compiled = run_tool(cc, log);
  if (!compiled.started)
    return "cannot run the C compiler '" + cc[0] + "' (" + std::strerror(compiled.spawn_errno) +
           "): install one (apt-get install gcc) or set WASIO_CC";
  if (!succeeded(compiled)) return "compiling " + module_name + " failed: " + first_lines(log, 3);
  return {};
}

/// SHA-256 of a file, as 64 hex digits; empty when it cannot be read.
std::string sha256_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx);
    return {};
  }
  std::vector<char> chunk(1 << 16);
  bool ok = true;
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (in.gcount() > 0 && EVP_DigestUpdate(ctx, chunk.data(), static_cast<std::size_t>(in.gcount())) != 1) ok = false;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (in.bad() || EVP_DigestFinal_ex(ctx, digest, &length) != 1) ok = false;
  EVP_MD_CTX_free(ctx);
  if (!ok) return {};
  std::string text;
  for (unsigned int i = 0; i < length; ++i) {
    char two[3];
    std::snprintf(two, sizeof two, "%02x", digest[i]);
    text += two;
  }
  return text;
}

/// Why `path` must not be trusted (another owner, or writable by group or others), or "" (as ssh
/// treats key files: whoever can write the cache chooses the code wasio-run runs).
std::string untrusted(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return "";  // missing: nothing to trust yet
  if (S_ISLNK(st.st_mode)) return "it is a symbolic link";
  if (st.st_uid != ::geteuid()) return "it belongs to uid " + std::to_string(st.st_uid) + ", not to this user";
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return std::string("it is writable by ") + ((st.st_mode & S_IWOTH) != 0 ? "other users" : "its group") +
           " (mode " + mode + ")";
  }
  return "";
}

/// An entry is sound when it is trusted and its object still has the hash recorded at publishing.
/// Returns "" when sound, else the reason (for the "rebuilding" line).
std::string damaged(const fs::path& entry) {
  std::vector<std::byte> recorded;
  if (!read_file(entry / "module.so.sha256", recorded)) return "no recorded hash";
  const std::string expected(reinterpret_cast<const char*>(recorded.data()), recorded.size());
  const std::string actual = sha256_of(entry / "module.so");
  if (actual.empty()) return "the object cannot be read";
  if (expected.substr(0, 64) != actual) return "the object's SHA-256 differs from the one recorded";
  return "";
}

/// Removes build directories that runs killed mid-compile left behind (older than a day, so a
/// build in progress elsewhere is never touched).
void remove_abandoned_builds(const fs::path& cache_dir) {
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(24);
  // increment(ec), not ++: a range-for's ++ throws when the directory cannot be read.
  for (fs::directory_iterator it(cache_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::directory_entry& entry = *it;
    if (entry.path().filename().string().rfind(".tmp-", 0) != 0) continue;
    std::error_code entry_ec;
    auto modified = entry.last_write_time(entry_ec);
    if (!entry_ec && modified < cutoff) fs::remove_all(entry.path(), entry_ec);
  }
}

}  // namespace

std::string glue_source(const std::string& memory_field, bool instantiate_takes_wasi, bool has_start) {
  std::string text = R"(/* Generated by wasio-run: the fixed entry points wasio-run calls (see module_cache.hpp). */
#include "wasm-rt-impl.h"
#include "module.h"
#include <stddef.h>

unsigned wasio_glue_version(void) { return )" + std::to_string(glue_version) + R"(u; }
size_t wasio_glue_instance_size(void) { return sizeof(Z_wasio_guest_instance_t); }
void wasio_glue_init(void) { wasm_rt_init(); Z_wasio_guest_init_module(); }

wasm_rt_memory_t* wasio_glue_memory(void* instance) {
)";
  text += memory_field.empty() ? "  (void)instance;\n  return NULL;\n"
                                : "  return &((Z_wasio_guest_instance_t*)instance)->" + memory_field + ";\n";
  text += R"(}

/* Each entry point returns 0, a wasm_rt_trap_t code, or the value wasio_glue_leave() passed. */
int wasio_glue_instantiate(void* instance, struct Z_wasi_snapshot_preview1_instance_t* env) {
  int code = wasm_rt_impl_try();
  if (code != 0) return code;
  )";
  text += instantiate_takes_wasi ? "Z_wasio_guest_instantiate((Z_wasio_guest_instance_t*)instance, env);\n"
                                 : "(void)env;\n  Z_wasio_guest_instantiate((Z_wasio_guest_instance_t*)instance);\n";
  text += R"(  return 0;
}

int wasio_glue_has_start(void) { return )";
  text += has_start ? "1" : "0";
  text += R"(; }

int wasio_glue_start(void* instance) {
)";
  if (has_start) {
    text += R"(  int code = wasm_rt_impl_try();
  if (code != 0) return code;
  Z_wasio_guestZ__start((Z_wasio_guest_instance_t*)instance);
  return 0;
)";
  } else {
    text += "  (void)instance;\n  return 0;\n";
  }
  text += R"(}

/* Unwinds out of the guest to the entry point running it (proc_exit). */
WASM_RT_NO_RETURN void wasio_glue_leave(int code) { WASM_RT_LONGJMP(wasm_rt_jmp_buf, code); }
/* Raises a trap (wasio-run's fault handler, once it proved the fault is the guest's). */
WASM_RT_NO_RETURN void wasio_glue_trap(int code) { wasm_rt_trap((wasm_rt_trap_t)code); }

void wasio_glue_free(void* instance) { Z_wasio_guest_free((Z_wasio_guest_instance_t*)instance); wasm_rt_free(); }
)";
  return text;
}

compile_outcome compiled_module(std::span<const std::byte> bytes, const std::string& module_name,
                                const std::string& cache_dir, bool rebuild) {
  compile_outcome outcome;
  if (cache_dir.empty()) {
    outcome.error = "no cache directory: set WASIO_CACHE_DIR or HOME, or pass --cache-dir";
    return outcome;
  }
  std::error_code ec;
  fs::create_directories(cache_dir, ec);
  if (ec) {
    outcome.error = "cannot create the cache directory " + cache_dir + ": " + ec.message();
    return outcome;
  }
  if (const std::string why = untrusted(cache_dir); !why.empty()) {
    outcome.error = "refusing the cache directory " + cache_dir + ": " + why +
                    " (whoever can write it chooses the code that runs: chmod go-w it, or use --cache-dir)";
    return outcome;
  }
  remove_abandoned_builds(cache_dir);
  const std::string salt = cache_salt();
  std::uint64_t key = fnv1a(0xcbf29ce484222325ull, salt.data(), salt.size());
  key = fnv1a(key, bytes.data(), bytes.size());

  // Slots after the first only ever hold modules whose hash collided with an earlier slot's.
  for (int slot = 0; slot < 8; ++slot) {
    const fs::path entry = fs::path(cache_dir) / (hex(key) + "-" + std::to_string(slot));
    std::string look_error;
    const bool stored = exists(entry / "module.so", look_error) && exists(entry / "module.wasm", look_error);
    if (!look_error.empty()) {
      outcome.error = look_error;
      return outcome;
    }
    if (stored) {
      if (!same_bytes(entry / "module.wasm", bytes)) continue;
      for (const fs::path& p : {entry, entry / "module.so", entry / "module.so.sha256"}) {
        if (const std::string why = untrusted(p); !why.empty()) {
          outcome.error = "refusing the cache entry " + p.string() + ": " + why +
                          " (remove it, or fix its owner and mode: chmod go-w)";
          return outcome;
        }
      }
      std::string why = rebuild ? "a rebuild was asked for" : damaged(entry);
      if (why.empty()) {
        outcome.ok = true;
        outcome.cache_hit = true;
        outcome.shared_object = (entry / "module.so").string();
        return outcome;
      }
      // Moved aside first (one rename), so a concurrent run never loads a half-removed entry.
      std::fprintf(stderr, "wasio-run: cache entry %s is damaged (%s): rebuilding\n", entry.c_str(), why.c_str());
      std::string aside = (fs::path(cache_dir) / ".tmp-damaged-XXXXXX").string();
      if (mkdtemp(aside.data()) == nullptr || std::rename(entry.c_str(), (fs::path(aside) / "entry").c_str()) != 0) {
        outcome.error = "cannot remove the damaged cache entry " + entry.string() + ": " + std::strerror(errno);
        return outcome;
      }
      fs::remove_all(aside, ec);
      rebuild = false;
    }
    std::string pattern = (fs::path(cache_dir) / ".tmp-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      outcome.error = "cannot write to the cache directory " + cache_dir + ": " + std::strerror(errno);
      return outcome;
    }
    const fs::path work = pattern;
    std::string error = build_entry(bytes, module_name, work);
    if (!error.empty()) {
      fs::remove_all(work, ec);
      outcome.error = error;
      return outcome;
    }
    fs::remove(work / "module.c", ec);  // large and no longer needed; module.h is kept for debugging
    const std::string digest = sha256_of(work / "module.so");
    if (digest.empty() || !write_file(work / "module.so.sha256", digest.data(), digest.size())) {
      fs::remove_all(work, ec);
      outcome.error = "cannot record the compiled object's hash in " + cache_dir;
      return outcome;
    }
    if (std::rename(work.c_str(), entry.c_str()) != 0) {
      // Another run published this slot first (or a broken entry sits there): use it if it
      // holds our module, otherwise try the next slot.
      fs::remove_all(work, ec);
      if (exists(entry / "module.so", look_error) && same_bytes(entry / "module.wasm", bytes)) {
        outcome.ok = true;
        outcome.shared_object = (entry / "module.so").string();
        return outcome;
      }
      continue;
    }
    outcome.ok = true;
    outcome.shared_object = (entry / "module.so").string();
    return outcome;
  }
  outcome.error = "no free cache slot for " + module_name + " in " + cache_dir;
  return outcome;
}

}  // namespace wasio::run
