#include "resp_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

std::vector<std::string> args_of(const kv::resp_parser& p) {
  return {p.arguments().begin(), p.arguments().end()};
}

TEST(RespParser, ParsesOneMultibulkRequest) {
  kv::resp_parser p;
  const std::string in = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\nextra";
  ASSERT_EQ(p.parse(in), kv::parse_status::complete);
  EXPECT_EQ(args_of(p), (std::vector<std::string>{"GET", "k"}));
  EXPECT_EQ(p.consumed(), in.size() - 5);
}

TEST(RespParser, ResumesARequestSplitAtEveryByte) {
  const std::string in = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n";
  kv::resp_parser p;
  for (std::size_t n = 0; n < in.size(); ++n) ASSERT_EQ(p.parse(std::string_view(in).substr(0, n)), kv::parse_status::incomplete) << n;
  ASSERT_EQ(p.parse(in), kv::parse_status::complete);
  EXPECT_EQ(args_of(p), (std::vector<std::string>{"SET", "key", "va\r\nl"}));
  EXPECT_EQ(p.consumed(), in.size());
}

TEST(RespParser, KeepsBinaryBytesInBulkArguments) {
  const std::string in = std::string("*1\r\n$3\r\n\0\xff\n\r\n", 14);
  kv::resp_parser p;
  ASSERT_EQ(p.parse(in), kv::parse_status::complete);
  EXPECT_EQ(args_of(p), (std::vector<std::string>{std::string("\0\xff\n", 3)}));
}

TEST(RespParser, TreatsEmptyMultibulkAsNoArguments) {
  kv::resp_parser p;
  ASSERT_EQ(p.parse("*0\r\n"), kv::parse_status::complete);
  EXPECT_TRUE(p.arguments().empty());
  EXPECT_EQ(p.consumed(), 4u);
  p.reset();
  ASSERT_EQ(p.parse("*-1\r\n"), kv::parse_status::complete);
  EXPECT_TRUE(p.arguments().empty());
}

TEST(RespParser, ParsesInlineRequestsWithQuotes) {
  kv::resp_parser p;
  ASSERT_EQ(p.parse("set \"a b\" 'it\\'s' \"\\x41\\n\"\r\n"), kv::parse_status::complete);
  EXPECT_EQ(args_of(p), (std::vector<std::string>{"set", "a b", "it's", "A\n"}));
}

TEST(RespParser, InlineRequestWithoutCarriageReturnIsAccepted) {
  kv::resp_parser p;
  ASSERT_EQ(p.parse("PING\n"), kv::parse_status::complete);
  EXPECT_EQ(args_of(p), (std::vector<std::string>{"PING"}));
  EXPECT_EQ(p.consumed(), 5u);
}

TEST(RespParser, EmptyInlineLineIsNoArguments) {
  kv::resp_parser p;
  ASSERT_EQ(p.parse("   \r\n"), kv::parse_status::complete);
  EXPECT_TRUE(p.arguments().empty());
}

TEST(RespParser, RejectsUnbalancedQuotes) {
  kv::resp_parser p;
  ASSERT_EQ(p.parse("set \"abc\r\n"), kv::parse_status::protocol_error);
  EXPECT_EQ(p.error(), "Protocol error: unbalanced quotes in request");
  kv::resp_parser q;
  ASSERT_EQ(q.parse("set \"abc\"x\r\n"), kv::parse_status::protocol_error);
}

TEST(RespParser, RejectsBadMultibulkLength) {
  kv::resp_parser p;
  ASSERT_EQ(p.parse("*x\r\n"), kv::parse_status::protocol_error);
  EXPECT_EQ(p.error(), "Protocol error: invalid multibulk length");
}

TEST(RespParser, RejectsTooManyArguments) {
  kv::request_limits limits;
  limits.max_arguments = 3;
  kv::resp_parser p(limits);
  ASSERT_EQ(p.parse("*4\r\n"), kv::parse_status::protocol_error);
  EXPECT_EQ(p.error(), "Protocol error: invalid multibulk length");
}

