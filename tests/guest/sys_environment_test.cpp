// How a natively linked guest configures its host from WASIO_* variables.

#include <gtest/gtest.h>

#include <string>

#include "environment_config.hpp"

namespace wasio::testbed::native::detail {
namespace {

TEST(SysEnvironment, NoVariablesGiveAStrictHostWithoutListeners) {
  std::string problem;
  auto config = config_from_variables({}, problem);
  ASSERT_TRUE(config) << problem;
  EXPECT_EQ(config->semantics, profile::strict);
  EXPECT_TRUE(config->listeners.empty());
  EXPECT_EQ(config->trace, nullptr);
}

TEST(SysEnvironment, ListenersProfileAndTraceAreRead) {
  std::string problem;
  auto config = config_from_variables({"127.0.0.1:0,[::1]:8080", "wasmtime-legacy", "1"}, problem);
  ASSERT_TRUE(config) << problem;
  ASSERT_EQ(config->listeners.size(), 2u);
  EXPECT_EQ(config->listeners[0].address, "127.0.0.1");
  EXPECT_EQ(config->listeners[0].port, 0);
  EXPECT_EQ(config->listeners[1].port, 8080);
  EXPECT_EQ(config->semantics, profile::wasmtime_legacy);
  EXPECT_EQ(config->trace, stderr);
}

TEST(SysEnvironment, MalformedListenerIsNamedInTheProblem) {
  std::string problem;
  EXPECT_FALSE(config_from_variables({"127.0.0.1:0,nonsense"}, problem));
  EXPECT_NE(problem.find("WASIO_TCPLISTEN"), std::string::npos);
  EXPECT_NE(problem.find("nonsense"), std::string::npos);
}

TEST(SysEnvironment, UnknownProfileIsRejected) {
  std::string problem;
  EXPECT_FALSE(config_from_variables({nullptr, "wasmer"}, problem));
  EXPECT_NE(problem.find("WASIO_PROFILE=wasmer"), std::string::npos);
}

TEST(SysEnvironment, TraceMustBeZeroOrOne) {
  std::string problem;
  EXPECT_FALSE(config_from_variables({nullptr, nullptr, "yes"}, problem));
  EXPECT_NE(problem.find("WASIO_TRACE"), std::string::npos);
  auto off = config_from_variables({nullptr, nullptr, "0"}, problem);
  ASSERT_TRUE(off);
  EXPECT_EQ(off->trace, nullptr);
}

}  // namespace
}  // namespace wasio::testbed::native::detail
