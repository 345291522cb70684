# TLS listener tests (included by tests/host/CMakeLists.txt): the host's TLS part against real
# OpenSSL clients on loopback, certificates made at run time. Also run under ASan/UBSan (scripts/test.sh).
find_package(OpenSSL 3 REQUIRED)
add_executable(wasio_tls_tests
  ${CMAKE_CURRENT_LIST_DIR}/tls_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tls_test_support.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_support.cpp)
target_link_libraries(wasio_tls_tests PRIVATE wasio::testbed_core OpenSSL::SSL OpenSSL::Crypto GTest::gtest_main
  Threads::Threads)
gtest_discover_tests(wasio_tls_tests DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 120 LABELS host)
