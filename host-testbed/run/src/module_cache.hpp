#pragma once
// The compiled-module cache: MODULE.wasm -> wasm2c -> C -> shared object, keyed by content.
//
// Layout: CACHE_DIR/<16 hex digits>-<slot>/{module.wasm, module.so}. The key hashes the module
// bytes together with everything that shapes the object (wasio version, glue version, compiler,
// flags, `wasm2c --version`, and the bytes of wasm-rt.h / wasm-rt-impl.{c,h}). A hit is verified byte for byte against the stored module.wasm, so a hash collision
// moves on to the next slot instead of running the wrong code (no crypto hash needed). Entries
// are built in a private temporary directory and published with one rename(), so concurrent
// runs never see a half-written entry; the loser of a publishing race uses the winner's entry.

#include <cstddef>
#include <span>
#include <string>

namespace wasio::run {

struct compile_outcome {
  bool ok = false;
  std::string shared_object;  // path, when ok
  std::string error;          // one line (without the "wasio-run: " prefix), when !ok
  bool cache_hit = false;
};

/// Returns the cached shared object for `module_bytes`, translating and compiling it on a miss.
/// `module_name` is only used in messages. A cache that cannot be read (permissions, a symlink
/// loop) is an error with the path and the reason, never an exception.
/// Integrity (docs/shutdown.md's sibling, README "module cache"): each entry records the SHA-256 of
/// its object (module.so.sha256) when it is published; a hit whose object no longer has that hash
/// (truncated, flipped bits) is moved aside and rebuilt, with one line on stderr. `rebuild` forces
/// that for the entry found (wasio-run passes it after the object failed to load). A cache
/// directory, entry or object that belongs to another user, is a symbolic link, or is writable by
/// group or others is refused with the reason, as ssh refuses such key files.
compile_outcome compiled_module(std::span<const std::byte> module_bytes, const std::string& module_name,
                                const std::string& cache_dir, bool rebuild = false);

/// The C glue compiled with every module: the fixed entry points wasio-run dlsym()s.
/// `memory_field` names the instance's memory member ("" for none); `instantiate_takes_wasi` is
/// false for a module importing nothing (its instantiate function then takes only the instance).
std::string glue_source(const std::string& memory_field, bool instantiate_takes_wasi, bool has_start);

/// Version of the glue's entry points; a shared object with another version is rebuilt.
inline constexpr unsigned glue_version = 2;

/// The value wasio_glue_leave() makes the glue's entry points return: the guest called proc_exit.
inline constexpr int glue_left_guest = 0x10000;

}  // namespace wasio::run
