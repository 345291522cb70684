#include "http_connection.hpp"

#include <gtest/gtest.h>

#include <string>

#include "connection_fixture.hpp"
#include "response_reader.hpp"

namespace {

using http::connection_phase;
using http::error_kind;
using http_test::connection;
using http_test::fixture;

constexpr std::string_view get_root = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

TEST(HttpConnection, AnswersGetRootWithHelloWorldDateAndLength) {
  connection t;
  EXPECT_EQ(t.feed_all(get_root),
            "HTTP/1.1 200 OK\r\nServer: wasio\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Type: text/plain\r\n"
            "Content-Length: 13\r\n\r\nHello, World!");
  EXPECT_EQ(t.c.phase(), connection_phase::idle);
  EXPECT_EQ(t.stats.requests, 1u);
}

TEST(HttpConnection, AnswersHeadWithGetsHeadersAndNoBody) {
  connection t;
  EXPECT_EQ(t.feed_all("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nServer: wasio\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Type: text/plain\r\n"
            "Content-Length: 13\r\n\r\n");
  EXPECT_EQ(t.c.phase(), connection_phase::idle);
}

TEST(HttpConnection, EchoesAContentLengthBodyArrivingOneByteAtATime) {
  connection t;
  const auto out = http_test::read_responses(
      t.feed_bytewise("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world"));
  ASSERT_TRUE(out.ok);
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].status, 200);
  EXPECT_EQ(out.responses[0].body, "hello world");
  EXPECT_EQ(out.responses[0].header("content-length"), "11");
  EXPECT_EQ(t.c.phase(), connection_phase::idle);
}

TEST(HttpConnection, EchoesAChunkedBodyWithTrailers) {
  connection t;
  const auto out = http_test::read_responses(t.feed_all(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: yes\r\n\r\n"));
  ASSERT_TRUE(out.ok);
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].body, "hello world");
  EXPECT_EQ(out.responses[0].header("content-length"), "11");
  EXPECT_FALSE(out.responses[0].has("transfer-encoding"));
}

