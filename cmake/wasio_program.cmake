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
  if(WASIO_CHECK_DISCARDED)
    wasio_check_discarded_results(${name})
  endif()
  if(CMAKE_SYSTEM_NAME STREQUAL "WASI")
    # Set on the target too, so a toolchain file other than wasio's (a wasi-sdk's own) gets them.
    set_target_properties(${name} PROPERTIES SUFFIX ".wasm")
    target_compile_options(${name} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-fno-exceptions -fno-rtti>)
    target_link_options(${name} PRIVATE -Wl,--stack-first -Wl,-z,stack-size=${WASIO_WASM_STACK_SIZE})
  endif()
endfunction()

# Ignored I/O results. Every wasio I/O await gives a [[nodiscard]] result, and clang warns when a
# `co_await s.read(b);` drops one. GCC 12 never does for a co_await expression (a compiler bug: the
# attribute is not applied to the awaited value), so on GCC the check runs through clang instead:
# wasio_check_discarded_results(TARGET) adds TARGET.discard_check, a clang++ -fsyntax-only pass over
# TARGET's C++ sources that fails the build on any discarded result (-Werror=unused-result), and
# makes TARGET depend on it. WASIO_CHECK_DISCARDED (default: on with GCC when clang++ is found)
# applies it to every wasio_add_program target.
find_program(WASIO_CLANGXX NAMES clang++-19 clang++ DOC "clang++ for wasio_check_discarded_results")
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND WASIO_CLANGXX)
  set(_wasio_check_default ON)
else()
  set(_wasio_check_default OFF)
endif()
option(WASIO_CHECK_DISCARDED "Check wasio_add_program sources for ignored [[nodiscard]] results with clang (GCC builds)"
       ${_wasio_check_default})

function(wasio_check_discarded_results target)
  if(NOT WASIO_CLANGXX)
    message(WARNING "wasio_check_discarded_results(${target}): no clang++ found, check skipped")
    return()
  endif()
  get_target_property(sources ${target} SOURCES)
  get_target_property(source_dir ${target} SOURCE_DIR)
  set(files "")
  foreach(source ${sources})
    if(source MATCHES "\\.(cpp|cc|cxx)$")
      if(NOT IS_ABSOLUTE "${source}")
        set(source "${source_dir}/${source}")
      endif()
      list(APPEND files "${source}")
    endif()
  endforeach()
  set(includes "$<TARGET_PROPERTY:${target},INCLUDE_DIRECTORIES>")
  set(defines "$<TARGET_PROPERTY:${target},COMPILE_DEFINITIONS>")
  add_custom_target(${target}.discard_check
    COMMAND "${WASIO_CLANGXX}" -fsyntax-only -std=c++20 -Wno-everything -Wunused-result -Werror=unused-result
            "$<$<BOOL:${includes}>:-I$<JOIN:${includes},;-I>>" "$<$<BOOL:${defines}>:-D$<JOIN:${defines},;-D>>"
            ${files}
    COMMAND_EXPAND_LISTS VERBATIM
    COMMENT "Checking ${target} for ignored results (clang, -Werror=unused-result)")
  add_dependencies(${target} ${target}.discard_check)
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
