# Install rules and the CMake package. One prefix serves both kinds of build:
#   P/bin/wasio-run                         runs .wasm modules (wasm2c)
#   P/include/wasio/...                     public headers (guest API, testbed API for native tests)
#   P/<libdir>/libwasio_*.a                 native guest libraries (guest layers + the testbed)
#   P/lib/wasm32-wasi/libwasio_guest.a      the guest library for wasm32-wasi (where a sysroot of
#                                           /usr, Debian's wasi-libc, looks for libraries already)
#   P/share/wasio/cmake/                    wasioConfig.cmake, the targets, wasi-toolchain.cmake,
#                                           wasio_program.cmake (wasio_add_program)
#   P/<libdir>/pkgconfig/wasio-guest.pc, P/lib/wasm32-wasi/pkgconfig/wasio-guest.pc
# The native build installs the wasm half by running the wasm sub-build's own install.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(WASIO_PACKAGE_DIR "${CMAKE_INSTALL_DATADIR}/wasio/cmake")
set(WASIO_WASM_LIBDIR "lib/wasm32-wasi")
set(WASIO_WASM_STACK_SIZE_DEFAULT 1048576)

set_target_properties(wasio_headers PROPERTIES EXPORT_NAME headers)
set_target_properties(wasio_guest PROPERTIES EXPORT_NAME guest)

# pkg-config: paths relative to the .pc file, so the tree can be moved (and a .deb's /usr works).
function(wasio_write_pc file libdir cflags libs)
  file(RELATIVE_PATH to_prefix "/${libdir}/pkgconfig" "/")
  string(REGEX REPLACE "/$" "" to_prefix "${to_prefix}")
  file(GENERATE OUTPUT "${file}" CONTENT
"prefix=\${pcfiledir}/${to_prefix}
includedir=\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}
libdir=\${prefix}/${libdir}

Name: wasio-guest
Description: ${PROJECT_DESCRIPTION}
Version: ${PROJECT_VERSION}
Cflags: -I\${includedir} -std=c++20${cflags}
Libs: -L\${libdir} ${libs}
")
endfunction()

if(WASIO_TARGET_WASI)
  # The wasm sub-build: only what differs from the native install (headers come from there).
  install(TARGETS wasio_guest wasio_headers EXPORT wasio-wasm32-targets
    ARCHIVE DESTINATION "${WASIO_WASM_LIBDIR}" INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
  install(EXPORT wasio-wasm32-targets NAMESPACE wasio:: DESTINATION "${WASIO_PACKAGE_DIR}")
  wasio_write_pc("${PROJECT_BINARY_DIR}/pkgconfig/wasio-guest.pc" "${WASIO_WASM_LIBDIR}"
    " -fno-exceptions -fno-rtti"
    "-lwasio_guest -Wl,--stack-first -Wl,-z,stack-size=${WASIO_WASM_STACK_SIZE_DEFAULT}")
  install(FILES "${PROJECT_BINARY_DIR}/pkgconfig/wasio-guest.pc" DESTINATION "${WASIO_WASM_LIBDIR}/pkgconfig")
  return()
endif()

set_target_properties(wasio_testbed_native PROPERTIES EXPORT_NAME testbed_native)
set_target_properties(wasio_testbed_core PROPERTIES EXPORT_NAME testbed_core)
install(TARGETS wasio-run RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(TARGETS wasio_headers wasio_guest wasio_testbed_native wasio_testbed_core EXPORT wasio-native-targets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(EXPORT wasio-native-targets NAMESPACE wasio:: DESTINATION "${WASIO_PACKAGE_DIR}")

# Public headers: the library's, the sys layer's own, and the testbed's (native tests install a host).
foreach(dir include guest/sys/include host-testbed/core/include host-testbed/native/include)
  install(DIRECTORY "${PROJECT_SOURCE_DIR}/${dir}/wasio" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
    FILES_MATCHING PATTERN "*.hpp")
endforeach()

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/package/wasioConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/package/wasioConfig.cmake" INSTALL_DESTINATION "${WASIO_PACKAGE_DIR}"
  PATH_VARS CMAKE_INSTALL_BINDIR)
# Same major version, any minor at or above: what a 0.x project can promise is narrower, so the
# check is SameMinorVersion while the major version is 0.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(_wasio_compat SameMinorVersion)
else()
  set(_wasio_compat SameMajorVersion)
endif()
write_basic_package_version_file("${PROJECT_BINARY_DIR}/package/wasioConfigVersion.cmake"
  COMPATIBILITY ${_wasio_compat} ARCH_INDEPENDENT)
install(FILES
  "${PROJECT_BINARY_DIR}/package/wasioConfig.cmake"
  "${PROJECT_BINARY_DIR}/package/wasioConfigVersion.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/wasi-toolchain.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/wasio_program.cmake"
  DESTINATION "${WASIO_PACKAGE_DIR}")

# The libraries are static, so what the testbed links goes in Libs too: OpenSSL 3 for its TLS
# listeners (the CMake package finds it with find_dependency instead).
wasio_write_pc("${PROJECT_BINARY_DIR}/pkgconfig/wasio-guest.pc" "${CMAKE_INSTALL_LIBDIR}" ""
  "-lwasio_guest -lwasio_testbed_native -lwasio_testbed_core -lssl -lcrypto -pthread")
install(FILES "${PROJECT_BINARY_DIR}/pkgconfig/wasio-guest.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")

if(WASIO_BUILD_WASM)
  # The wasm half is an ExternalProject with install rules of its own; run them into the same
  # prefix (DESTDIR, as set by `cmake --install` users and by CPack, passes through the environment).
  install(CODE "
    message(STATUS \"Installing the wasm32-wasi half (${PROJECT_BINARY_DIR}/wasm)\")
    execute_process(COMMAND \"${CMAKE_COMMAND}\" --install \"${PROJECT_BINARY_DIR}/wasm\" --prefix \"\${CMAKE_INSTALL_PREFIX}\"
                    RESULT_VARIABLE wasio_wasm_install)
    if(NOT wasio_wasm_install EQUAL 0)
      message(FATAL_ERROR \"installing the wasm32-wasi half failed (build it first: cmake --build)\")
    endif()")
endif()

include(cmake/wasio_cpack.cmake)
