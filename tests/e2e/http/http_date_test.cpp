#include "http_date.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

std::string formatted(std::int64_t seconds) {
  std::array<char, 29> out;
  http::format_http_date(seconds, out);
  return std::string(out.data(), out.size());
}

TEST(HttpDate, FormatsTheEpoch) { EXPECT_EQ(formatted(0), "Thu, 01 Jan 1970 00:00:00 GMT"); }

TEST(HttpDate, FormatsRfc9110sExample) { EXPECT_EQ(formatted(784111777), "Sun, 06 Nov 1994 08:49:37 GMT"); }

TEST(HttpDate, FormatsALeapDayAndTheLastSecondOfAYear) {
  EXPECT_EQ(formatted(951782400), "Tue, 29 Feb 2000 00:00:00 GMT");
  EXPECT_EQ(formatted(1704067199), "Sun, 31 Dec 2023 23:59:59 GMT");
  EXPECT_EQ(formatted(4107542400), "Mon, 01 Mar 2100 00:00:00 GMT");  // 2100 is not a leap year
}

TEST(HttpDate, ClampsTimesBeforeTheEpoch) { EXPECT_EQ(formatted(-5), "Thu, 01 Jan 1970 00:00:00 GMT"); }

TEST(HttpDate, UpdateReformatsWhenTheSecondChanges) {
  http::http_date date;
  EXPECT_EQ(date.value(), "Thu, 01 Jan 1970 00:00:00 GMT");
  date.update(784111777);
  EXPECT_EQ(date.value(), "Sun, 06 Nov 1994 08:49:37 GMT");
  date.update(784111778);
  EXPECT_EQ(date.value(), "Sun, 06 Nov 1994 08:49:38 GMT");
}

}  // namespace
