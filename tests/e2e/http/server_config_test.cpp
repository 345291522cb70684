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

outcome parse(std::vector<std::string> words, environment env = {}) {
  std::vector<std::string_view> args(words.begin(), words.end());
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
  EXPECT_EQ(o.config->body_timeout, std::chrono::milliseconds(30000));
  EXPECT_EQ(o.config->send_timeout, std::chrono::milliseconds(30000));
  EXPECT_EQ(o.config->describe(),
            "max-head-bytes=8192 (default) max-body-bytes=1048576 (default) head-timeout-ms=10000 (default) "
            "idle-timeout-ms=15000 (default) max-connections=1024 (default) body-timeout-ms=30000 (default) "
            "send-timeout-ms=30000 (default)");
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
            "idle-timeout-ms=250 (arg) max-connections=2 (env) body-timeout-ms=30000 (default) "
            "send-timeout-ms=30000 (default)");
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
  for (const char* word : {"--body-timeout-ms", "WASIO_HTTP_BODY_TIMEOUT_MS", "--send-timeout-ms", "must fit the guest"})
    EXPECT_NE(o.help.find(word), std::string::npos) << word;
}

TEST(ServerConfig, DefaultsFitTheGuestWithRoomToSpare) {
  const http::server_config defaults;
  EXPECT_LE(http::guest_bytes_needed(defaults) * 4, http::guest_memory_budget);
}

TEST(ServerConfig, RefusesConnectionsTimesBuffersBeyondTheGuestBudget) {
  // Every value is within its own range, but together they need more than wasm32 can give.
  const outcome o = parse({"--max-connections=100000"});
  EXPECT_FALSE(o.config);
  EXPECT_NE(o.error.find("max-connections=100000 with max-head-bytes=8192 needs up to"), std::string::npos) << o.error;
  EXPECT_NE(o.error.find("connections fit"), std::string::npos) << o.error;
  const outcome big_heads = parse({"--max-head-bytes=1048576", "--max-connections=4096"});
  EXPECT_FALSE(big_heads.config);
  EXPECT_NE(big_heads.error.find("max-head-bytes=1048576"), std::string::npos) << big_heads.error;
}

TEST(ServerConfig, TheLargestFittingConnectionCountIsAcceptedAndOneMoreIsNot) {
  http::server_config probe;
  std::size_t fits = 0;
  for (std::size_t n = 1024; n < (1u << 20); n += 1) {
    probe.max_connections = n;
    if (http::guest_bytes_needed(probe) > http::guest_memory_budget) break;
    fits = n;
  }
  ASSERT_GT(fits, 1024u);
  EXPECT_TRUE(parse({"--max-connections=" + std::to_string(fits)}).config);
  const outcome over = parse({"--max-connections=" + std::to_string(fits + 1)});
  EXPECT_FALSE(over.config);
  EXPECT_NE(over.error.find("at most " + std::to_string(fits) + " connections fit"), std::string::npos) << over.error;
}

TEST(ServerConfig, AHugeBodyLimitFitsBecauseBodiesStream) {
  // Bodies are never held whole (POST /echo streams), so the body limit does not multiply.
  EXPECT_TRUE(parse({"--max-body-bytes=1073741824", "--max-connections=4096"}).config);
}

}  // namespace
