# wasm2c front-end tests (included by tests/host/CMakeLists.txt): hostile import arguments on a
# fake guest memory, and the module reader. They reuse the core tests' harness (test_support).
add_executable(wasio_wasm2c_tests
  ${CMAKE_CURRENT_LIST_DIR}/wasm2c_fs_imports_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/wasm2c_hostile_imports_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/wasm2c_module_info_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_support.cpp)
target_link_libraries(wasio_wasm2c_tests PRIVATE wasio::testbed_wasm2c GTest::gtest_main Threads::Threads)
gtest_discover_tests(wasio_wasm2c_tests DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 60 LABELS host)

# wasio-run's command line, glue generation and fault sorting (no module needed).
add_executable(wasio_run_tests ${CMAKE_CURRENT_LIST_DIR}/wasm2c_run_test.cpp ${CMAKE_CURRENT_LIST_DIR}/workers_test.cpp)
target_link_libraries(wasio_run_tests PRIVATE wasio_run_support GTest::gtest_main)
gtest_discover_tests(wasio_run_tests DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 60 LABELS host)
