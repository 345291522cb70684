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

}  // namespace