TEST(HttpConnection, EchoesAnEmptyBody) {
  connection t;
  const auto out = http_test::read_responses(t.feed_all("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].status, 200);
  EXPECT_EQ(out.responses[0].body, "");
  EXPECT_EQ(out.responses[0].header("content-length"), "0");
}

TEST(HttpConnection, AnswersAHundredPipelinedRequestsInOrderFromOneFeed) {
  connection t;
  std::string burst;
  for (int i = 0; i < 100; ++i) {
    const std::string body = "request " + std::to_string(i);
    burst += "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  EXPECT_EQ(t.c.feed(burst), burst.size());
  const auto out = http_test::read_responses(t.c.output());
  ASSERT_TRUE(out.ok);
  ASSERT_EQ(out.responses.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(out.responses[i].body, "request " + std::to_string(i));
  EXPECT_EQ(out.leftover, 0u);
  EXPECT_EQ(t.stats.requests, 100u);
}

TEST(HttpConnection, PipelinedHeadAndGetAreFramedApart) {
  connection t;
  const std::string written = t.feed_all("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto out = http_test::read_responses(written, {true, false, false});
  ASSERT_TRUE(out.ok);
  ASSERT_EQ(out.responses.size(), 3u);
  EXPECT_EQ(out.responses[0].status, 200);
  EXPECT_EQ(out.responses[0].body, "");
  EXPECT_EQ(out.responses[1].status, 404);
  EXPECT_EQ(out.responses[2].body, "Hello, World!");
  EXPECT_EQ(t.stats.count_of(error_kind::not_found), 1u);
}

TEST(HttpConnection, EveryResponseCarriesDateAndContentLength) {
  connection t;
  t.config.max_body_bytes = 4;
  const std::string written = t.feed_all(
      "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /stats HTTP/1.1\r\nHost: x\r\n\r\nPUT / HTTP/1.1\r\nHost: x\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n");
  const auto out = http_test::read_responses(written);
  ASSERT_TRUE(out.ok);
  ASSERT_EQ(out.responses.size(), 5u);
  for (const auto& r : out.responses) {
    EXPECT_EQ(r.header("date"), "Sun, 06 Nov 1994 08:49:37 GMT") << r.status;
    EXPECT_EQ(r.header("content-length"), std::to_string(r.body.size())) << r.status;
  }
  EXPECT_EQ(out.responses[2].status, 405);
  EXPECT_EQ(out.responses[2].header("allow"), "GET, HEAD");
  EXPECT_EQ(out.responses[4].status, 413);
}

TEST(HttpConnection, Http10ClosesUnlessItAsksForKeepAlive) {
  connection plain;
  const auto closed = http_test::read_responses(plain.feed_all("GET / HTTP/1.0\r\n\r\n"));
  ASSERT_EQ(closed.responses.size(), 1u);
  EXPECT_EQ(closed.responses[0].header("connection"), "close");
  EXPECT_EQ(plain.c.phase(), connection_phase::closing);

  connection kept;
  const auto alive = http_test::read_responses(kept.feed_all("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  ASSERT_EQ(alive.responses.size(), 1u);
  EXPECT_EQ(alive.responses[0].header("connection"), "keep-alive");
  EXPECT_EQ(kept.c.phase(), connection_phase::idle);
}

TEST(HttpConnection, ConnectionCloseEndsThePipelineAfterItsResponse) {
  connection t;
  const std::string written = t.feed_all("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto out = http_test::read_responses(written);
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].header("connection"), "close");
  EXPECT_EQ(t.c.phase(), connection_phase::closing);
  EXPECT_EQ(t.c.feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 27u);  // consumed and ignored
  EXPECT_TRUE(t.c.output().empty());
  EXPECT_EQ(t.stats.requests, 1u);
}

TEST(HttpConnection, MalformedRequestGets400AndCloses) {
  connection t;
  const auto out = http_test::read_responses(t.feed_all("GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"));
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].status, 400);
  EXPECT_EQ(out.responses[0].header("connection"), "close");
  EXPECT_EQ(t.c.phase(), connection_phase::closing);
  EXPECT_EQ(t.stats.count_of(error_kind::bad_request), 1u);
}

TEST(HttpConnection, ResponsesBeforeAMalformedRequestStayInOrder) {
  connection t;
  const auto out = http_test::read_responses(t.feed_all("GET / HTTP/1.1\r\nHost: x\r\n\r\nNOT HTTP AT ALL\r\n\r\n"));
  ASSERT_EQ(out.responses.size(), 2u);
  EXPECT_EQ(out.responses[0].status, 200);
  EXPECT_EQ(out.responses[1].status, 400);
}

TEST(HttpConnection, ContentLengthWithChunkedIsRejectedAs400) {
  connection t;
  const auto out = http_test::read_responses(
      t.feed_all("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].status, 400);
}

std::string request_with_head_of(std::size_t head_size) {
  std::string head = "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ";
  const std::size_t fixed = head.size() + 4;  // the value's CRLF and the blank line
  head.append(head_size - fixed, 'a');
  head += "\r\n\r\n";
  return head;
}

TEST(HttpConnection, HeadOfExactlyTheLimitIsServed) {
  connection t;
  const std::string request = request_with_head_of(8192);
  ASSERT_EQ(request.size(), 8192u);
  const auto out = http_test::read_responses(t.feed_all(request));
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].status, 200);
}

TEST(HttpConnection, HeadOverTheLimitGets431AndCloses) {
  connection t;
  const auto out = http_test::read_responses(t.feed_all(request_with_head_of(8193)));
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].status, 431);
  EXPECT_EQ(out.responses[0].header("connection"), "close");
  EXPECT_EQ(t.stats.count_of(error_kind::head_too_large), 1u);
}

TEST(HttpConnection, EndlessHeadTrickleGets431OnceItPassesTheLimit) {
  connection t;
  t.feed_all("GET / HTTP/1.1\r\nHost: x\r\n");
  std::size_t sent = 25;
  while (t.c.phase() == connection_phase::head && sent < 100000) {
    t.feed_all("X-A: b\r\n");
    sent += 8;
  }
  EXPECT_EQ(t.c.phase(), connection_phase::closing);
  EXPECT_GT(sent, 8192u);
  EXPECT_LE(sent, 8192u + 8);
  EXPECT_EQ(http_test::read_responses(t.written_).responses.at(0).status, 431);
}

TEST(HttpConnection, OversizedTargetGets431) {
  connection t;
  const std::string request = "GET /" + std::string(9000, 'u') + " HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(http_test::read_responses(t.feed_all(request)).responses.at(0).status, 431);
}

TEST(HttpConnection, DeclaredBodyOverTheLimitGets413BeforeItArrives) {
  connection t;
  t.config.max_body_bytes = 100;
  const auto out = http_test::read_responses(
      t.feed_all("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\nExpect: 100-continue\r\n\r\n"));
  ASSERT_EQ(out.responses.size(), 1u);  // no 100 Continue first
  EXPECT_EQ(out.responses[0].status, 413);
  EXPECT_EQ(out.responses[0].header("connection"), "close");
  EXPECT_EQ(t.c.phase(), connection_phase::closing);
  EXPECT_EQ(t.stats.count_of(error_kind::body_too_large), 1u);
}

TEST(HttpConnection, ChunkedBodyOverTheLimitGets413WhileArriving) {
  connection t;
  t.config.max_body_bytes = 8;
  t.feed_all("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
  EXPECT_EQ(t.c.phase(), connection_phase::body);
  const auto out = http_test::read_responses(t.feed_all("5\r\nworld\r\n0\r\n\r\n"));
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].status, 413);
}

TEST(HttpConnection, BodyOfExactlyTheLimitIsEchoed) {
  connection t;
  t.config.max_body_bytes = 5;
  const auto out = http_test::read_responses(t.feed_all("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"));
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].body, "hello");
}

