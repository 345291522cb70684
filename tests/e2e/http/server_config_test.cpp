#include "server_config.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace {

using environment = std::map<std::string, std::string>;

const char* lookup(const char* name, void* context) {
  auto& env = *static_cast<environment*>(context);
  auto found = env.find(name);
  return found == env.end() ? nullptr : found->second.c_str();
}

struct outcome {
  std::optional<http::server_config> config;
  std::string error;
  std::string help;
};

outcome parse(std::vector<std::string_view> args, environment env = {}) {
  outcome o;
  o.config = http::parse_server_config(args, lookup, &env, o.error, o.help);
  return o;
}

TEST(ServerConfig, DefaultsMatchTheDocumentedLimits) {
  const outcome o = parse({});
  ASSERT_TRUE(o.config) << o.error;
  EXPECT_EQ(o.config->max_head_bytes, 8192u);
  EXPECT_EQ(o.config->max_body_bytes, 1048576u);
  EXPECT_EQ(o.config->head_timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(o.config->idle_timeout, std::chrono::milliseconds(15000));
  EXPECT_EQ(o.config->max_connections, 1024u);
  EXPECT_EQ(o.config->describe(),
            "max-head-bytes=8192 (default) max-body-bytes=1048576 (default) head-timeout-ms=10000 (default) "
            "idle-timeout-ms=15000 (default) max-connections=1024 (default)");
}

TEST(ServerConfig, EnvironmentSetsLimitsAndArgumentsWinOverIt) {
  const outcome o = parse({"--max-body-bytes=10", "--idle-timeout-ms", "250"},
                          {{"WASIO_HTTP_MAX_BODY_BYTES", "99"}, {"WASIO_HTTP_HEAD_TIMEOUT_MS", "300"},
                           {"WASIO_HTTP_MAX_CONNECTIONS", "2"}});
  ASSERT_TRUE(o.config) << o.error;
  EXPECT_EQ(o.config->max_body_bytes, 10u);
  EXPECT_EQ(o.config->head_timeout, std::chrono::milliseconds(300));
  EXPECT_EQ(o.config->idle_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(o.config->max_connections, 2u);
  EXPECT_EQ(o.config->describe(),
            "max-head-bytes=8192 (default) max-body-bytes=10 (arg) head-timeout-ms=300 (env) "
            "idle-timeout-ms=250 (arg) max-connections=2 (env)");
}

TEST(ServerConfig, RejectsANonNumberNamingTheArgumentAndTheRange) {
  const outcome o = parse({"--max-connections=many"});
  EXPECT_FALSE(o.config);
  EXPECT_EQ(o.error, "--max-connections=\"many\": expected a decimal number of connections from 1 to 1048576");
}

TEST(ServerConfig, RejectsAnEnvironmentValueOutOfRangeNamingTheVariable) {
  const outcome o = parse({}, {{"WASIO_HTTP_MAX_HEAD_BYTES", "12"}});
  EXPECT_FALSE(o.config);
  EXPECT_EQ(o.error, "WASIO_HTTP_MAX_HEAD_BYTES=\"12\": expected a decimal number of bytes from 256 to 1048576");
}

TEST(ServerConfig, RejectsTrailingGarbageEmptyValuesAndZeroTimeouts) {
  EXPECT_FALSE(parse({"--max-body-bytes=10x"}).config);
  EXPECT_FALSE(parse({"--max-body-bytes="}).config);
  EXPECT_FALSE(parse({"--head-timeout-ms=0"}).config);
  EXPECT_FALSE(parse({"--max-body-bytes=-1"}).config);
}

TEST(ServerConfig, RejectsUnknownArgumentsAndAMissingValue) {
  const outcome unknown = parse({"--port=80"});
  EXPECT_FALSE(unknown.config);
  EXPECT_EQ(unknown.error, "unknown argument \"--port=80\" (--help lists the options)");
  const outcome missing = parse({"--max-body-bytes"});
  EXPECT_FALSE(missing.config);
  EXPECT_EQ(missing.error, "--max-body-bytes needs a value");
}

TEST(ServerConfig, HelpListsEveryOptionAndVariable) {
  const outcome o = parse({"--help"});
  EXPECT_FALSE(o.config);
  EXPECT_TRUE(o.error.empty());
  for (const char* word : {"--max-head-bytes", "WASIO_HTTP_MAX_HEAD_BYTES", "--max-body-bytes", "--head-timeout-ms",
                           "--idle-timeout-ms", "--max-connections", "WASIO_HTTP_MAX_CONNECTIONS"})
    EXPECT_NE(o.help.find(word), std::string::npos) << word;
}

}  // namespace
