// The append-only file on an in-memory disk: what is logged and how, replay, truncation and
// corruption, group commit, disk errors, and the in-loop rewrite with writes arriving meanwhile.
#include "aof.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "aof_loader.hpp"
#include "fake_storage.hpp"

namespace kv {
namespace {

using testing::fake_directory;
using testing::fake_disk;

constexpr std::int64_t t0 = 1'700'000'000'000;

aof_options enabled(fsync_policy p = fsync_policy::always) {
  aof_options o;
  o.enabled = true;
  o.fsync = p;
  return o;
}

// One kv server's state on a given disk: store, engine and AOF.
struct node {
  explicit node(fake_disk& disk, aof_options o = enabled()) : dir(disk), engine(store, stats), log(o, dir, store, engine, {}) {}

  std::string start() {
    std::string warnings;
    std::string error = log.start(now, warnings);
    this->warnings = warnings;
    return error;
  }

  std::string run(std::vector<std::string> args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    reply_buffer out;
    engine.execute(views, out, now);
    return std::string(out.view());
  }

  // key -> (value, expiry) of every live key.
  std::map<std::string, std::pair<std::string, std::int64_t>> dump() const {
    std::map<std::string, std::pair<std::string, std::int64_t>> out;
    store.for_each(now, [&](std::string_view k, const kv_store::entry& e) {
      out[std::string(k)] = {e.value, e.expires_at};
    });
    return out;
  }

