// memcpy, memmove and memset of every program linked against wasio_guest for wasm32-wasi: each one
// bulk-memory instruction (memory.copy, memory.fill), which the host runs as its own native memmove
// or memset.
//
// Why: a wasi-libc built for the wasm MVP (Debian's, and wasi-sdk releases before bulk memory was
// on by default) has musl's C versions, loops of wasm loads and stores. In http.wasm under
// wasio-run that loop memcpy alone was 1.45 % of the server's CPU per request (perf, wrk
// keep-alive), more than the host's whole send path. libc++'s compiled-in string and stream code
// calls memcpy, so compiling our own code with -mbulk-memory (the toolchain file) is not enough.
// The build makes the linker take these ahead of libc's (--undefined in CMakeLists.txt); a libc
// that already uses the instructions is replaced by the same thing.

#include <cstddef>

// Without bulk memory clang lowers each builtin below to a call of the very function it is in: an
// endless loop, not a copy. The build passes -mbulk-memory for this file (CMakeLists.txt).
#ifndef __wasm_bulk_memory__
#error "guest/sys/wasi/memory_ops.cpp must be compiled with -mbulk-memory"
#endif

extern "C" {

// With bulk memory enabled, clang lowers these builtins to the instructions themselves, never to a
// call (which would be to this very function).
void* memcpy(void* __restrict destination, const void* __restrict source, std::size_t count) {
  return __builtin_memcpy(destination, source, count);
}

void* memmove(void* destination, const void* source, std::size_t count) {
  return __builtin_memmove(destination, source, count);
}

void* memset(void* destination, int value, std::size_t count) {
  return __builtin_memset(destination, value, count);
}

}  // extern "C"
