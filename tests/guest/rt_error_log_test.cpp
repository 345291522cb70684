// Rate-limited error lines (wasio/rt/error_log.hpp), with a fake clock and a sink that keeps lines.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wasio/rt/error_log.hpp"

namespace wasio::rt {
namespace {

using namespace std::chrono_literals;

clock::time_point fake_now{};
clock::time_point fake_clock() { return fake_now; }

struct lines {
  std::vector<std::string> got;
  static void sink(std::string_view line, void* self) { static_cast<lines*>(self)->got.emplace_back(line); }
};

struct ErrorLog : ::testing::Test {
  void SetUp() override { fake_now = clock::time_point(1h); }
  lines out;
  error_log log{"echo", 10s, &lines::sink, &out, &fake_clock};
};

TEST_F(ErrorLog, TheFirstReportOfAKindIsPrintedAtOnce) {
  log.report("accept failed", errc::mfile);
  ASSERT_EQ(out.got.size(), 1u);
  EXPECT_EQ(out.got[0], "echo: accept failed: " + std::string(message(errc::mfile)));
}

TEST_F(ErrorLog, AFloodWithinOneIntervalIsOneLineThenOneLineWithItsCount) {
  // The shape of echo out of descriptors: a report every 10 ms for 60 s is 6,000 reports.
  for (int i = 0; i < 6000; ++i) {
    log.report("accept failed", errc::mfile);
    fake_now += 10ms;
  }
  log.flush();
  // One line per 10 s interval (and the final count): a handful instead of 6,000.
  EXPECT_LE(out.got.size(), 8u);
  EXPECT_GE(out.got.size(), 6u);
  EXPECT_EQ(log.lines_printed(), out.got.size());
  // Every report is printed or counted on a printed line, exactly once.
  std::uint64_t accounted = 0;
  for (const std::string& line : out.got) {
    const auto and_at = line.find("(and ");
    const auto colon_count = line.rfind(": ");
    if (and_at != std::string::npos) accounted += 1 + std::stoull(line.substr(and_at + 5));
    else if (line.find(" more in the last ") != std::string::npos) accounted += std::stoull(line.substr(colon_count + 2));
    else accounted += 1;
  }
  EXPECT_EQ(accounted, 6000u);
}

TEST_F(ErrorLog, TheLineAfterTheIntervalCarriesTheHeldCount) {
  log.report("accept failed", errc::mfile);
  fake_now += 1s;
  log.report("accept failed", errc::mfile);
  log.report("accept failed", errc::mfile);
  EXPECT_EQ(out.got.size(), 1u);
  fake_now += 10s;
  log.report("accept failed", errc::mfile);
  ASSERT_EQ(out.got.size(), 2u);
  EXPECT_EQ(out.got[1], "echo: accept failed: " + std::string(message(errc::mfile)) + " (and 2 more in the last 11.0 s)");
  EXPECT_EQ(log.reports_held(), 2u);
}

TEST_F(ErrorLog, KindsAreLimitedSeparately) {
  log.report("accept failed", errc::mfile);
  log.report("accept failed", errc::nfile);  // another errc: another kind
  log.report("read failed", "peer reset");
  log.report("read failed", "peer reset again");  // same what, a detail: same kind, held
  EXPECT_EQ(out.got.size(), 3u);
  log.flush();
  ASSERT_EQ(out.got.size(), 4u);
  EXPECT_EQ(out.got[3], "echo: read failed: peer reset again: 1 more in the last 0.0 s");
}

TEST_F(ErrorLog, AHeldCountIsPrintedOnceTheConditionStops) {
  log.report("accept failed", errc::mfile);
  log.report("accept failed", errc::mfile);
  fake_now += 5s;
  log.tick();  // the interval has not passed yet
  EXPECT_EQ(out.got.size(), 1u);
  fake_now += 5s;
  log.tick();
  ASSERT_EQ(out.got.size(), 2u);
  EXPECT_EQ(out.got[1], "echo: accept failed: " + std::string(message(errc::mfile)) + ": 1 more in the last 10.0 s");
  log.flush();  // nothing held any more: nothing printed twice
  EXPECT_EQ(out.got.size(), 2u);
}

TEST_F(ErrorLog, AnyLaterReportPrintsOtherKindsExpiredCounts) {
  log.report("accept failed", errc::mfile);
  log.report("accept failed", errc::mfile);
  fake_now += 11s;
  log.report("read failed", "reset");
  ASSERT_EQ(out.got.size(), 3u);
  EXPECT_EQ(out.got[1], "echo: read failed: reset");
  EXPECT_NE(out.got[2].find("accept failed"), std::string::npos);
}

TEST_F(ErrorLog, MoreKindsThanTrackedLoseNoCount) {
  log.report("kind 0", "x");
  log.report("kind 0", "x");  // held
  for (std::size_t i = 1; i <= error_log::max_kinds; ++i) {
    fake_now += 1ms;
    log.report("kind " + std::to_string(i), "x");
  }
  // kind 0 was replaced; its held report came out first.
  bool kind0_count = false;
  for (const std::string& line : out.got)
    if (line.starts_with("echo: kind 0: x: 1 more")) kind0_count = true;
  EXPECT_TRUE(kind0_count);
  EXPECT_EQ(out.got.size(), error_log::max_kinds + 2);
}

TEST_F(ErrorLog, TextIsTruncated) {
  log.report(std::string(1000, 'w'), std::string(1000, 'd'));
  ASSERT_EQ(out.got.size(), 1u);
  EXPECT_EQ(out.got[0].size(), std::string("echo: : ").size() + 2 * error_log::max_text);
}

TEST(ErrorLogDefault, TheDestructorPrintsWhatIsHeld) {
  lines out;
  {
    error_log log("kv", 10s, &lines::sink, &out);  // the real clock: both reports fall in one interval
    log.report("accept failed", errc::nfile);
    log.report("accept failed", errc::nfile);
  }
  ASSERT_EQ(out.got.size(), 2u);
  EXPECT_TRUE(out.got[1].starts_with("kv: accept failed: " + std::string(message(errc::nfile)) + ": 1 more"));
}

}  // namespace
}  // namespace wasio::rt
