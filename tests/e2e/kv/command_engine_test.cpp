#include "command_engine.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <regex>
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
  EXPECT_EQ(run({"CONFIG", "SET", "x", "y"}), "-ERR Unknown option or number of arguments for CONFIG SET - 'x'\r\n");
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

// find_command is a binary search over the table (it traps on a table out of order): every name
// COMMAND lists must be found, in any case; names around and between them must not.
TEST_F(CommandEngine, EveryCommandOfTheTableIsFoundByName) {
  const std::string all = run({"COMMAND"});
  const std::regex entry("\\*10\\r\\n\\$[0-9]+\\r\\n([a-z]+)\\r\\n");
  std::size_t found = 0;
  for (std::sregex_iterator it(all.begin(), all.end(), entry), end; it != end; ++it) {
    std::string upper = (*it)[1].str();
    for (char& ch : upper) ch = static_cast<char>(ch - 'a' + 'A');
    EXPECT_NE(run({"COMMAND", "INFO", upper}), "*1\r\n*-1\r\n") << upper;
    ++found;
  }
  EXPECT_EQ(found, kv::command_engine::commands().size());
  for (std::string_view absent : {"a", "zzz", "gets", "ge", "bgrewriteaofx", "settt"})
    EXPECT_EQ(run({"COMMAND", "INFO", absent}), "*1\r\n*-1\r\n") << absent;
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

TEST_F(CommandEngine, SetRepeatedExpiryOptionIsAllowedAndTheLastWins) {
  EXPECT_EQ(run({"SET", "k", "v", "EX", "10", "EX", "20"}), "+OK\r\n");
  EXPECT_EQ(run({"TTL", "k"}), ":20\r\n");
  EXPECT_EQ(run({"SET", "k", "v", "PX", "10", "EX", "20"}), "-ERR syntax error\r\n");
}

TEST_F(CommandEngine, SetSyntaxErrorWinsOverABadExpiryNumber) {
  EXPECT_EQ(run({"SET", "k", "v", "EX", "abc", "BOGUS"}), "-ERR syntax error\r\n");
  EXPECT_EQ(run({"SET", "k", "v", "EX", "abc", "NX"}), "-ERR value is not an integer or out of range\r\n");
}

TEST_F(CommandEngine, OptionsAreReadAsCStrings) {
  using namespace std::string_literals;
  std::vector<std::string> a = {"SET", "k", "v", "KEEPTTL\0x"s};
  std::vector<std::string_view> v(a.begin(), a.end());
  kv::reply_buffer out;
  engine_.execute(v, out, now_);
  EXPECT_EQ(out.view(), "+OK\r\n");
}

TEST_F(CommandEngine, ExpireOptionErrorTrimsLineEndsAndReplacesInnerOnes) {
  run({"SET", "k", "v"});
  EXPECT_EQ(run({"EXPIRE", "k", "10", "bogus\r\n"}), "-ERR Unsupported option bogus\r\n");
  EXPECT_EQ(run({"EXPIRE", "k", "10", "bo\ngus"}), "-ERR Unsupported option bo gus\r\n");
}

TEST_F(CommandEngine, SelectReadsAnIntFirst) {
  EXPECT_EQ(run({"SELECT", "2147483648"}),
            "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");
  EXPECT_EQ(run({"SELECT", "-1"}), "-ERR DB index is out of range\r\n");
}

TEST_F(CommandEngine, ConfigSetParsesRedisMemoryUnitsAndAppliesAllOrNothing) {
  EXPECT_EQ(run({"CONFIG", "SET", "maxmemory", "10mb"}), "+OK\r\n");
  EXPECT_EQ(run({"CONFIG", "GET", "MAXMEMORY"}), "*2\r\n$9\r\nMAXMEMORY\r\n$8\r\n10485760\r\n");
  EXPECT_EQ(run({"CONFIG", "SET", "maxmemory", "1k", "maxmemory-policy", "bogus"}).rfind(
                "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s)", 0),
            0u);
  EXPECT_EQ(engine_.config().maxmemory, 10u << 20);
  EXPECT_EQ(run({"CONFIG", "SET", "maxmemory", "1t"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n");
  EXPECT_EQ(run({"CONFIG", "SET", "databases", "2"}),
            "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n");
  EXPECT_EQ(run({"CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 2k 3"}), "+OK\r\n");
  EXPECT_EQ(engine_.config().normal.hard_bytes, 1u << 20);
  EXPECT_EQ(engine_.config().normal.soft_bytes, 2000u);
  EXPECT_EQ(engine_.config().normal.soft_seconds, 3);
}

// Found by kv_session_fuzz: INCR grew a value in place without the store's byte count, so a DEL
// later took the count below zero: used_memory read 2^64-1 and every write got -OOM.
TEST_F(CommandEngine, IncrementsKeepTheStoresByteCount) {
  run({"SET", "k", "9"});
  run({"SET", "n", "-10"});
  for (int i = 0; i < 95; ++i) run({"INCR", "k"});  // 9 -> 104: one byte, then two, then three
  EXPECT_EQ(run({"DECRBY", "n", "990"}), ":-1000\r\n");
  EXPECT_EQ(store_.payload_bytes(), std::string("k104n-1000").size());
  run({"DEL", "k", "n"});
  EXPECT_EQ(store_.payload_bytes(), 0u);
  EXPECT_EQ(store_.memory_bytes(), 0u);
  EXPECT_EQ(run({"SET", "after", "v"}), "+OK\r\n");
}

// Found by kv_session_fuzz: an empty name was taken for "no unknown name" and the null parameter
// behind it was dereferenced (a trap: the server and every key gone).
TEST_F(CommandEngine, ConfigSetOfAnEmptyNameIsAnUnknownOption) {
  EXPECT_EQ(run({"CONFIG", "SET", "", "x"}), "-ERR Unknown option or number of arguments for CONFIG SET - ''\r\n");
  EXPECT_EQ(run({"CONFIG", "SET", "maxmemory", "1mb", "", "x"}),
            "-ERR Unknown option or number of arguments for CONFIG SET - ''\r\n");
  EXPECT_EQ(run({"PING"}), "+PONG\r\n");
}

TEST_F(CommandEngine, ParseMemoryFollowsMemtoull) {
  EXPECT_EQ(kv::parse_memory("1k"), 1000u);
  EXPECT_EQ(kv::parse_memory("1KB"), 1024u);
  EXPECT_EQ(kv::parse_memory("2gb"), std::uint64_t{2} << 30);
  EXPECT_EQ(kv::parse_memory(""), 0u);
  EXPECT_EQ(kv::parse_memory("99999999999999999999"), UINT64_MAX);
  EXPECT_EQ(kv::parse_memory("-1"), std::nullopt);
  EXPECT_EQ(kv::parse_memory("1.5mb"), std::nullopt);
}

TEST_F(CommandEngine, OverMaxmemoryOnlyCommandsThatGrowTheDataSetAreRefused) {
  run({"SET", "keep", "v"});
  engine_.config().maxmemory = 1;
  const std::string oom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
  EXPECT_EQ(run({"SET", "x", "y"}), oom);
  EXPECT_EQ(run({"INCR", "x"}), oom);
  EXPECT_EQ(run({"MSET", "a", "b"}), oom);
  EXPECT_EQ(run({"SET", "x"}), "-ERR wrong number of arguments for 'set' command\r\n");  // arity first
  EXPECT_EQ(run({"GET", "keep"}), "$1\r\nv\r\n");
  EXPECT_EQ(run({"DEL", "keep"}), ":1\r\n");
  EXPECT_EQ(stats_.oom_rejections, 3u);
  EXPECT_NE(run({"INFO", "memory"}).find("maxmemory:1\r\nmaxmemory_human:1B\r\nmaxmemory_policy:noeviction\r\n"),
            std::string::npos);
}

TEST_F(CommandEngine, AllkeysLruEvictsTheLeastRecentlyUsedKeysToFit) {
  for (int i = 0; i < 100; ++i) run({"SET", "key" + std::to_string(i), std::string(100, 'v')});
  const std::size_t full = engine_.used_memory();
  run({"GET", "key7"});  // recently used: sampling all keys keeps it
  engine_.config().maxmemory = full / 2;
  engine_.config().policy = kv::eviction_policy::allkeys_lru;
  engine_.config().maxmemory_samples = 64;
  EXPECT_EQ(run({"SET", "new", "1"}), "+OK\r\n");
  EXPECT_LE(engine_.used_memory(), full / 2 + store_.memory_bytes() / store_.size());
  EXPECT_GT(store_.evicted_count(), 40u);
  EXPECT_EQ(run({"EXISTS", "key7"}), ":1\r\n");
  EXPECT_NE(run({"INFO", "stats"}).find("evicted_keys:" + std::to_string(store_.evicted_count())), std::string::npos);
}

TEST_F(CommandEngine, MgetWithACursorStopsAtTheHighWaterMarkAndResumes) {
  run({"SET", "big", std::string(1000, 'x')});
  std::vector<std::string_view> args = {"MGET"};
  for (int i = 0; i < 10; ++i) args.push_back("big");
  kv::reply_buffer out;
  kv::reply_cursor cursor;
  EXPECT_EQ(engine_.execute(args, out, now_, &cursor, 2500), kv::after_reply::more);
  const std::string item = "$1000\r\n" + std::string(1000, 'x') + "\r\n";
  EXPECT_EQ(out.view(), "*10\r\n" + item + item + item);
  std::string all(out.view());
  int steps = 1;
  for (;;) {
    out.clear();
    const auto next = engine_.resume(args, out, now_, cursor, 2500);
    all += out.view();
    ++steps;
    if (next == kv::after_reply::keep_open) break;
    ASSERT_EQ(next, kv::after_reply::more);
  }
  std::string whole = "*10\r\n";
  for (int i = 0; i < 10; ++i) whole += item;
  EXPECT_EQ(all, whole);
  EXPECT_EQ(steps, 4);
  EXPECT_EQ(stats_.total_commands_processed, 2u);  // the SET and one MGET
}

TEST_F(CommandEngine, KeysPastTheHardLimitIsNotBuilt) {
  for (int i = 0; i < 100; ++i) run({"SET", "key" + std::to_string(i), "v"});
  engine_.config().normal.hard_bytes = 500;
  std::vector<std::string_view> args = {"KEYS", "*"};
  kv::reply_buffer out;
  EXPECT_EQ(engine_.execute(args, out, now_), kv::after_reply::over_output_limit);
  EXPECT_TRUE(out.empty());
  engine_.config().normal.hard_bytes = 0;
  EXPECT_EQ(engine_.execute(args, out, now_), kv::after_reply::keep_open);
  EXPECT_EQ(out.view().substr(0, 6), "*100\r\n");
}

}  // namespace
