#include "frame_decoder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

struct recording_sink : syslog::frame_sink {
  std::vector<std::string> frames;
  std::vector<std::string> malformed;
  void on_frame(std::string_view m) override { frames.emplace_back(m); }
  void on_malformed_frame(std::string_view r) override { malformed.emplace_back(r); }
};

TEST(FrameDecoder, DetectsOctetCountingAndSplitsFrames) {
  syslog::frame_decoder d;
  recording_sink s;
  d.feed("5 <1>ab3 <2>", s);
  EXPECT_EQ(d.mode(), syslog::framing::octet_counting);
  EXPECT_EQ(s.frames, (std::vector<std::string>{"<1>ab", "<2>"}));
  EXPECT_TRUE(s.malformed.empty());
}

TEST(FrameDecoder, OctetCountedFramesMayHoldNewlines) {
  syslog::frame_decoder d;
  recording_sink s;
  d.feed("7 <1>a\nb\n", s);
  EXPECT_EQ(s.frames, (std::vector<std::string>{"<1>a\nb\n"}));
}

TEST(FrameDecoder, ReassemblesFramesSplitAtEveryByte) {
  const std::string stream = "12 <13>1 - - -\n11 <14>hello!!";
  syslog::frame_decoder d;
  recording_sink s;
  for (char c : stream) d.feed(std::string_view(&c, 1), s);
  EXPECT_EQ(s.frames, (std::vector<std::string>{"<13>1 - - -\n", "<14>hello!!"}));
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(FrameDecoder, DetectsNewlineFramingAndDropsCarriageReturns) {
  syslog::frame_decoder d;
  recording_sink s;
  d.feed("\r\n<13>one\r\n<14>two\n\n<15>thr", s);
  EXPECT_EQ(d.mode(), syslog::framing::non_transparent);
  d.feed("ee\n", s);
  EXPECT_EQ(s.frames, (std::vector<std::string>{"<13>one", "<14>two", "<15>three"}));
}

TEST(FrameDecoder, DeliversAnUnterminatedLastLineAtTheEnd) {
  syslog::frame_decoder d;
  recording_sink s;
  d.feed("<13>last", s);
  EXPECT_TRUE(s.frames.empty());
  d.finish(s);
  EXPECT_EQ(s.frames, (std::vector<std::string>{"<13>last"}));
}

TEST(FrameDecoder, ReportsAFrameCutShortByTheEnd) {
  syslog::frame_decoder d;
  recording_sink s;
  d.feed("10 <13>", s);
  d.finish(s);
  EXPECT_TRUE(s.frames.empty());
  EXPECT_EQ(s.malformed, (std::vector<std::string>{"frame cut short"}));
}

TEST(FrameDecoder, SkipsOverlongOctetCountedFramesWithoutBufferingThem) {
  syslog::frame_decoder d(8);
  recording_sink s;
  d.feed("12 <13>", s);
  d.feed("abcdefgh3 <1>", s);
  EXPECT_EQ(d.buffered(), 0u);
  EXPECT_EQ(s.malformed, (std::vector<std::string>{"message too long"}));
  EXPECT_EQ(s.frames, (std::vector<std::string>{"<1>"}));
}

TEST(FrameDecoder, SkipsOverlongLinesAndKeepsTheNext) {
  syslog::frame_decoder d(8);
  recording_sink s;
  d.feed("<13>123456789", s);
  d.feed("0123\n<1>ok\n", s);
  EXPECT_EQ(s.malformed, (std::vector<std::string>{"message too long"}));
  EXPECT_EQ(s.frames, (std::vector<std::string>{"<1>ok"}));
}

TEST(FrameDecoder, CountsARunOfGarbageOnceAndResynchronises) {
  syslog::frame_decoder d;
  recording_sink s;
  d.feed("3 <1>x?? junk more 4 <2>y", s);
  EXPECT_EQ(s.frames, (std::vector<std::string>{"<1>", "<2>y"}));
  EXPECT_EQ(s.malformed, (std::vector<std::string>{"bad octet count"}));
}

TEST(FrameDecoder, RejectsEndlessLengthDigits) {
  syslog::frame_decoder d;
  recording_sink s;
  d.feed("123456789012345 <1>", s);
  EXPECT_TRUE(s.frames.empty());
  EXPECT_EQ(s.malformed.size(), 1u);
}

TEST(FrameDecoder, InFrameTellsWhenAFramesDeadlineRuns) {
  syslog::frame_decoder d;
  recording_sink s;
  EXPECT_FALSE(d.in_frame());
  d.feed("12 <13>1", s);  // an octet count promising more than has come
  EXPECT_TRUE(d.in_frame());
  d.feed(" - - -\n", s);
  EXPECT_FALSE(d.in_frame());
  syslog::frame_decoder lines;
  lines.feed("<13>a line without its end", s);
  EXPECT_TRUE(lines.in_frame());
  lines.feed("\n", s);
  EXPECT_FALSE(lines.in_frame());
}

TEST(FrameDecoder, AnAbandonedFrameIsMalformedAndNotDelivered) {
  syslog::frame_decoder d;
  recording_sink s;
  d.feed("<13>trickled, never ended", s);
  d.abandon("frame timed out", s);
  EXPECT_TRUE(s.frames.empty());
  EXPECT_EQ(s.malformed, (std::vector<std::string>{"frame timed out"}));
  EXPECT_EQ(d.buffered(), 0u);
  syslog::frame_decoder quiet;
  quiet.abandon("frame timed out", s);  // between frames: nothing to report
  EXPECT_EQ(s.malformed.size(), 1u);
}

TEST(FrameDecoder, EndlessLinesAndLyingCountsHoldAtMostTheMessageLimit) {
  syslog::frame_decoder d(1024);
  recording_sink s;
  const std::string chunk(4096, 'x');
  d.feed("<13>", s);
  for (int i = 0; i < 1000; ++i) {  // 4 MB without a newline
    d.feed(chunk, s);
    EXPECT_LE(d.buffered(), 1025u);
  }
  EXPECT_EQ(s.malformed, (std::vector<std::string>{"message too long"}));
  syslog::frame_decoder counted(1024);
  counted.feed("999999999 ", s);  // a count far above the limit: skipped, never buffered
  for (int i = 0; i < 100; ++i) counted.feed(chunk, s);
  EXPECT_EQ(counted.buffered(), 0u);
  EXPECT_TRUE(counted.in_frame());
}

}  // namespace
