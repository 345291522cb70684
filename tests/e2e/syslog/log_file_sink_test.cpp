#include "log_file_sink.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fake_log_directory.hpp"

namespace {

using namespace std::chrono_literals;
using syslog::log_file_sink;
using syslog_test::fake_directory;
using syslog_test::fake_disk;
using clock_type = log_file_sink::clock;

std::string line(int i, std::size_t pad = 40) {
  return "{\"n\":" + std::to_string(i) + ",\"pad\":\"" + std::string(pad + static_cast<std::size_t>(i % 7) * 13, 'x') +
         "\"}\n";
}

struct LogFileSink : ::testing::Test {
  fake_disk disk;
  fake_directory directory{disk};
  std::vector<std::string> logged;
  clock_type::time_point now = clock_type::time_point{} + 1h;

  syslog::file_sink_options options(std::size_t flush_bytes = 1024) {
    syslog::file_sink_options o;
    o.path = "/logs/out.jsonl";
    o.flush_bytes = flush_bytes;
    o.fsync = syslog::fsync_policy::never;
    return o;
  }
  std::function<void(std::string_view, std::string_view)> log() {
    return [this](std::string_view what, std::string_view detail) {
      logged.push_back(std::string(what) + ": " + std::string(detail));
    };
  }
};

TEST_F(LogFileSink, WritesOnceFlushBytesWaitAndEverythingOnATick) {
  log_file_sink sink(directory, options(1000), log());
  ASSERT_TRUE(sink.open());
  std::string all;
  int i = 0;
  while (all.size() + line(i).size() < 1000) {
    sink.accept(line(i), now);
    all += line(i++);
    sink.on_input(now);
  }
  EXPECT_EQ(disk.contents("/logs/out.jsonl"), "");  // below flush_bytes nothing is written
  sink.accept(line(i), now);
  all += line(i++);
  sink.on_input(now);
  EXPECT_EQ(disk.contents("/logs/out.jsonl"), all);
  sink.accept(line(i), now);
  all += line(i++);
  sink.on_tick(now);
  EXPECT_EQ(disk.contents("/logs/out.jsonl"), all);
  EXPECT_EQ(sink.stats().lines_written, static_cast<std::uint64_t>(i));
  EXPECT_EQ(sink.pending(), 0u);
}

TEST_F(LogFileSink, EveryWriteEndsAtALineAndStaysInsideOnePageUnlessOneLineIsLonger) {
  log_file_sink sink(directory, options(64 << 10), log());
  ASSERT_TRUE(sink.open());
  std::string all;
  for (int i = 0; i < 2000; ++i) {
    // Mostly short lines, and now and then one longer than a page.
    const std::string l = i % 97 == 0 ? line(i, 9000) : line(i);
    sink.accept(l, now);
    all += l;
  }
  sink.on_tick(now);
  ASSERT_EQ(disk.contents("/logs/out.jsonl"), all);
  std::uint64_t offset = 0;
  for (const std::string& call : disk.write_calls) {
    ASSERT_FALSE(call.empty());
    EXPECT_EQ(call.back(), '\n');
    const bool one_line = call.find('\n') == call.size() - 1;
    const bool inside_page = offset / 4096 == (offset + call.size() - 1) / 4096;
    EXPECT_TRUE(inside_page || one_line) << "write at " << offset << " of " << call.size() << " bytes";
    offset += call.size();
  }
}

TEST_F(LogFileSink, AShortWriteIsCompletedFirstWhenSpaceReturnsNeverDuplicated) {
  disk.capacity = 100;
  log_file_sink sink(directory, options(64), log());
  ASSERT_TRUE(sink.open());
  std::string all;
  for (int i = 0; i < 10; ++i) {
    sink.accept(line(i), now);
    all += line(i);
  }
  sink.on_input(now);
  EXPECT_EQ(disk.contents("/logs/out.jsonl"), all.substr(0, 100));  // a short write, then nospc
  EXPECT_EQ(sink.stats().short_writes, 1u);
  EXPECT_EQ(sink.stats().write_errors, 1u);
  sink.on_input(now);  // a failing file is retried on ticks only
  EXPECT_EQ(sink.stats().write_errors, 1u);
  sink.on_tick(now);
  sink.on_tick(now);
  EXPECT_EQ(sink.stats().write_errors, 3u);
  disk.capacity.reset();
  sink.on_tick(now);
  EXPECT_EQ(disk.contents("/logs/out.jsonl"), all);
  ASSERT_EQ(logged.size(), 2u);  // one line when the failures began, one when they ended
  EXPECT_NE(logged[0].find("no space left on device"), std::string::npos) << logged[0];
  EXPECT_NE(logged[1].find("again after 3 failed attempts"), std::string::npos) << logged[1];
}

TEST_F(LogFileSink, AFailingFileKeepsLinesThenAsksForBackpressureThenDropsOnlyPastTheBound) {
  disk.fail_writes = wasio::errc::io;
  auto o = options(256);
  o.buffer_bytes = 4096;
  log_file_sink sink(directory, o, log());
  ASSERT_TRUE(sink.open());
  std::string kept;
  std::uint64_t dropped = 0;
  int i = 0;
  while (!sink.backpressure()) {
    sink.accept(line(i), now);
    kept += line(i++);
    sink.on_input(now);
  }
  EXPECT_GE(sink.pending(), 2048u);
  EXPECT_EQ(sink.stats().dropped_lines, 0u);
  // A receiver that went on reading anyway: lines fit until the bound, then drop.
  for (int k = 0; k < 100; ++k, ++i) {
    if (kept.size() + line(i).size() <= 4096) kept += line(i);
    else ++dropped;
    sink.accept(line(i), now);
  }
  EXPECT_EQ(sink.stats().dropped_lines, dropped);
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(sink.pending(), kept.size());
  disk.fail_writes.reset();
  sink.on_tick(now);
  EXPECT_EQ(disk.contents("/logs/out.jsonl"), kept);  // every kept line once, in order
  EXPECT_FALSE(sink.backpressure());
  sink.accept(line(i), now);
  bool said_dropping = false, said_room = false;
  for (const auto& l : logged) {
    said_dropping |= l.find("dropping lines") != std::string::npos;
    said_room |= l.find(std::to_string(dropped) + " lines were dropped") != std::string::npos;
  }
  EXPECT_TRUE(said_dropping && said_room);
}

TEST_F(LogFileSink, RotatesWithLogrotateNumberingAndKeepsEveryLineExactlyOnce) {
  auto o = options(300);
  o.rotate_bytes = 1000;
  o.rotate_keep = 100;
  log_file_sink sink(directory, o, log());
  ASSERT_TRUE(sink.open());
  std::string all;
  for (int i = 0; i < 400; ++i) {
    sink.accept(line(i), now);
    all += line(i);
    sink.on_input(now);
  }
  sink.on_tick(now);
  const auto rotations = sink.stats().rotations;
  ASSERT_GT(rotations, 10u);
  std::string joined;  // oldest first: PATH.N ... PATH.1, PATH
  for (auto n = rotations; n >= 1; --n) {
    const std::string part = disk.contents("/logs/out.jsonl." + std::to_string(n));
    EXPECT_LE(part.size(), 1000u);
    EXPECT_GT(part.size(), 1000u - 200u) << "a file rotated long before it was full";
    joined += part;
  }
  joined += disk.contents("/logs/out.jsonl");
  EXPECT_EQ(joined, all);
}

TEST_F(LogFileSink, KeepsOnlyRotateKeepFiles) {
  auto o = options(100);
  o.rotate_bytes = 500;
  o.rotate_keep = 2;
  log_file_sink sink(directory, o, log());
  ASSERT_TRUE(sink.open());
  for (int i = 0; i < 100; ++i) sink.accept(line(i), now);
  sink.on_tick(now);
  EXPECT_GT(sink.stats().rotations, 3u);
  EXPECT_EQ(disk.files.size(), 3u);  // PATH, PATH.1, PATH.2
  EXPECT_TRUE(disk.files.count("/logs/out.jsonl.2"));
  EXPECT_EQ(sink.stats().rotate_errors, 0u);
  // The last rotation's steps, in logrotate's order.
  const std::vector<std::string> last(disk.operations.end() - 4, disk.operations.end());
  EXPECT_EQ(last, (std::vector<std::string>{"remove /logs/out.jsonl.2", "rename /logs/out.jsonl.1 /logs/out.jsonl.2",
                                            "rename /logs/out.jsonl /logs/out.jsonl.1", "open /logs/out.jsonl"}));
}

TEST_F(LogFileSink, ARenameThatFailsLeavesTheLinesInTheCurrentFile) {
  auto o = options(100);
  o.rotate_bytes = 500;
  disk.fail_renames = wasio::errc::acces;
  log_file_sink sink(directory, o, log());
  ASSERT_TRUE(sink.open());
  std::string all;
  for (int i = 0; i < 50; ++i) {
    sink.accept(line(i), now);
    all += line(i);
    sink.on_input(now);
  }
  sink.on_tick(now);
  EXPECT_EQ(disk.contents("/logs/out.jsonl"), all);
  EXPECT_GT(sink.stats().rotate_errors, 0u);
  EXPECT_LE(sink.stats().rotations, 2u);  // once per tick at most, not once per line
}

TEST_F(LogFileSink, ReopenWritesWhatWaitsToTheMovedFileThenStartsANewOne) {
  log_file_sink sink(directory, options(1 << 20), log());
  ASSERT_TRUE(sink.open());
  sink.accept(line(1), now);
  sink.on_tick(now);
  // logrotate's "mv out.jsonl out.jsonl.old", then SIGHUP.
  disk.files["/logs/out.jsonl.old"] = disk.files["/logs/out.jsonl"];
  disk.files.erase("/logs/out.jsonl");
  sink.accept(line(2), now);  // accepted before the reopen: goes with the old file
  sink.reopen(now);
  sink.accept(line(3), now);
  sink.on_tick(now);
  EXPECT_EQ(disk.contents("/logs/out.jsonl.old"), line(1) + line(2));
  EXPECT_EQ(disk.contents("/logs/out.jsonl"), line(3));
  EXPECT_EQ(sink.stats().reopens, 1u);
}

TEST_F(LogFileSink, AFileEndingInsideALineGetsANewlineBeforeTheNextLine) {
  disk.files["/logs/out.jsonl"] = std::make_shared<std::string>(line(0) + "{\"cut");
  log_file_sink sink(directory, options(), log());
  ASSERT_TRUE(sink.open());
  sink.accept(line(1), now);
  sink.on_tick(now);
  EXPECT_EQ(disk.contents("/logs/out.jsonl"), line(0) + "{\"cut\n" + line(1));
  EXPECT_EQ(sink.stats().repaired_tails, 1u);
}

TEST_F(LogFileSink, TheRestOfACutLineIsDroppedWhenItsStartIsInAnotherFile) {
  disk.capacity = 70;
  log_file_sink sink(directory, options(16), log());
  ASSERT_TRUE(sink.open());
  sink.accept(line(0) + line(1), now);
  sink.on_input(now);  // line 0 (54 bytes) fits, line 1 is cut at byte 70
  EXPECT_EQ(sink.stats().short_writes, 1u);
  disk.capacity.reset();
  disk.files["/logs/out.jsonl.1"] = disk.files["/logs/out.jsonl"];  // moved away meanwhile
  disk.files.erase("/logs/out.jsonl");
  disk.fail_writes = wasio::errc::io;  // the old file takes nothing more either
  sink.reopen(now);
  disk.fail_writes.reset();
  sink.accept(line(2), now);
  sink.on_tick(now);
  EXPECT_EQ(disk.contents("/logs/out.jsonl"), line(2));
  EXPECT_EQ(sink.stats().dropped_lines, 1u);
}

TEST_F(LogFileSink, FsyncAlwaysAfterEachFlushIntervalOnlyWhenDueNeverNot) {
  for (auto policy : {syslog::fsync_policy::always, syslog::fsync_policy::interval, syslog::fsync_policy::never}) {
    fake_disk d;
    fake_directory dir(d);
    auto o = options(10);
    o.fsync = policy;
    o.fsync_interval = 1000ms;
    log_file_sink sink(dir, o, log());
    ASSERT_TRUE(sink.open());
    auto t = now;
    for (int i = 0; i < 10; ++i) {
      sink.accept(line(i), t);
      sink.on_input(t);
      sink.on_tick(t);
      t += 300ms;
    }
    const int want = policy == syslog::fsync_policy::always ? 10 : policy == syslog::fsync_policy::interval ? 3 : 0;
    EXPECT_EQ(d.syncs, want) << name(policy);
  }
}

TEST_F(LogFileSink, FinishReportsLinesItCouldNotWrite) {
  log_file_sink sink(directory, options(), log());
  ASSERT_TRUE(sink.open());
  disk.fail_writes = wasio::errc::nospc;
  sink.accept(line(0), now);
  auto done = sink.finish(now);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error(), wasio::errc::nospc);
  EXPECT_NE(sink.summary().find("unwritten=" + std::to_string(line(0).size())), std::string::npos) << sink.summary();
}

TEST_F(LogFileSink, OpenFailsWhenThePathCannotBeOpened) {
  disk.fail_opens = wasio::errc::notcapable;
  log_file_sink sink(directory, options(), log());
  auto r = sink.open();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), wasio::errc::notcapable);
}

}  // namespace