  fake_directory dir;
  kv_store store;
  server_stats stats;
  command_engine engine;
  aof log;
  std::int64_t now = t0;
  std::string warnings;
};

std::string cmd(std::vector<std::string_view> args) {
  std::string out;
  append_command(out, args);
  return out;
}

TEST(Aof, LogsChangesInAbsoluteFormsAndNothingForNoOps) {
  fake_disk disk;
  node n(disk);
  ASSERT_EQ(n.start(), "");
  n.run({"SET", "k", "v", "EX", "10"});
  n.run({"SET", "k", "x", "NX"});          // changed nothing
  n.run({"GET", "k"});                     // a read
  n.run({"DEL", "missing"});               // changed nothing
  n.run({"PEXPIRE", "k", "500"});
  n.run({"INCR", "counter"});
  n.run({"INCRBY", "counter", "41"});
  n.run({"EXPIRE", "missing", "10"});      // changed nothing
  n.run({"GETSET", "k", "w"});
  n.run({"EXPIRE", "k", "-1"});            // deletes
  n.run({"SET", "a", "1", "PXAT", std::to_string(t0 - 5)});  // past: nothing existed, nothing logged
  n.run({"MSET", "a", "1", "b", "2"});
  n.run({"DEL", "a", "zz"});
  n.run({"INCR", "a"});                    // a is gone: creates it
  n.run({"FLUSHALL"});
  n.log.flush(n.now);
  const std::string expected = cmd({"SELECT", "0"}) + cmd({"SET", "k", "v", "PXAT", std::to_string(t0 + 10000)}) +
                               cmd({"PEXPIREAT", "k", std::to_string(t0 + 500)}) + cmd({"SET", "counter", "1"}) +
                               cmd({"SET", "counter", "42"}) + cmd({"SET", "k", "w"}) + cmd({"DEL", "k"}) +
                               cmd({"MSET", "a", "1", "b", "2"}) + cmd({"DEL", "a", "zz"}) + cmd({"SET", "a", "1"}) +
                               cmd({"FLUSHALL"});
  EXPECT_EQ(disk.contents("appendonly.aof"), expected);
}

TEST(Aof, IncrOnAKeyWithExpiryLogsTheExpiryItKeeps) {
  fake_disk disk;
  node n(disk);
  ASSERT_EQ(n.start(), "");
  n.run({"SET", "n", "5", "PX", "1000"});
  n.run({"INCR", "n"});
  n.run({"SET", "n", "7", "KEEPTTL"});
  n.log.flush(n.now);
  const std::string at = std::to_string(t0 + 1000);
  EXPECT_EQ(disk.contents("appendonly.aof"), cmd({"SELECT", "0"}) + cmd({"SET", "n", "5", "PXAT", at}) +
                                                 cmd({"SET", "n", "6", "PXAT", at}) + cmd({"SET", "n", "7", "PXAT", at}));
}

TEST(Aof, ReplayAtStartRestoresTheKeySpace) {
  fake_disk disk;
  std::map<std::string, std::pair<std::string, std::int64_t>> before;
  {
    node n(disk);
    ASSERT_EQ(n.start(), "");
    n.run({"SET", "a", "1"});
    n.run({"SET", "b", "bee", "EX", "100"});
    n.run({"INCR", "a"});
    n.run({"SET", "gone", "x"});
    n.run({"DEL", "gone"});
    n.run({"SET", "short", "x", "PX", "10"});
    n.log.flush(n.now);
    before = n.dump();
    before.erase("short");
  }
  node again(disk);
  again.now = t0 + 20;  // "short" expired meanwhile
  ASSERT_EQ(again.start(), "");
  EXPECT_EQ(again.warnings, "");
  EXPECT_EQ(again.dump(), before);
  // Replaying logs nothing; new writes append after the old ones, with a SELECT first.
  const std::size_t size = disk.contents("appendonly.aof").size();
  again.run({"SET", "c", "3"});
  again.log.flush(again.now);
  EXPECT_EQ(disk.contents("appendonly.aof").substr(size), cmd({"SELECT", "0"}) + cmd({"SET", "c", "3"}));
}

TEST(Aof, AlwaysGroupCommitsOneFsyncPerFlushAndAcknowledgesAfterIt) {
  fake_disk disk;
  node n(disk);
  ASSERT_EQ(n.start(), "");
  for (int i = 0; i < 100; ++i) n.run({"SET", "k" + std::to_string(i), "v"});
  EXPECT_LT(n.log.acknowledged(), n.log.logged());
  const int syncs = disk.syncs;
  EXPECT_TRUE(n.log.flush(n.now));
  EXPECT_EQ(disk.syncs, syncs + 1);
  EXPECT_EQ(n.log.acknowledged(), n.log.logged());
  EXPECT_EQ(disk.files.at("appendonly.aof")->synced, disk.contents("appendonly.aof").size());
  EXPECT_FALSE(n.log.flush(n.now));  // nothing new: no write, no fsync
  EXPECT_EQ(disk.syncs, syncs + 1);
}

TEST(Aof, EverysecAcknowledgesWrittenBytesAndSyncsWithinASecond) {
  fake_disk disk;
  node n(disk, enabled(fsync_policy::everysec));
  ASSERT_EQ(n.start(), "");
  n.run({"SET", "k", "v"});
  EXPECT_TRUE(n.log.flush(n.now));
  EXPECT_EQ(n.log.acknowledged(), n.log.logged());
  EXPECT_EQ(disk.syncs, 0);
  n.now += 500;
  n.log.tick(n.now);
  EXPECT_EQ(disk.syncs, 0);
  n.now += 450;
  n.log.tick(n.now);  // 950 ms after the write: within the next tick's 100 ms of the second
  EXPECT_EQ(disk.syncs, 1);
  EXPECT_EQ(disk.files.at("appendonly.aof")->synced, disk.contents("appendonly.aof").size());
  n.now += 5000;
  n.log.tick(n.now);
  EXPECT_EQ(disk.syncs, 1);  // nothing new to sync
}

TEST(Aof, EverysecSyncsEarlyOnceMuchIsDirty) {
  fake_disk disk;
  node n(disk, enabled(fsync_policy::everysec));
  ASSERT_EQ(n.start(), "");
  const std::string big(aof::everysec_dirty_limit, 'x');
  n.run({"SET", "big", big});
  n.log.flush(n.now);
  EXPECT_EQ(disk.syncs, 1);
}

TEST(Aof, NoPolicyNeverSyncsBeforeShutdown) {
  fake_disk disk;
  node n(disk, enabled(fsync_policy::no));
  ASSERT_EQ(n.start(), "");
  n.run({"SET", "k", "v"});
  n.log.flush(n.now);
  n.now += 10'000;
  n.log.tick(n.now);
  EXPECT_EQ(disk.syncs, 0);
  EXPECT_TRUE(n.log.finish(n.now));
  EXPECT_EQ(disk.syncs, 1);
}

TEST(Aof, TruncatedTailLoadsUpToTheLastCompleteCommandAndIsRepaired) {
  fake_disk disk;
  {
    node n(disk);
    ASSERT_EQ(n.start(), "");
    n.run({"SET", "a", "1"});
    n.run({"SET", "b", "2"});
    n.log.flush(n.now);
  }
  std::string& file = disk.contents("appendonly.aof");
  const std::size_t whole = file.size();
  file += cmd({"SET", "c", "3"}).substr(0, 9);  // a crash in the middle of a write
  node n(disk);
  ASSERT_EQ(n.start(), "");
  EXPECT_NE(n.warnings.find("short read"), std::string::npos) << n.warnings;
  EXPECT_NE(n.warnings.find("offset " + std::to_string(whole)), std::string::npos) << n.warnings;
  EXPECT_EQ(n.dump().size(), 2u);
  // The file was rewritten whole before serving: it loads without a warning, and new writes follow.
  n.run({"SET", "c", "3"});
  n.log.flush(n.now);
  node again(disk);
  ASSERT_EQ(again.start(), "");
  EXPECT_EQ(again.warnings, "");
  EXPECT_EQ(again.dump().size(), 3u);
  EXPECT_FALSE(disk.exists("temp-rewriteaof-appendonly.aof"));
}

TEST(Aof, TruncatedTailIsAnErrorWithAofLoadTruncatedNo) {
  fake_disk disk;
  disk.files["appendonly.aof"] = std::make_shared<fake_disk::file_data>();
  disk.contents("appendonly.aof") = cmd({"SET", "a", "1"}) + "*2\r\n$3\r\nDEL";
  aof_options o = enabled();
  o.load_truncated = false;
  node n(disk, o);
  const std::string error = n.start();
  EXPECT_NE(error.find("aof-load-truncated is no"), std::string::npos) << error;
  EXPECT_NE(error.find("offset 27"), std::string::npos) << error;
}

TEST(Aof, CorruptionStopsWithTheOffsetOfTheBadCommand) {
  const std::string good = cmd({"SET", "a", "1"});
  for (const auto& [bad, what] : std::vector<std::pair<std::string, std::string>>{
           {"GARBAGE\r\n", "expected '*', got 'G'"},
           {"*2\r\n$3\r\nGET\r\n#1\r\nx\r\n", "Protocol error: expected '$', got '#'"},
           {cmd({"NOSUCH", "x"}), "unknown command 'NOSUCH'"},
           {cmd({"SELECT", "3"}), "'SELECT' failed: ERR DB index is out of range"},
       }) {
    fake_disk disk;
    disk.files["appendonly.aof"] = std::make_shared<fake_disk::file_data>();
    disk.contents("appendonly.aof") = good + bad + good;
    node n(disk);
    const std::string error = n.start();
    EXPECT_NE(error.find("offset " + std::to_string(good.size())), std::string::npos) << error;
    EXPECT_NE(error.find(what), std::string::npos) << error;
    EXPECT_NE(error.find("redis-check-aof"), std::string::npos) << error;
  }
}

TEST(Aof, AnRdbPreambleIsNamed) {
  fake_disk disk;
  disk.files["appendonly.aof"] = std::make_shared<fake_disk::file_data>();
  disk.contents("appendonly.aof") = "REDIS0009\xfa\x09redis-ver";
  node n(disk);
  EXPECT_NE(n.start().find("RDB preamble"), std::string::npos);
}

TEST(Aof, DiskFullRefusesWritesServesReadsAndRecoversWithNothingLost) {
  fake_disk disk;
  node n(disk);
  ASSERT_EQ(n.start(), "");
  n.run({"SET", "kept", "1"});
  n.log.flush(n.now);
  disk.capacity = disk.used() + 10;  // the next write fits only in part
  EXPECT_EQ(n.run({"SET", "pending", "value-of-some-length"}), "+OK\r\n");
  const std::uint64_t pending_end = n.log.logged();
  EXPECT_FALSE(n.log.flush(n.now));
  EXPECT_LT(n.log.acknowledged(), pending_end);  // its reply must wait
  EXPECT_EQ(n.log.write_refusal(), "MISCONF Errors writing to the AOF file: No space left on device");
  EXPECT_EQ(n.run({"SET", "x", "1"}), "-MISCONF Errors writing to the AOF file: No space left on device\r\n");
  EXPECT_EQ(n.run({"INCR", "kept"}), "-MISCONF Errors writing to the AOF file: No space left on device\r\n");
  EXPECT_EQ(n.run({"GET", "kept"}), "$1\r\n1\r\n");
  EXPECT_EQ(n.run({"PING"}).substr(0, 8), "-MISCONF");
  std::string info = n.run({"INFO", "persistence"});
  EXPECT_NE(info.find("aof_last_write_status:err"), std::string::npos);
  EXPECT_NE(info.find("aof_last_write_error:nospc"), std::string::npos);
  n.now += aof::tick_ms;
  EXPECT_FALSE(n.log.tick(n.now));  // still full
  disk.capacity = static_cast<std::size_t>(-1);
  n.now += aof::tick_ms;
  EXPECT_TRUE(n.log.tick(n.now));
  EXPECT_GE(n.log.acknowledged(), pending_end);
  EXPECT_EQ(n.log.write_refusal(), "");
  EXPECT_EQ(n.run({"SET", "x", "1"}), "+OK\r\n");
  n.log.flush(n.now);
  info = n.run({"INFO", "persistence"});
  EXPECT_NE(info.find("aof_last_write_status:ok"), std::string::npos);
  node again(disk);
  ASSERT_EQ(again.start(), "");
  EXPECT_EQ(again.warnings, "");
  EXPECT_EQ(again.dump(), n.dump());
}

TEST(Aof, AFailedFsyncUnderAlwaysIsFatalAndAcknowledgesNothing) {
  fake_disk disk;
  node n(disk);
  ASSERT_EQ(n.start(), "");
  disk.fail_sync = wasio::errc::io;
  n.run({"SET", "k", "v"});
  EXPECT_FALSE(n.log.flush(n.now));
  EXPECT_TRUE(n.log.fatal());
  EXPECT_LT(n.log.acknowledged(), n.log.logged());
  EXPECT_EQ(n.log.write_refusal(), "MISCONF Errors writing to the AOF file: Input/output error");
}

TEST(Aof, AFailedFsyncUnderEverysecRefusesWritesUntilOneSucceeds) {
  fake_disk disk;
  node n(disk, enabled(fsync_policy::everysec));
  ASSERT_EQ(n.start(), "");
  disk.fail_sync = wasio::errc::io;
  n.run({"SET", "k", "v"});
  n.log.flush(n.now);
  n.now += 1000;
  n.log.tick(n.now);
  EXPECT_FALSE(n.log.fatal());
  EXPECT_NE(n.log.write_refusal(), "");
  disk.fail_sync = wasio::errc::success;
  n.now += aof::tick_ms;
  n.log.tick(n.now);
  EXPECT_EQ(n.log.write_refusal(), "");
}

void run_rewrite(node& n) {
  ASSERT_EQ(n.run({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
  for (int steps = 0; n.log.rewrite_in_progress(); ++steps) {
    ASSERT_LT(steps, 1'000'000);
    n.log.rewrite_step(n.now);
  }
}

TEST(Aof, RewriteCompactsTheFileAndReplacesItAtomically) {
  fake_disk disk;
  node n(disk);
  ASSERT_EQ(n.start(), "");
  for (int i = 0; i < 1000; ++i) n.run({"INCR", "counter"});
  n.run({"SET", "ttl", "x", "EX", "100"});
  n.log.flush(n.now);
  const std::size_t before = disk.contents("appendonly.aof").size();
  const int dir_syncs = disk.directory_syncs;
  run_rewrite(n);
  const std::string& file = disk.contents("appendonly.aof");
  EXPECT_LT(file.size(), before / 100);
  EXPECT_EQ(disk.directory_syncs, dir_syncs + 1);
  EXPECT_FALSE(disk.exists("temp-rewriteaof-appendonly.aof"));
  EXPECT_NE(file.find(cmd({"PEXPIREAT", "ttl", std::to_string(t0 + 100'000)})), std::string::npos);
  EXPECT_EQ(n.log.rewrites(), 1u);
  EXPECT_EQ(n.run({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
  EXPECT_EQ(n.run({"BGREWRITEAOF"}), "-ERR Background append only file rewriting already in progress\r\n");
}

// Random writes interleaved with rewrite steps and flushes: the file must always replay to the
// live key space (what the absolute, idempotent log forms promise).
TEST(Aof, RewriteKeepsEveryWriteMadeWhileItRuns) {
  std::mt19937 rng(13);
  for (int round = 0; round < 20; ++round) {
    fake_disk disk;
    node n(disk);
    ASSERT_EQ(n.start(), "");
    auto key = [&] { return "k" + std::to_string(rng() % 3000); };
    for (int i = 0; i < 5000; ++i) n.run({"SET", key(), std::to_string(i)});
    n.log.flush(n.now);
    ASSERT_EQ(n.run({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
    int guard = 0;
    while (n.log.rewrite_in_progress()) {
      ASSERT_LT(++guard, 1'000'000);
      for (int j = 0; j < 20; ++j) {
        switch (rng() % 9) {
          case 0: n.run({"SET", key(), "s" + std::to_string(rng() % 100)}); break;
          case 1: n.run({"INCR", "n" + std::to_string(rng() % 50)}); break;
          case 2: n.run({"DEL", key(), key()}); break;
          case 3: n.run({"EXPIRE", key(), std::to_string(1 + rng() % 100)}); break;
          case 4: n.run({"SET", key(), "t", "PX", std::to_string(1 + rng() % 50)}); break;
          case 5: n.run({"MSET", key(), "m", key(), "m2"}); break;
          case 6: n.run({"SET", "new" + std::to_string(rng()), "fresh"}); break;  // grows the table
          case 7: n.run({"INCRBY", key(), "5"}); break;                             // may fail: not an integer
          case 8: if (rng() % 500 == 0) n.run({"FLUSHALL"}); break;
        }
      }
      n.now += rng() % 3;
      if (rng() % 2) n.log.flush(n.now);
      n.log.rewrite_step(n.now);
    }
    n.log.flush(n.now);
    EXPECT_EQ(n.log.acknowledged(), n.log.logged());
    node again(disk);
    again.now = n.now;
    ASSERT_EQ(again.start(), "");
    const auto want = n.dump(), got = again.dump();
    for (const auto& [k, v] : want) {
      auto it = got.find(k);
      EXPECT_TRUE(it != got.end() && it->second == v)
          << "round " << round << " key " << k << " want " << v.first << "@" << v.second << " got "
          << (it == got.end() ? std::string("nothing") : it->second.first + "@" + std::to_string(it->second.second));
    }
    for (const auto& [k, v] : got) EXPECT_TRUE(want.count(k)) << "round " << round << " extra key " << k << " " << v.first;
  }
}

TEST(Aof, AFailedRewriteKeepsTheOldFile) {
  fake_disk disk;
  node n(disk);
  ASSERT_EQ(n.start(), "");
  for (int i = 0; i < 100; ++i) n.run({"SET", "k" + std::to_string(i), "v"});
  n.log.flush(n.now);
  const std::string before = disk.contents("appendonly.aof");
  disk.fail_rename = wasio::errc::io;
  run_rewrite(n);
  EXPECT_EQ(disk.contents("appendonly.aof"), before);
  EXPECT_FALSE(disk.exists("temp-rewriteaof-appendonly.aof"));
  EXPECT_NE(n.run({"INFO", "persistence"}).find("aof_last_bgrewrite_status:err"), std::string::npos);
  EXPECT_EQ(n.log.write_refusal(), "");  // a failed rewrite does not stop writes
  n.run({"SET", "after", "1"});
  n.log.flush(n.now);
  node again(disk);
  ASSERT_EQ(again.start(), "");
  EXPECT_EQ(again.dump(), n.dump());
}

TEST(Aof, RewritesAutomaticallyWhenTheFileDoubled) {
  fake_disk disk;
  aof_options o = enabled();
  o.rewrite_min_size = 4096;
  node n(disk, o);
  ASSERT_EQ(n.start(), "");
  for (int i = 0; i < 200; ++i) {
    n.run({"SET", "k", std::string(100, 'a' + i % 26)});
    n.log.flush(n.now);
  }
  n.now += aof::tick_ms;
  n.log.tick(n.now);
  EXPECT_TRUE(n.log.rewrite_in_progress());
  while (n.log.rewrite_in_progress()) n.log.rewrite_step(n.now);
  EXPECT_LT(disk.contents("appendonly.aof").size(), 300u);
  n.now += aof::tick_ms;
  n.log.tick(n.now);
  EXPECT_FALSE(n.log.rewrite_in_progress());  // the base is the rewritten size now
}

TEST(Aof, InfoAndConfigReportTheSettings) {
  fake_disk disk;
  node n(disk, enabled(fsync_policy::everysec));
  ASSERT_EQ(n.start(), "");
  const std::string info = n.run({"INFO", "persistence"});
  for (const char* field : {"aof_enabled:1", "aof_rewrite_in_progress:0", "aof_last_write_status:ok",
                            "aof_current_size:0", "aof_last_bgrewrite_status:ok", "loading:0"})
    EXPECT_NE(info.find(field), std::string::npos) << field;
  EXPECT_EQ(n.run({"CONFIG", "GET", "appendfsync"}), "*2\r\n$11\r\nappendfsync\r\n$8\r\neverysec\r\n");
  EXPECT_EQ(n.run({"CONFIG", "GET", "appendonly"}), "*2\r\n$10\r\nappendonly\r\n$3\r\nyes\r\n");
  EXPECT_EQ(n.run({"SAVE"}), "+OK\r\n");
  EXPECT_EQ(n.run({"BGSAVE"}).substr(0, 26), "-ERR BGSAVE is not support");
}

TEST(Aof, DisabledLogsNothingAndSaysSo) {
  fake_disk disk;
  aof_options o;
  node n(disk, o);
  ASSERT_EQ(n.start(), "");
  n.run({"SET", "k", "v"});
  n.log.flush(n.now);
  EXPECT_TRUE(disk.files.empty());
  EXPECT_EQ(n.run({"BGREWRITEAOF"}).substr(0, 5), "-ERR ");
}

TEST(AofOptions, AcceptsRedisNamesAndValues) {
  aof_options o;
  EXPECT_EQ(o.set("appendonly", "YES"), "");
  EXPECT_TRUE(o.enabled);
  EXPECT_EQ(o.set("appendfsync", "always"), "");
  EXPECT_EQ(o.fsync, fsync_policy::always);
  EXPECT_EQ(o.set("appendfsync", "sometimes"), "argument(s) must be one of the following: always, everysec, no");
  EXPECT_EQ(o.set("appendfilename", "dir/x.aof"), "appendfilename can't be a path, just a filename");
  EXPECT_EQ(o.set("auto-aof-rewrite-min-size", "64mb"), "");
  EXPECT_EQ(o.rewrite_min_size, 64u << 20);
  EXPECT_EQ(o.set("auto-aof-rewrite-min-size", "1k"), "");
  EXPECT_EQ(o.rewrite_min_size, 1000u);
  EXPECT_EQ(o.set("auto-aof-rewrite-min-size", "lots"), "argument must be a memory value");
  EXPECT_EQ(o.set("auto-aof-rewrite-percentage", "-1"), "argument couldn't be parsed into an integer");
  EXPECT_EQ(o.set("appendonly", "maybe"), "argument must be 'yes' or 'no'");
  EXPECT_EQ(o.set("nonsense", "1"), "unknown option");
  EXPECT_EQ(aof_options::environment_name("auto-aof-rewrite-min-size"), "KV_AUTO_AOF_REWRITE_MIN_SIZE");
  EXPECT_NE(o.describe().find("appendonly yes appendfsync always"), std::string::npos);
}

}  // namespace
}  // namespace kv
