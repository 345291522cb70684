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

TEST_F(Session, MgetOfALargeValueIsProducedInStepsAsOutputDrains) {
  kv::session s(engine_, stats_, {}, 4096);
  const std::string value(3000, 'v');
  feed(s, "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$3000\r\n" + value + "\r\n");
  s.output_sent(s.output().size());
  std::string request = "*101\r\n$4\r\nMGET\r\n";
  for (int i = 0; i < 100; ++i) request += "$3\r\nbig\r\n";
  feed(s, request + "PING\r\n");
  std::size_t largest = 0, total = 0;
  std::string tail;
  while (!s.output().empty()) {
    largest = std::max(largest, s.output().size());
    total += s.output().size();
    tail = std::string(s.output().view().substr(s.output().size() >= 7 ? s.output().size() - 7 : 0));
    s.output_sent(s.output().size());
    if (s.has_work()) s.process(now_);
  }
  EXPECT_LE(largest, 4096u + 3000u + 16u);  // the high-water mark plus one value
  EXPECT_EQ(total, 6u + 100u * (7u + 3000u + 2u) + 7u);
  EXPECT_EQ(tail, "+PONG\r\n");  // the pipelined request after it ran once the MGET was done
  EXPECT_FALSE(s.has_work());
}

TEST_F(Session, OutputPastTheHardLimitClosesWithoutSendingAndCounts) {
  engine_.config().normal = {10000, 0, 0};
  kv::session s(engine_, stats_);
  feed(s, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$20000\r\n" + std::string(20000, 'x') + "\r\nGET k\r\n");
  EXPECT_TRUE(s.over_output_limit());
  EXPECT_TRUE(s.closing());
  EXPECT_TRUE(s.output().empty());
  EXPECT_EQ(stats_.output_limit_disconnections, 1u);
}

TEST_F(Session, OutputHeldPastTheSoftLimitForLongerThanItsSecondsCloses) {
  engine_.config().normal = {0, 10000, 2};
  const std::string request = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$20000\r\n" + std::string(20000, 'x') + "\r\nGET k\r\n";
  kv::session held(engine_, stats_);
  feed(held, request);
  EXPECT_FALSE(held.over_output_limit());
  ASSERT_TRUE(held.soft_limit_deadline().has_value());
  EXPECT_EQ(*held.soft_limit_deadline(), now_ + 2001);
  EXPECT_FALSE(held.check_output_limits(now_ + 2000));  // held 2 s: not longer than 2 s yet
  EXPECT_TRUE(held.check_output_limits(now_ + 2001));
  EXPECT_TRUE(held.output().empty());
  EXPECT_EQ(stats_.output_limit_disconnections, 1u);

  kv::session drained(engine_, stats_);
  feed(drained, request);
  drained.output_sent(15000);  // below the soft limit: its clock restarts
  EXPECT_FALSE(drained.soft_limit_deadline().has_value());
  EXPECT_FALSE(drained.check_output_limits(now_ + 5000));
  EXPECT_EQ(stats_.output_limit_disconnections, 1u);
}

TEST_F(Session, BuffersAreCountedInClientMemoryAndReleased) {
  {
    kv::session s(engine_, stats_);
    feed(s, "PING\r\n");
    EXPECT_GE(stats_.client_buffer_bytes, kv::session::default_read_size);
  }
  EXPECT_EQ(stats_.client_buffer_bytes, 0u);
}

TEST_F(Session, TheClientGrowingPastMaxmemoryClientsIsClosedAndCounted) {
  engine_.config().maxmemory_clients = 1u << 20;
  stats_.client_buffer_bytes = 900u << 10;  // what other clients hold
  kv::session s(engine_, stats_);
  feed(s, "PING\r\n");  // within the grace every client has
  EXPECT_EQ(s.output().view(), "+PONG\r\n");
  s.output_sent(s.output().size());
  const std::string header = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$400000\r\n";
  auto room = s.input_space();
  std::memcpy(room.data(), header.data(), header.size());
  s.input_committed(header.size());
  s.process(now_);
  std::size_t sent = 0;
  while (!s.over_output_limit() && sent < 400000) {
    room = s.input_space();
    if (room.empty()) break;
    const std::size_t n = std::min(room.size(), std::size_t{16384});
    std::memset(room.data(), 'x', n);
    s.input_committed(n);
    sent += n;
    s.process(now_);
  }
  EXPECT_TRUE(s.over_output_limit());
  EXPECT_TRUE(s.evicted_for_client_memory());
  EXPECT_EQ(stats_.evicted_clients, 1u);
  EXPECT_LT(sent, 400000u);
  EXPECT_LE(stats_.client_buffer_bytes, (900u << 10) + 64);  // its buffers are gone (an empty string may keep a few bytes)
  stats_.client_buffer_bytes = 0;
}

}  // namespace
