# cmake -DSOURCE=tests/foreign -DWORK=DIR -DMIO=/usr/share/cargo/registry/mio-0.8.N -P this
# Copies the Rust guests' workspace into WORK (cargo writes Cargo.lock beside it, so not in the
# source tree) and Debian's mio into WORK/mio with its wasm32-wasi dependency on `wasi` restored,
# pointing at our own preview1 bindings (Debian's remove-non-linux-deps patch drops it, and mio's
# wasi selector cannot build without it). File times are kept, so cargo rebuilds only what changed.
foreach(variable SOURCE WORK MIO)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "prepare_rust_workspace.cmake needs -D${variable}=...")
  endif()
endforeach()
file(COPY "${SOURCE}/rust/" DESTINATION "${WORK}")
file(COPY "${MIO}/" DESTINATION "${WORK}/mio" PATTERN "Cargo.toml" EXCLUDE)
file(READ "${MIO}/Cargo.toml" manifest)
string(FIND "${manifest}" "dependencies.wasi]" restored)
if(restored GREATER_EQUAL 0)
  message(FATAL_ERROR "${MIO}/Cargo.toml already depends on wasi: drop the restoring step in ${CMAKE_CURRENT_LIST_FILE}")
endif()
string(APPEND manifest "
# Restored by wasio's tests/foreign/prepare_rust_workspace.cmake (upstream mio has it):
[target.\"cfg(target_os = \\\"wasi\\\")\".dependencies.wasi]
version = \"0.11.0\"
path = \"${SOURCE}/wasi-preview1\"
")
set(target "${WORK}/mio/Cargo.toml")
set(old "")
if(EXISTS "${target}")
  file(READ "${target}" old)
endif()
if(NOT old STREQUAL manifest)
  file(WRITE "${target}" "${manifest}")
endif()