TEST(RespParser, RejectsMissingDollar) {
  kv::resp_parser p;
  ASSERT_EQ(p.parse("*1\r\n:3\r\n"), kv::parse_status::protocol_error);
  EXPECT_EQ(p.error(), "Protocol error: expected '$', got ':'");
}

TEST(RespParser, RejectsNegativeAndOversizedBulkLengths) {
  kv::request_limits limits;
  limits.max_bulk_length = 10;
  kv::resp_parser p(limits);
  ASSERT_EQ(p.parse("*1\r\n$-3\r\n"), kv::parse_status::protocol_error);
  EXPECT_EQ(p.error(), "Protocol error: invalid bulk length");
  kv::resp_parser q(limits);
  ASSERT_EQ(q.parse("*1\r\n$11\r\n"), kv::parse_status::protocol_error);
  EXPECT_EQ(q.error(), "Protocol error: invalid bulk length");
}

TEST(RespParser, RejectsARequestAboveTheTotalLimit) {
  kv::request_limits limits;
  limits.max_request_length = 20;
  kv::resp_parser p(limits);
  ASSERT_EQ(p.parse("*2\r\n$5\r\nhello\r\n$9\r\n"), kv::parse_status::protocol_error);
  EXPECT_EQ(p.error(), "Protocol error: request too big");
}

TEST(RespParser, RejectsAnEndlessHeaderLine) {
  kv::request_limits limits;
  limits.max_inline_length = 16;
  kv::resp_parser p(limits);
  ASSERT_EQ(p.parse("*1111111111111111111"), kv::parse_status::protocol_error);
  EXPECT_EQ(p.error(), "Protocol error: too big mbulk count string");
  kv::resp_parser q(limits);
  ASSERT_EQ(q.parse("GET aaaaaaaaaaaaaaaaaaaaa"), kv::parse_status::protocol_error);
  EXPECT_EQ(q.error(), "Protocol error: too big inline request");
}

TEST(RespParser, HugeDeclaredCountAllocatesNothingAhead) {
  kv::resp_parser p;
  ASSERT_EQ(p.parse("*1048576\r\n$1\r\na\r\n"), kv::parse_status::incomplete);
}

TEST(ParseInt64, AcceptsExactlyRedisIntegers) {
  std::int64_t v = 0;
  EXPECT_TRUE(kv::parse_int64("0", v));
  EXPECT_TRUE(kv::parse_int64("-9223372036854775808", v));
  EXPECT_EQ(v, INT64_MIN);
  EXPECT_TRUE(kv::parse_int64("9223372036854775807", v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_FALSE(kv::parse_int64("9223372036854775808", v));
  EXPECT_FALSE(kv::parse_int64("01", v));
  EXPECT_FALSE(kv::parse_int64("+1", v));
  EXPECT_FALSE(kv::parse_int64(" 1", v));
  EXPECT_FALSE(kv::parse_int64("-0", v));
  EXPECT_FALSE(kv::parse_int64("", v));
  EXPECT_FALSE(kv::parse_int64("1x", v));
}

TEST(RespParser, InlineRequestWithANulBeforeItsNewlineWaitsLikeRedis) {
  kv::request_limits limits;
  limits.max_inline_length = 100;
  kv::resp_parser p(limits);
  std::string in("PING\0junk\r\n", 11);
  EXPECT_EQ(p.parse(in), kv::parse_status::incomplete);  // Redis's strchr never sees the newline
  in += std::string(100, 'x');
  EXPECT_EQ(p.parse(in), kv::parse_status::protocol_error);
  EXPECT_EQ(p.error(), "Protocol error: too big inline request");
}

TEST(RespParser, HeaderWithANulBeforeItsCrWaitsLikeRedis) {
  kv::request_limits limits;
  limits.max_inline_length = 100;
  kv::resp_parser p(limits);
  const char raw[] = "*1\0\r\n$4\r\nPING\r\n";  // sizeof counts the NUL inside (and the last one)
  std::string in(raw, sizeof raw - 1);
  EXPECT_EQ(p.parse(in), kv::parse_status::incomplete);
  in += std::string(100, 'x');
  EXPECT_EQ(p.parse(in), kv::parse_status::protocol_error);
  EXPECT_EQ(p.error(), "Protocol error: too big mbulk count string");
}

}  // namespace