TEST(HttpConnection, ExpectContinueGetsAnInterim100) {
  connection t;
  t.feed_all("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(t.written_, "HTTP/1.1 100 Continue\r\n\r\n");
  const auto out = http_test::read_responses(t.feed_all("hi"));
  ASSERT_EQ(out.responses.size(), 2u);
  EXPECT_EQ(out.responses[0].status, 100);
  EXPECT_EQ(out.responses[1].body, "hi");
}

TEST(HttpConnection, StopsBetweenRequestsWhenOutputPilesUpAndResumesAfterItIsWritten) {
  connection t;
  const std::string body(40000, 'b');
  const std::string one = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 40000\r\n\r\n" + body;
  const std::string three = one + one + one;
  const std::size_t first = t.c.feed(three);
  EXPECT_EQ(first, 2 * one.size());  // the second response pushed output past the high-water mark
  EXPECT_EQ(http_test::read_responses(t.c.output()).responses.size(), 2u);
  t.c.output().clear();
  EXPECT_EQ(t.c.feed(std::string_view(three).substr(first)), one.size());
  EXPECT_EQ(http_test::read_responses(t.c.output()).responses.at(0).body, body);
}

TEST(HttpConnection, TimeoutDuringAHeadGets408AndCloses) {
  connection t;
  t.feed_all("GET / HTTP/1.1\r\nHost:");
  EXPECT_EQ(t.c.phase(), connection_phase::head);
  t.c.on_timeout();
  const auto out = http_test::read_responses(t.c.output());
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].status, 408);
  EXPECT_EQ(out.responses[0].header("connection"), "close");
  EXPECT_EQ(t.c.phase(), connection_phase::closing);
  EXPECT_EQ(t.stats.count_of(error_kind::request_timeout), 1u);
}

TEST(HttpConnection, TimeoutWhileIdleClosesSilently) {
  connection t;
  t.feed_all(get_root);
  t.written_.clear();
  t.c.on_timeout();
  EXPECT_TRUE(t.c.output().empty());
  EXPECT_EQ(t.c.phase(), connection_phase::closing);
  EXPECT_EQ(t.stats.idle_closed, 1u);
  EXPECT_EQ(t.stats.count_of(error_kind::request_timeout), 0u);
}

TEST(HttpConnection, PhaseChangesTellWhenANewDeadlineApplies) {
  connection t;
  EXPECT_EQ(t.c.phase_changes(), 0u);
  t.feed_all("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::uint64_t after_one = t.c.phase_changes();  // head, body, idle
  EXPECT_EQ(after_one, 3u);
  t.feed_all("GET");
  EXPECT_EQ(t.c.phase_changes(), after_one + 1);
  EXPECT_EQ(t.c.phase(), connection_phase::head);
  t.feed_all(" / HTTP/1.1\r\nHo");  // more of the same head: the head's deadline stays
  EXPECT_EQ(t.c.phase_changes(), after_one + 1);
}

TEST(HttpConnection, PeerClosingMidRequestDropsItWithoutAnswer) {
  connection t;
  t.feed_all("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HT");
  t.c.on_peer_closed();
  EXPECT_EQ(t.c.phase(), connection_phase::closing);
  EXPECT_EQ(http_test::read_responses(t.written_).responses.size(), 1u);
}

TEST(HttpConnection, UpgradeRequestsAreAnsweredAsPlainHttp) {
  connection t;
  const auto out = http_test::read_responses(
      t.feed_all("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nGET /stats HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(out.responses.size(), 2u);
  EXPECT_EQ(out.responses[0].body, "Hello, World!");
  EXPECT_EQ(out.responses[1].status, 200);
  EXPECT_EQ(t.c.phase(), connection_phase::idle);
}

TEST(HttpConnection, ConnectIsRefusedAndClosed) {
  connection t;
  const auto out = http_test::read_responses(t.feed_all("CONNECT example.org:443 HTTP/1.1\r\nHost: x\r\n\r\nbinary"));
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].status, 404);
  EXPECT_EQ(t.c.phase(), connection_phase::closing);
}

TEST(HttpConnection, StatsCountWhatTheConnectionsSaw) {
  fixture shared;
  http::http_connection a(shared.context);
  http::http_connection b(shared.context);
  (void)a.feed("GET / HTTP/1.1\r\nHost: x\r\n\r\nDELETE /echo HTTP/1.1\r\nHost: x\r\n\r\n");
  (void)b.feed("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n\x01\r\n");
  EXPECT_EQ(shared.stats.requests, 3u);
  EXPECT_EQ(shared.stats.count_of(error_kind::method_not_allowed), 1u);
  EXPECT_EQ(shared.stats.count_of(error_kind::not_found), 1u);
  EXPECT_EQ(shared.stats.count_of(error_kind::bad_request), 1u);
}

}  // namespace
