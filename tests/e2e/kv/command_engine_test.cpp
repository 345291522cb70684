#include "command_engine.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace {

// Drives the engine with a fake clock, one request at a time.
class CommandEngine : public ::testing::Test {
 protected:
  std::string run(std::initializer_list<std::string_view> args) {
    std::vector<std::string_view> v(args);
    kv::reply_buffer out;
    last_ = engine_.execute(v, out, now_);
    return std::string(out.view());
  }

  std::int64_t now_ = 1'700'000'000'000;
  kv::kv_store store_;
  kv::server_stats stats_;
  kv::command_engine engine_{store_, stats_};
  kv::after_reply last_ = kv::after_reply::keep_open;
};

TEST_F(CommandEngine, PingAndEcho) {
  EXPECT_EQ(run({"PING"}), "+PONG\r\n");
  EXPECT_EQ(run({"ping", "hi"}), "$2\r\nhi\r\n");
  EXPECT_EQ(run({"PING", "a", "b"}), "-ERR wrong number of arguments for 'ping' command\r\n");
  EXPECT_EQ(run({"ECHO", "x y"}), "$3\r\nx y\r\n");
}

TEST_F(CommandEngine, SetGetAndCaseInsensitiveNames) {
  EXPECT_EQ(run({"sEt", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(run({"GET", "k"}), "$1\r\nv\r\n");
  EXPECT_EQ(run({"GET", "missing"}), "$-1\r\n");
  EXPECT_EQ(stats_.keyspace_hits, 1u);
  EXPECT_EQ(stats_.keyspace_misses, 1u);
}

TEST_F(CommandEngine, SetNxXxAndGet) {
  EXPECT_EQ(run({"SET", "k", "1", "XX"}), "$-1\r\n");
  EXPECT_EQ(run({"SET", "k", "1", "NX"}), "+OK\r\n");
  EXPECT_EQ(run({"SET", "k", "2", "NX"}), "$-1\r\n");
  EXPECT_EQ(run({"SET", "k", "3", "XX", "GET"}), "$1\r\n1\r\n");
  EXPECT_EQ(run({"GET", "k"}), "$1\r\n3\r\n");
  EXPECT_EQ(run({"SET", "k", "1", "NX", "XX"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"SET", "k", "1", "bogus"}), "-ERR syntax error\r\n");
}

TEST_F(CommandEngine, SetExpiryOptions) {
  EXPECT_EQ(run({"SET", "k", "v", "EX", "10"}), "+OK\r\n");
  EXPECT_EQ(run({"TTL", "k"}), ":10\r\n");
  EXPECT_EQ(run({"SET", "k", "v", "PX", "1500"}), "+OK\r\n");
  EXPECT_EQ(run({"PTTL", "k"}), ":1500\r\n");
  EXPECT_EQ(run({"TTL", "k"}), ":2\r\n");  // Redis rounds to the nearest second
  EXPECT_EQ(run({"SET", "k", "v", "KEEPTTL"}), "+OK\r\n");
  EXPECT_EQ(run({"PTTL", "k"}), ":1500\r\n");
  EXPECT_EQ(run({"SET", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(run({"TTL", "k"}), ":-1\r\n");
  EXPECT_EQ(run({"SET", "k", "v", "EX", "0"}), "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(run({"SET", "k", "v", "EX", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"SET", "k", "v", "EX"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"SET", "k", "v", "EX", "1", "PX", "1"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"SET", "k", "v", "EX", "9223372036854775807"}), "-ERR invalid expire time in 'set' command\r\n");
}

TEST_F(CommandEngine, KeysExpireWhenTheClockPasses) {
  run({"SET", "k", "v", "PX", "100"});
  now_ += 99;
  EXPECT_EQ(run({"EXISTS", "k"}), ":1\r\n");
  now_ += 1;
  EXPECT_EQ(run({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(run({"TTL", "k"}), ":-2\r\n");
}

TEST_F(CommandEngine, ExpireAndPexpireWithOptions) {
  EXPECT_EQ(run({"EXPIRE", "k", "10"}), ":0\r\n");
  run({"SET", "k", "v"});
  EXPECT_EQ(run({"EXPIRE", "k", "10", "XX"}), ":0\r\n");
  EXPECT_EQ(run({"EXPIRE", "k", "10", "NX"}), ":1\r\n");
  EXPECT_EQ(run({"EXPIRE", "k", "20", "NX"}), ":0\r\n");
  EXPECT_EQ(run({"EXPIRE", "k", "5", "GT"}), ":0\r\n");
  EXPECT_EQ(run({"EXPIRE", "k", "50", "GT"}), ":1\r\n");
  EXPECT_EQ(run({"PEXPIRE", "k", "60000", "LT"}), ":0\r\n");
  EXPECT_EQ(run({"PEXPIRE", "k", "1000", "LT"}), ":1\r\n");
  EXPECT_EQ(run({"PTTL", "k"}), ":1000\r\n");
  EXPECT_EQ(run({"EXPIRE", "k", "1", "NX", "XX"}),
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
  EXPECT_EQ(run({"EXPIRE", "k", "1", "GT", "LT"}), "-ERR GT and LT options at the same time are not compatible\r\n");
  EXPECT_EQ(run({"EXPIRE", "k", "1", "ZZ"}), "-ERR Unsupported option ZZ\r\n");
  EXPECT_EQ(run({"EXPIRE", "k", "abc"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"EXPIRE", "k", "9223372036854775807"}), "-ERR invalid expire time in 'expire' command\r\n");
  EXPECT_EQ(run({"EXPIRE", "k", "-1"}), ":1\r\n");
  EXPECT_EQ(run({"EXISTS", "k"}), ":0\r\n");
}

TEST_F(CommandEngine, GetsetClearsTheTtl) {
  EXPECT_EQ(run({"GETSET", "k", "a"}), "$-1\r\n");
  run({"EXPIRE", "k", "100"});
  EXPECT_EQ(run({"GETSET", "k", "b"}), "$1\r\na\r\n");
  EXPECT_EQ(run({"TTL", "k"}), ":-1\r\n");
}

TEST_F(CommandEngine, DelAndExistsCountKeys) {
  run({"MSET", "a", "1", "b", "2"});
  EXPECT_EQ(run({"EXISTS", "a", "a", "b", "c"}), ":3\r\n");
  EXPECT_EQ(run({"DEL", "a", "c", "a"}), ":1\r\n");
  EXPECT_EQ(run({"DBSIZE"}), ":1\r\n");
}

TEST_F(CommandEngine, IncrementsKeepTheTtlAndRejectNonIntegers) {
  EXPECT_EQ(run({"INCR", "n"}), ":1\r\n");
  EXPECT_EQ(run({"INCRBY", "n", "41"}), ":42\r\n");
  EXPECT_EQ(run({"DECR", "n"}), ":41\r\n");
  EXPECT_EQ(run({"DECRBY", "n", "1"}), ":40\r\n");
  run({"EXPIRE", "n", "100"});
  run({"INCR", "n"});
  EXPECT_EQ(run({"TTL", "n"}), ":100\r\n");
  EXPECT_EQ(run({"GET", "n"}), "$2\r\n41\r\n");
  run({"SET", "s", "abc"});
  EXPECT_EQ(run({"INCR", "s"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(run({"INCRBY", "n", "1.5"}), "-ERR value is not an integer or out of range\r\n");
  run({"SET", "big", "9223372036854775807"});
  EXPECT_EQ(run({"INCR", "big"}), "-ERR increment or decrement would overflow\r\n");
  run({"SET", "small", "-9223372036854775808"});
  EXPECT_EQ(run({"DECR", "small"}), "-ERR increment or decrement would overflow\r\n");
}

TEST_F(CommandEngine, MgetAndMset) {
  EXPECT_EQ(run({"MSET", "a", "1", "b"}), "-ERR wrong number of arguments for 'mset' command\r\n");
  EXPECT_EQ(run({"MSET", "a", "1", "b", "2"}), "+OK\r\n");
  EXPECT_EQ(run({"MGET", "a", "x", "b"}), "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n");
}

TEST_F(CommandEngine, KeysMatchesGlobsAndSkipsExpired) {
  run({"MSET", "user:1", "a", "user:2", "b", "other", "c"});
  run({"PEXPIRE", "user:2", "1"});
  now_ += 5;
  EXPECT_EQ(run({"KEYS", "user:*"}), "*1\r\n$6\r\nuser:1\r\n");
  EXPECT_EQ(run({"KEYS", "nothing*"}), "*0\r\n");
}

TEST_F(CommandEngine, FlushallEmptiesEverything) {
  run({"MSET", "a", "1", "b", "2"});
  EXPECT_EQ(run({"FLUSHALL"}), "+OK\r\n");
  EXPECT_EQ(run({"DBSIZE"}), ":0\r\n");
  EXPECT_EQ(run({"FLUSHALL", "bogus"}), "-ERR syntax error\r\n");
}

TEST_F(CommandEngine, UnknownCommandUsesRedisWording) {
  EXPECT_EQ(run({"FOO", "a", "b"}), "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n");
  EXPECT_EQ(run({"nope"}), "-ERR unknown command 'nope', with args beginning with: \r\n");
  const std::string long_arg(200, 'x');
  const std::string reply = run({"FOO", long_arg, "b"});
  EXPECT_EQ(reply, "-ERR unknown command 'FOO', with args beginning with: '" + std::string(128, 'x') + "' \r\n");
}

TEST_F(CommandEngine, WrongArityUsesRedisWording) {
  EXPECT_EQ(run({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(run({"get", "a", "b"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(run({"SET", "a"}), "-ERR wrong number of arguments for 'set' command\r\n");
}

TEST_F(CommandEngine, ConfigGetAnswersWhatBenchmarksAsk) {
  EXPECT_EQ(run({"CONFIG", "GET", "save"}), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
  EXPECT_EQ(run({"CONFIG", "GET", "appendonly"}), "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
  EXPECT_EQ(run({"CONFIG", "GET", "nonexistent"}), "*0\r\n");
  EXPECT_EQ(run({"CONFIG", "SET", "x", "y"}), "-ERR unknown subcommand 'SET'. Try CONFIG HELP.\r\n");
  EXPECT_EQ(run({"CONFIG", "GET"}), "-ERR wrong number of arguments for 'config|get' command\r\n");
}

TEST_F(CommandEngine, CommandDescribesTheTable) {
  EXPECT_EQ(run({"COMMAND", "COUNT"}), ":" + std::to_string(kv::command_engine::commands().size()) + "\r\n");
  EXPECT_EQ(run({"COMMAND", "INFO", "get", "nope"}),
            "*2\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*0\r\n*0\r\n*0\r\n*0\r\n*-1\r\n");
  const std::string all = run({"COMMAND"});
  EXPECT_EQ(all.rfind("*" + std::to_string(kv::command_engine::commands().size()) + "\r\n", 0), 0u);
  EXPECT_EQ(run({"COMMAND", "DOCS"}), "-ERR unknown subcommand 'DOCS'. Try COMMAND HELP.\r\n");
}

TEST_F(CommandEngine, InfoReportsSectionsAndCounters) {
  run({"SET", "a", "1", "EX", "100"});
  const std::string keyspace = run({"INFO", "keyspace"});
  EXPECT_NE(keyspace.find("# Keyspace\r\ndb0:keys=1,expires=1,avg_ttl=0\r\n"), std::string::npos);
  EXPECT_EQ(keyspace.find("# Server"), std::string::npos);
  const std::string everything = run({"INFO"});
  for (const char* s : {"# Server", "# Clients", "# Memory", "# Stats", "# Keyspace", "total_commands_processed:3"})
    EXPECT_NE(everything.find(s), std::string::npos) << s;
}

TEST_F(CommandEngine, SelectOnlyKnowsDatabaseZero) {
  EXPECT_EQ(run({"SELECT", "0"}), "+OK\r\n");
  EXPECT_EQ(run({"SELECT", "1"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(run({"SELECT", "x"}), "-ERR value is not an integer or out of range\r\n");
}

TEST_F(CommandEngine, QuitRepliesOkThenCloses) {
  EXPECT_EQ(run({"QUIT"}), "+OK\r\n");
  EXPECT_EQ(last_, kv::after_reply::close);
  run({"PING"});
  EXPECT_EQ(last_, kv::after_reply::keep_open);
}

}  // namespace
