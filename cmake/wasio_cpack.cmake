# `cpack -G DEB` in the build folder: a .deb of the install (wasio-run, headers, native and wasm32
# libraries, the CMake package, pkg-config files). Installed with `apt install ./wasio_*.deb`, its
# dependencies give what wasio-run and the consumer's two builds need on a Debian 12 system.
set(CPACK_PACKAGE_NAME wasio)
set(CPACK_PACKAGE_VENDOR "wasio")
set(CPACK_PACKAGE_CONTACT "wasio developers <wasio@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
# Shared libraries wasio-run links (libc, libstdc++, libgcc, and libssl once TLS is in) come from
# dpkg-shlibdeps; the rest is what it runs and what a consumer builds with:
#   wabt              wasm2c and its runtime sources (wasio-run translates every module with them)
#   gcc               the C compiler wasio-run compiles translated modules with
#   g++, cmake, make, pkgconf, libssl-dev   a native consumer build (the static testbed links OpenSSL 3)
#   clang-19, lld-19, wasi-libc, libc++/libc++abi/compiler-rt for wasm32   a wasm32-wasi consumer build
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "wabt (>= 1.0.32), gcc, g++, cmake (>= 3.25), make | ninja-build, pkgconf | pkg-config, libssl-dev (>= 3), clang-19, lld-19, wasi-libc, libc++-19-dev-wasm32, libc++abi-19-dev-wasm32, libclang-rt-19-dev-wasm32")
include(CPack)
