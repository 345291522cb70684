# BearSSL for in-guest TLS (guest/tls, docs/tls.md), the same release both ways:
# - wasm32-wasi: Debian's source package, fetched by scripts/setup.sh into .cache/bearssl (ignored by
#   git) and compiled here with the guest's flags into the static library wasio_bearssl;
# - native: Debian's libbearssl-dev.
# Sets WASIO_GUEST_TLS (ON when BearSSL is there) and, when OFF, WASIO_GUEST_TLS_MISSING saying what
# is missing. Without BearSSL everything else builds; in-guest TLS, its tests and the examples'
# --tls-cert/--tls-key are left out (the examples then say so when given those options).
set(_wasio_bearssl_found "")
file(GLOB _wasio_bearssl_candidates LIST_DIRECTORIES true "${PROJECT_SOURCE_DIR}/.cache/bearssl/bearssl-*")
foreach(candidate ${_wasio_bearssl_candidates})
  if(EXISTS "${candidate}/src/ssl/ssl_engine.c" AND EXISTS "${candidate}/inc/bearssl.h")
    set(_wasio_bearssl_found "${candidate}")
  endif()
endforeach()
set(WASIO_BEARSSL_SOURCE_DIR "${_wasio_bearssl_found}" CACHE PATH
    "BearSSL's unpacked Debian source package (scripts/setup.sh: apt-get source bearssl into .cache/bearssl)")
option(WASIO_WANT_GUEST_TLS "Build in-guest TLS (BearSSL) when BearSSL is available" ON)

# The source package's version, from its debian/changelog ("bearssl (0.6+dfsg.1-3) unstable; ...").
set(WASIO_BEARSSL_SOURCE_VERSION "")
if(WASIO_BEARSSL_SOURCE_DIR AND EXISTS "${WASIO_BEARSSL_SOURCE_DIR}/debian/changelog")
  file(STRINGS "${WASIO_BEARSSL_SOURCE_DIR}/debian/changelog" _first LIMIT_COUNT 1)
  string(REGEX MATCH "\\(([^)]+)\\)" _ "${_first}")
  set(WASIO_BEARSSL_SOURCE_VERSION "${CMAKE_MATCH_1}")
endif()

set(WASIO_GUEST_TLS OFF)
set(WASIO_GUEST_TLS_MISSING "")
if(NOT WASIO_WANT_GUEST_TLS)
  set(WASIO_GUEST_TLS_MISSING "turned off (WASIO_WANT_GUEST_TLS=OFF)")
elseif(NOT WASIO_BEARSSL_SOURCE_DIR OR NOT EXISTS "${WASIO_BEARSSL_SOURCE_DIR}/src/ssl/ssl_engine.c")
  string(CONCAT WASIO_GUEST_TLS_MISSING "BearSSL's source package is missing: no src/ssl/ssl_engine.c in "
      "WASIO_BEARSSL_SOURCE_DIR='${WASIO_BEARSSL_SOURCE_DIR}' (searched ${PROJECT_SOURCE_DIR}/.cache/bearssl/bearssl-*; "
      "scripts/setup.sh fetches it there with `apt-get source bearssl`)")
elseif(WASIO_TARGET_WASI)
  set(WASIO_GUEST_TLS ON)
else()
  find_path(WASIO_BEARSSL_INCLUDE_DIR bearssl.h)
  find_library(WASIO_BEARSSL_LIBRARY NAMES bearssl)
  if(NOT WASIO_BEARSSL_INCLUDE_DIR OR NOT WASIO_BEARSSL_LIBRARY)
    set(WASIO_GUEST_TLS_MISSING "Debian's libbearssl-dev is not installed (bearssl.h, libbearssl; scripts/setup.sh)")
  else()
    # Same release both ways: the installed libbearssl-dev against the source package's changelog.
    execute_process(COMMAND dpkg-query -W -f=\${Version} libbearssl-dev
                    OUTPUT_VARIABLE _native_version ERROR_QUIET RESULT_VARIABLE _dpkg_failed)
    if(_dpkg_failed)
      message(STATUS "wasio: in-guest TLS: cannot ask dpkg for libbearssl-dev's version; not compared")
      set(WASIO_GUEST_TLS ON)
    elseif(NOT _native_version STREQUAL WASIO_BEARSSL_SOURCE_VERSION)
      string(CONCAT WASIO_GUEST_TLS_MISSING "BearSSL versions differ: libbearssl-dev ${_native_version}, source "
          "package '${WASIO_BEARSSL_SOURCE_VERSION}' in ${WASIO_BEARSSL_SOURCE_DIR} (remove .cache/bearssl, run scripts/setup.sh)")
    else()
      set(WASIO_GUEST_TLS ON)
    endif()
  endif()
endif()

if(WASIO_GUEST_TLS)
  message(STATUS "wasio: in-guest TLS with BearSSL ${WASIO_BEARSSL_SOURCE_VERSION} (${WASIO_BEARSSL_SOURCE_DIR})")
else()
  message(WARNING "wasio: in-guest TLS (guest/tls) is NOT built: ${WASIO_GUEST_TLS_MISSING}. "
                  "Everything else builds; the in-guest TLS tests are skipped.")
endif()

if(WASIO_GUEST_TLS AND WASIO_TARGET_WASI AND NOT TARGET wasio_bearssl)
  # All of BearSSL (277 files, each small): the linker keeps what the server uses.
  file(GLOB_RECURSE _sources "${WASIO_BEARSSL_SOURCE_DIR}/src/*.c")
  add_library(wasio_bearssl STATIC ${_sources})
  target_include_directories(wasio_bearssl SYSTEM PUBLIC "${WASIO_BEARSSL_SOURCE_DIR}/inc")
  target_include_directories(wasio_bearssl PRIVATE "${WASIO_BEARSSL_SOURCE_DIR}/src")
  # Third-party code: its warnings are not ours. No OS services inside the guest: no /dev/urandom
  # seeder, no time() (entropy and time come from guest/sys, see guest/tls), no CPU probes.
  target_compile_options(wasio_bearssl PRIVATE -w -O2)
  target_compile_definitions(wasio_bearssl PRIVATE BR_USE_URANDOM=0 BR_USE_WIN32_RAND=0 BR_USE_UNIX_TIME=0
    BR_USE_WIN32_TIME=0 BR_RDRAND=0 BR_AES_X86NI=0 BR_SSE2=0 BR_POWER8=0)
elseif(WASIO_GUEST_TLS AND NOT TARGET wasio_bearssl)
  add_library(wasio_bearssl INTERFACE)
  target_include_directories(wasio_bearssl SYSTEM INTERFACE "${WASIO_BEARSSL_INCLUDE_DIR}")
  target_link_libraries(wasio_bearssl INTERFACE "${WASIO_BEARSSL_LIBRARY}")
endif()
