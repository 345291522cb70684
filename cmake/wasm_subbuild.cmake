# The wasm32-wasi half of the build: the same source tree configured again with the wasm toolchain,
# writing its .wasm files into our build/bin. One top-level build and one ctest cover both.
include(ExternalProject)
set(_wasio_wasm_args
  -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/cmake/wasi-toolchain.cmake
  -DCMAKE_BUILD_TYPE=Release
  -DWASIO_BIN_DIR=${WASIO_BIN_DIR}
  -DWASIO_BUILD_EXAMPLES=${WASIO_BUILD_EXAMPLES}
  -DWASIO_BUILD_TESTS=${WASIO_BUILD_TESTS}
  -DWASIO_INSTALL=${WASIO_INSTALL}
  # The same BearSSL decision as this build (cmake/bearssl.cmake checked the versions here).
  -DWASIO_WANT_GUEST_TLS=${WASIO_GUEST_TLS}
  -DWASIO_BEARSSL_SOURCE_DIR=${WASIO_BEARSSL_SOURCE_DIR})
if(WASI_SDK_PREFIX)
  list(APPEND _wasio_wasm_args -DWASI_SDK_PREFIX=${WASI_SDK_PREFIX})
endif()
ExternalProject_Add(wasio_wasm
  SOURCE_DIR "${PROJECT_SOURCE_DIR}"
  BINARY_DIR "${PROJECT_BINARY_DIR}/wasm"
  CMAKE_ARGS ${_wasio_wasm_args}
  BUILD_ALWAYS ON
  INSTALL_COMMAND ""
  USES_TERMINAL_BUILD ON)
