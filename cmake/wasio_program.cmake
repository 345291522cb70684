# wasio_add_program(NAME SOURCES... [LIBS ...]): a guest program built from one source for both
# targets. Natively it is build/bin/NAME, linked against the testbed's native front-end; in the wasm
# sub-build it is build/bin/NAME.wasm.
function(wasio_add_program name)
  cmake_parse_arguments(arg "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${arg_SOURCES} ${arg_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE wasio::guest ${arg_LIBS})
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
