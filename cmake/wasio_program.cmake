# wasio_add_program(NAME SOURCES... [LIBS ...]): a guest program built from one source for both
# targets. Natively it is NAME, linked against the testbed's native front-end (it runs as an ordinary
# program: WASIO_TCPLISTEN=127.0.0.1:8080 ./NAME); in a wasm32-wasi build it is NAME.wasm, with what
# wasio's own examples get: no exceptions or RTTI, the shadow stack first in memory (an overflow traps
# instead of overwriting data) and WASIO_WASM_STACK_SIZE bytes of it.
# Installed with wasio's CMake package (find_package(wasio)) and used by wasio's own build alike.
set(WASIO_WASM_STACK_SIZE 1048576 CACHE STRING "Guest shadow-stack size in bytes (wasm32-wasi builds)")

function(wasio_add_program name)
  cmake_parse_arguments(arg "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${arg_SOURCES} ${arg_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE wasio::guest ${arg_LIBS})
  if(CMAKE_SYSTEM_NAME STREQUAL "WASI")
    # Set on the target too, so a toolchain file other than wasio's (a wasi-sdk's own) gets them.
    set_target_properties(${name} PROPERTIES SUFFIX ".wasm")
    target_compile_options(${name} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-fno-exceptions -fno-rtti>)
    target_link_options(${name} PRIVATE -Wl,--stack-first -Wl,-z,stack-size=${WASIO_WASM_STACK_SIZE})
  endif()
endfunction()

# wasio_add_subdirectories(): add_subdirectory for every child folder of the current source folder
# that has its own CMakeLists.txt, so a new example or test area needs no edit of its parent.
function(wasio_add_subdirectories)
  file(GLOB children LIST_DIRECTORIES true "${CMAKE_CURRENT_SOURCE_DIR}/*")
  foreach(dir ${children})
    if(IS_DIRECTORY "${dir}" AND EXISTS "${dir}/CMakeLists.txt")
      add_subdirectory("${dir}")
    endif()
  endforeach()
endfunction()
