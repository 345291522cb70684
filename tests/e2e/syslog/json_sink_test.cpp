#include "json_sink.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

TEST(JsonSink, WritesOneLinePerMessageAndCountsMalformedOnes) {
  syslog::receiver_stats stats;
  std::string lines;
  syslog::json_sink sink(lines, stats);
  syslog::frame_decoder decoder;
  decoder.feed("<13>1 - h a - - - one\nnot syslog\n<14>Jan  1 00:00:00 h t: two\n", sink);
  decoder.finish(sink);
  EXPECT_EQ(stats.messages, 2u);
  EXPECT_EQ(stats.rfc5424, 1u);
  EXPECT_EQ(stats.rfc3164, 1u);
  EXPECT_EQ(stats.malformed, 1u);
  EXPECT_EQ(sink.last_error(), "missing PRI");
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 2);
  EXPECT_NE(lines.find("\"message\":\"one\""), std::string::npos);
  EXPECT_NE(lines.find("\"message\":\"two\""), std::string::npos);
}

TEST(JsonSink, SummaryListsEveryCounter) {
  syslog::receiver_stats stats{3, 10, 6, 4, 2, 999, 7, 5};
  EXPECT_EQ(syslog::format_summary(stats),
            "syslog: summary: connections=3 messages=10 rfc5424=6 rfc3164=4 malformed=2 bytes=999 refused=7 "
            "timed_out=5");
}

}  // namespace
