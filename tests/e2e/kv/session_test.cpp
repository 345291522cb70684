#include "session.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace {

class Session : public ::testing::Test {
 protected:
  void feed(kv::session& s, std::string_view bytes) {
    while (!bytes.empty()) {
      auto room = s.input_space();
      const std::size_t n = std::min(room.size(), bytes.size());
      std::memcpy(room.data(), bytes.data(), n);
      s.input_committed(n);
      bytes.remove_prefix(n);
    }
    s.process(now_);
  }

  std::int64_t now_ = 1'000'000;
  kv::kv_store store_;
  kv::server_stats stats_;
  kv::command_engine engine_{store_, stats_};
};

TEST_F(Session, AnswersPipelinedRequestsInOrder) {
  kv::session s(engine_, stats_);
  feed(s, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\nGET k\r\n*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(s.output().view(), "+OK\r\n$1\r\nv\r\n+PONG\r\n");
  EXPECT_EQ(s.buffered_input(), 0u);
}

TEST_F(Session, RequestsSplitAcrossReadsAreAnsweredOnce) {
  kv::session s(engine_, stats_);
  const std::string request = "*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n";
  for (char c : request) feed(s, std::string_view(&c, 1));
  EXPECT_EQ(s.output().view(), "$5\r\nhello\r\n");
}

TEST_F(Session, LargeValueSurvivesBufferGrowth) {
  kv::session s(engine_, stats_);
  const std::string value(300000, 'z');
  feed(s, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$300000\r\n" + value + "\r\nGET k\r\n");
  EXPECT_EQ(s.output().view(), "+OK\r\n$300000\r\n" + value + "\r\n");
}

TEST_F(Session, ProtocolErrorRepliesThenCloses) {
  kv::session s(engine_, stats_);
  feed(s, "PING\r\n*1\r\n:x\r\nPING\r\n");
  EXPECT_EQ(s.output().view(), "+PONG\r\n-ERR Protocol error: expected '$', got ':'\r\n");
  EXPECT_TRUE(s.closing());
  EXPECT_FALSE(s.wants_input());
  EXPECT_EQ(stats_.rejected_requests, 1u);
}

TEST_F(Session, QuitStopsAnsweringLaterRequests) {
  kv::session s(engine_, stats_);
  feed(s, "QUIT\r\nPING\r\n");
  EXPECT_EQ(s.output().view(), "+OK\r\n");
  EXPECT_TRUE(s.closing());
}

TEST_F(Session, OutputHighWaterPausesProcessingUntilDrained) {
  kv::session s(engine_, stats_, {}, 16);
  feed(s, "PING\r\nPING\r\nPING\r\nPING\r\nPING\r\n");
  EXPECT_EQ(s.output().view(), "+PONG\r\n+PONG\r\n+PONG\r\n");  // 21 bytes: past 16, stop
  EXPECT_FALSE(s.wants_input());
  s.output().clear();
  s.process(now_);
  EXPECT_EQ(s.output().view(), "+PONG\r\n+PONG\r\n");
  EXPECT_TRUE(s.wants_input());
}

TEST_F(Session, OversizedBulkIsRejectedWithoutBufferingIt) {
  kv::request_limits limits;
  limits.max_bulk_length = 1000;
  kv::session s(engine_, stats_, limits);
  feed(s, "*2\r\n$3\r\nGET\r\n$5000\r\n");
  EXPECT_EQ(s.output().view(), "-ERR Protocol error: invalid bulk length\r\n");
  EXPECT_TRUE(s.closing());
}

}  // namespace
