# wasm32-wasi toolchain. With WASI_SDK_PREFIX (variable or environment) set, that wasi-sdk is used;
# otherwise Debian's clang-19 / wasm-ld-19 with wasi-libc and libc++ for wasm32 under /usr.
set(CMAKE_SYSTEM_NAME WASI)
set(CMAKE_SYSTEM_VERSION 1)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
set(triple wasm32-wasi)

if(NOT WASI_SDK_PREFIX AND DEFINED ENV{WASI_SDK_PREFIX})
  set(WASI_SDK_PREFIX "$ENV{WASI_SDK_PREFIX}")
endif()
# try_compile projects re-read this file; forward the choice to them.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES WASI_SDK_PREFIX)

if(WASI_SDK_PREFIX)
  set(CMAKE_C_COMPILER "${WASI_SDK_PREFIX}/bin/clang")
  set(CMAKE_CXX_COMPILER "${WASI_SDK_PREFIX}/bin/clang++")
  set(CMAKE_AR "${WASI_SDK_PREFIX}/bin/llvm-ar" CACHE FILEPATH "")
  set(CMAKE_RANLIB "${WASI_SDK_PREFIX}/bin/llvm-ranlib" CACHE FILEPATH "")
  set(CMAKE_SYSROOT "${WASI_SDK_PREFIX}/share/wasi-sysroot")
else()
  set(CMAKE_C_COMPILER clang-19)
  set(CMAKE_CXX_COMPILER clang++-19)
  find_program(WASIO_LLVM_AR NAMES llvm-ar-19 llvm-ar REQUIRED)
  find_program(WASIO_LLVM_RANLIB NAMES llvm-ranlib-19 llvm-ranlib REQUIRED)
  set(CMAKE_AR "${WASIO_LLVM_AR}" CACHE FILEPATH "")
  set(CMAKE_RANLIB "${WASIO_LLVM_RANLIB}" CACHE FILEPATH "")
  set(CMAKE_SYSROOT /usr)
endif()

set(CMAKE_C_COMPILER_TARGET ${triple})
set(CMAKE_CXX_COMPILER_TARGET ${triple})
set(CMAKE_EXECUTABLE_SUFFIX .wasm)
# CMake 3.25 has no Platform/WASI: its generic system file resets CMAKE_EXECUTABLE_SUFFIX to "" after
# this file ran, so programs came out without .wasm. The per-language suffixes survive that reset.
set(CMAKE_EXECUTABLE_SUFFIX_C .wasm)
set(CMAKE_EXECUTABLE_SUFFIX_CXX .wasm)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# No exceptions or RTTI on the wasm side (wasi-sdk's and Debian's libc++ are built without them).
# Bulk memory (memory.copy, memory.fill: every engine that runs preview1 sockets has it, wasm2c
# 1.0.32 and Node 20 included): copies and fills become one instruction the host runs natively,
# instead of loops of wasm loads and stores (guest/sys/wasi/memory_ops.cpp).
set(CMAKE_C_FLAGS_INIT "-mbulk-memory")
set(CMAKE_CXX_FLAGS_INIT "-mbulk-memory -fno-exceptions -fno-rtti")
# --stack-first puts the shadow stack below the data: an overflow runs off address 0 and traps
# instead of silently overwriting globals and heap (the default layout's failure mode).
set(WASIO_WASM_STACK_SIZE 1048576 CACHE STRING "Guest shadow-stack size in bytes")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--stack-first -Wl,-z,stack-size=${WASIO_WASM_STACK_SIZE}")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
