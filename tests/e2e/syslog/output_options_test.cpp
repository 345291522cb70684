#include "output_options.hpp"

#include <gtest/gtest.h>

namespace {

TEST(OutputOptions, ReadsEveryFlagAndRefusesBadValues) {
  syslog::output_request out;
  std::string error;
  const std::pair<const char*, const char*> good[] = {
      {"--output", "/logs/x.jsonl"}, {"--flush-ms", "250"}, {"--flush-bytes", "4096"}, {"--fsync", "always"},
      {"--fsync-ms", "2000"}, {"--rotate-bytes", "300000"}, {"--rotate-keep", "0"}, {"--buffer-bytes", "1048576"}};
  for (auto [flag, value] : good) {
    EXPECT_TRUE(syslog::take_output_option(flag, value, out, error)) << flag;
    EXPECT_EQ(error, "") << flag;
  }
  EXPECT_TRUE(out.wanted);
  EXPECT_TRUE(out.tuned);
  EXPECT_EQ(out.options.path, "/logs/x.jsonl");
  EXPECT_EQ(out.options.flush_interval, std::chrono::milliseconds(250));
  EXPECT_EQ(out.options.flush_bytes, 4096u);
  EXPECT_EQ(out.options.fsync, syslog::fsync_policy::always);
  EXPECT_EQ(out.options.fsync_interval, std::chrono::milliseconds(2000));
  EXPECT_EQ(out.options.rotate_bytes, 300000u);
  EXPECT_EQ(out.options.rotate_keep, 0u);
  EXPECT_EQ(out.options.buffer_bytes, 1048576u);
  const std::pair<const char*, const char*> bad[] = {{"--output", ""},       {"--flush-ms", "0"},
                                                     {"--flush-bytes", "x"}, {"--fsync", "sometimes"},
                                                     {"--rotate-keep", "1001"}, {"--buffer-bytes", "100"}};
  for (auto [flag, value] : bad) {
    EXPECT_TRUE(syslog::take_output_option(flag, value, out, error)) << flag;
    EXPECT_NE(error, "") << flag << " " << value;
  }
  EXPECT_FALSE(syslog::take_output_option("--max-messages", "5", out, error));
}

}  // namespace
