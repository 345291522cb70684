#include "reply_buffer.hpp"

#include <gtest/gtest.h>

namespace {

TEST(ReplyBuffer, EncodesEveryReplyType) {
  kv::reply_buffer out;
  out.simple("OK");
  out.integer(-42);
  out.bulk("a");
  out.null_bulk();
  out.array(2);
  out.null_array();
  out.error("ERR x");
  EXPECT_EQ(out.view(), "+OK\r\n:-42\r\n$1\r\na\r\n$-1\r\n*2\r\n*-1\r\n-ERR x\r\n");
}

TEST(ReplyBuffer, ErrorNeverCarriesNewlines) {
  kv::reply_buffer out;
  out.error("ERR a\r\nb");
  EXPECT_EQ(out.view(), "-ERR a  b\r\n");
}

TEST(ReplyBuffer, ExtremeIntegersAreExact) {
  kv::reply_buffer out;
  out.integer(INT64_MIN);
  EXPECT_EQ(out.view(), ":-9223372036854775808\r\n");
}

TEST(ReplyBuffer, ConsumeDropsWrittenBytes) {
  kv::reply_buffer out;
  out.simple("PONG");
  out.consume(3);
  EXPECT_EQ(out.view(), "NG\r\n");
  out.consume(100);
  EXPECT_TRUE(out.empty());
}

}  // namespace
