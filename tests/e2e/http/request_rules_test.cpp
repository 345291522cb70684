// The request validation layer (request_validator.hpp) and the bounds on the parts of a request
// the head limit does not cover, driven through http_connection as a server drives it. Each rule's
// test names the llhttp 8.1 behaviour it closes.
#include <gtest/gtest.h>

#include <string>

#include "connection_fixture.hpp"
#include "response_reader.hpp"

namespace {

using http::connection_phase;
using http::error_kind;
using http_test::connection;

// The status of the first response to `request` (fed whole, then byte by byte on a fresh
// connection: both must agree), and whether the connection then closes.
struct answer {
  int status = 0;
  bool closes = false;
  std::string body;
};

answer answer_to(std::string_view request) {
  answer whole;
  for (int bytewise = 0; bytewise < 2; ++bytewise) {
    connection t;
    const std::string written = bytewise ? t.feed_bytewise(request) : t.feed_all(request);
    const auto out = http_test::read_responses(written);
    answer a;
    if (!out.responses.empty()) {
      a.status = out.responses[0].status;
      a.body = out.responses[0].body;
    }
    a.closes = t.c.phase() == connection_phase::closing;
    if (bytewise == 0) whole = a;
    else EXPECT_EQ(a.status, whole.status) << "fed byte by byte: " << request;
  }
  return whole;
}

void expect_rejected(std::string_view request, int status = 400) {
  const answer a = answer_to(request);
  EXPECT_EQ(a.status, status) << request;
  EXPECT_TRUE(a.closes) << request;
}

void expect_served(std::string_view request, std::string_view body = "") {
  const answer a = answer_to(request);
  EXPECT_EQ(a.status, 200) << request;
  if (!body.empty()) {
    EXPECT_EQ(a.body, body) << request;
  }
}

// --- rules --------------------------------------------------------------------------------------

TEST(RequestRules, ChunkDataNotEndedByCrlfIs400AndCloses) {
  // llhttp 8.1's default build skips the two bytes after chunk data unchecked and answered this
  // 200 "helloworld"; built in strict mode it checks them (request smuggling).
  const answer a = answer_to(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX5\r\nworld\r\n0\r\n\r\n");
  EXPECT_EQ(a.status, 400);
  EXPECT_TRUE(a.closes);
  EXPECT_EQ(a.body.find("hello"), std::string::npos);
}

TEST(RequestRules, Http11WithoutHostIs400AndHttp10WithoutHostIsServed) {
  // llhttp 8.1 accepts an HTTP/1.1 request without Host; RFC 9112 3.2 says 400.
  expect_rejected("GET / HTTP/1.1\r\n\r\n");
  expect_served("GET / HTTP/1.0\r\n\r\n", "Hello, World!");
}

TEST(RequestRules, TwoHostFieldsAre400) {
  // llhttp 8.1 accepts repeated Host fields; RFC 9112 3.2 says 400, in any version.
  expect_rejected("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  expect_rejected("GET / HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n");
}

TEST(RequestRules, HostMustBeUriHostAndPort) {
  // llhttp 8.1 takes any Host value.
  expect_rejected("GET / HTTP/1.1\r\nHost: a b\r\n\r\n");
  expect_rejected("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n");
  expect_rejected("GET / HTTP/1.1\r\nHost: user@a\r\n\r\n");
  expect_rejected("GET / HTTP/1.1\r\nHost: " + std::string(300, 'a') + "\r\n\r\n");
  expect_served("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n");
  expect_served("GET / HTTP/1.1\r\nHost: example.org:80 \r\n\r\n");
  expect_served("GET / HTTP/1.1\r\nHost:\r\n\r\n");  // empty: allowed for a target without authority
}

TEST(RequestRules, OnlyHttp10AndHttp11AreServed) {
  // llhttp 8.1 accepts HTTP/2.0, HTTP/0.9 and RTSP/1.0 request lines, and `GET /` without a version.
  expect_rejected("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505);
  expect_rejected("GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505);  // llhttp rejects it itself; 505 is the answer
  expect_rejected("GET / HTTP/0.9\r\nHost: x\r\n\r\n");
  expect_rejected("GET / RTSP/1.0\r\nHost: x\r\n\r\n");
  expect_rejected("GET /\r\n\r\n");
  expect_rejected("GET / HTTP/1.2\r\nHost: x\r\n\r\n");
  expect_rejected("GET / http/1.1\r\nHost: x\r\n\r\n");
  connection t;
  t.feed_all("GET / HTTP/2.0\r\nHost: x\r\n\r\n");
  EXPECT_EQ(t.stats.count_of(error_kind::version_not_supported), 1u);
}

TEST(RequestRules, FieldNamesAreNonEmptyTokens) {
  // llhttp 8.1's default build accepts a space in a name (strict mode rejects it); both accept an
  // empty name.
  expect_rejected("GET / HTTP/1.1\r\nHost: x\r\nFoo Bar: x\r\n\r\n");
  expect_rejected("GET / HTTP/1.1\r\nHost: x\r\nFoo : x\r\n\r\n");
  expect_rejected("GET / HTTP/1.1\r\nHost: x\r\n: x\r\n\r\n");
  expect_served("GET / HTTP/1.1\r\nHost: x\r\nX-Odd!#$%&'*+.^_`|~: x\r\n\r\n");
}

TEST(RequestRules, ObsFoldIsRejectedInEveryFieldAndInTrailers) {
  // llhttp 8.1 (strict too) joins a line starting with SP or HTAB to the value before it.
  expect_rejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n 5\r\n\r\nhello");
  expect_rejected("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip,\r\n chunked\r\n\r\n0\r\n\r\n");
  expect_rejected("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\t2\r\n\r\n");
  expect_rejected("GET / HTTP/1.1\r\nHost: x\r\n\tX-B: 1\r\n\r\n");
  expect_rejected("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: a\r\n b\r\n\r\n");
}

TEST(RequestRules, TransferEncodingInHttp10Is400) {
  // llhttp 8.1 decodes chunks in an HTTP/1.0 request; RFC 9112 6.1 calls that faulty framing.
  expect_rejected("POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
}

TEST(RequestRules, ValidChunkExtensionsAreAcceptedAndIgnored) {
  const std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  expect_served(head + "5;a=b\r\nhello\r\n0\r\n\r\n", "hello");
  expect_served(head + "5;a=\"b c\"\r\nhello\r\n0\r\n\r\n", "hello");
  expect_served(head + "5;a\r\nhello\r\n0;last=1\r\n\r\n", "hello");
  expect_served(head + "5;a;b\r\nhello\r\n0\r\n\r\n", "hello");
  // What llhttp 8.1 itself rejects (documented in request_validator.hpp): a quoted-pair, and any
  // extension after one that has a value.
  expect_rejected(head + "5;a=\"b\\\"c\"\r\nhello\r\n0\r\n\r\n");
  expect_rejected(head + "5;a=b;c=d\r\nhello\r\n0\r\n\r\n");
}

TEST(RequestRules, TrailersWithinTheLimitAreAccepted) {
  expect_served("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n",
                "hello");
}

// --- bounds -------------------------------------------------------------------------------------

TEST(RequestBounds, EmptyLinesBeforeARequestLineAreSkippedUpToTheLimit) {
  // llhttp 8.1 skips any number of CR/LF before a request line, outside the head limit.
  std::string crlfs;
  while (crlfs.size() + 2 <= http::http_connection::max_leading_bytes) crlfs += "\r\n";
  expect_served(crlfs + "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  expect_rejected(crlfs + "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
}

TEST(RequestBounds, AnEndlessStreamOfEmptyLinesIsCutAtTheLimit) {
  connection t;
  std::size_t sent = 0;
  while (t.c.phase() != connection_phase::closing && sent < 1'000'000) {
    t.feed_all("\r\n\r\n\r\n\r\n");
    sent += 8;
  }
  EXPECT_LE(sent, http::http_connection::max_leading_bytes + 8);
  EXPECT_EQ(http_test::read_responses(t.written_).responses.at(0).status, 400);
}

TEST(RequestBounds, EmptyLinesStartTheRequestsDeadline) {
  // The head deadline runs from the first byte, even a CR: trickled empty lines cannot hold a
  // connection in the idle phase, whose deadline a real request would restart.
  connection t;
  const auto before = t.c.phase_changes();
  t.feed_all("\r\n");
  EXPECT_EQ(t.c.phase(), connection_phase::head);
  EXPECT_EQ(t.c.phase_changes(), before + 1);
  t.feed_all("\r\nGET / HTTP/1.1\r\n");
  EXPECT_EQ(t.c.phase_changes(), before + 1);  // the same request: the same deadline
}

void expect_cut_within(const std::string& head, const std::string& filler, std::size_t most, int status) {
  connection t;
  t.feed_all(head);
  std::size_t sent = 0;
  while (t.c.phase() != connection_phase::closing && sent < 10'000'000) {
    t.feed_all(filler);
    sent += filler.size();
  }
  EXPECT_EQ(t.c.phase(), connection_phase::closing);
  EXPECT_LE(sent, most + filler.size()) << "accepted " << sent << " bytes";
  const auto out = http_test::read_responses(t.written_);
  ASSERT_FALSE(out.responses.empty());
  EXPECT_EQ(out.responses.back().status, status);
}

const std::string chunked_head = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

TEST(RequestBounds, EndlessLeadingZerosInAChunkSizeAre400) {
  // llhttp 8.1 accepts any number of leading zeros (it only checks the value for overflow).
  expect_cut_within(chunked_head, std::string(1000, '0'), http::http_connection::max_chunk_line_bytes, 400);
}

TEST(RequestBounds, AnEndlessChunkExtensionIs400) {
  expect_cut_within(chunked_head + "5;a=", std::string(1000, 'b'), http::http_connection::max_chunk_line_bytes, 400);
}

TEST(RequestBounds, EndlessTrailersAre431) {
  connection limits;
  expect_cut_within(chunked_head + "5\r\nhello\r\n0\r\n", "X-Trailer: 0123456789\r\n",
                    http::http_connection::max_chunk_line_bytes + limits.config.max_head_bytes, 431);
}

TEST(RequestBounds, ManyChunksEachWithinTheLineLimitAreFine) {
  std::string request = chunked_head;
  std::string body;
  for (int i = 0; i < 2000; ++i) {
    request += "1;ext=" + std::string(100, 'e') + "\r\nz\r\n";
    body += 'z';
  }
  request += "0\r\n\r\n";
  connection t;
  const auto out = http_test::read_responses(t.feed_all(request));
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].body, body);
}

// --- streaming /echo ------------------------------------------------------------------------------

http::server_config big_bodies() {
  http::server_config config;
  config.max_body_bytes = 8u << 20;
  return config;
}

// Feeds `request` in reads of `read` bytes, writing (clearing) output after every feed as the
// server does; returns everything written and the most output ever held at once.
std::pair<std::string, std::size_t> serve_in_reads(connection& t, std::string_view request, std::size_t read) {
  std::string written;
  std::size_t most = 0;
  std::size_t at = 0;
  while (at < request.size() && t.c.phase() != connection_phase::closing) {
    std::string_view piece = request.substr(at, read);
    while (!piece.empty() && t.c.phase() != connection_phase::closing) {
      piece.remove_prefix(t.c.feed(piece));
      most = std::max(most, t.c.output().size());
      written += t.c.output();
      t.c.output().clear();
    }
    at += read;
  }
  most = std::max(most, t.c.output().size());
  written += t.c.output();
  t.c.output().clear();
  return {written, most};
}

TEST(EchoStreaming, ALargeContentLengthBodyStreamsWithBoundedOutput) {
  connection t(big_bodies());
  std::string body(4u << 20, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 23);
  const std::string request =
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  const auto [written, most] = serve_in_reads(t, request, http::read_buffer_bytes);
  EXPECT_LE(most, http::output_high_water + http::read_buffer_bytes + 512);
  const auto out = http_test::read_responses(written);
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].status, 200);
  EXPECT_EQ(out.responses[0].header("content-length"), std::to_string(body.size()));
  EXPECT_TRUE(out.responses[0].body == body);
  EXPECT_EQ(t.c.phase(), connection_phase::idle);
}

TEST(EchoStreaming, ALargeChunkedBodyStreamsAsChunks) {
  connection t(big_bodies());
  std::string request = chunked_head;
  std::string body;
  for (int i = 0; i < 300; ++i) {
    const std::string piece(1000 + i, static_cast<char>('A' + i % 26));
    char size[16];
    std::snprintf(size, sizeof size, "%zx", piece.size());
    request += std::string(size) + "\r\n" + piece + "\r\n";
    body += piece;
  }
  request += "0\r\n\r\n";
  const auto [written, most] = serve_in_reads(t, request, http::read_buffer_bytes);
  EXPECT_LE(most, http::output_high_water + http::read_buffer_bytes + 4096);
  const auto out = http_test::read_responses(written);
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].header("transfer-encoding"), "chunked");
  EXPECT_TRUE(out.responses[0].body == body);
}

TEST(EchoStreaming, OneHugeFeedPausesMidBodyUntilOutputIsWritten) {
  connection t(big_bodies());
  const std::string body(1u << 20, 'q');
  const std::string request = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n" + body;
  const std::size_t used = t.c.feed(request);
  EXPECT_LT(used, request.size());
  EXPECT_LE(t.c.output().size(), http::output_high_water + http::echo_hold_bytes + 512);
  EXPECT_EQ(t.c.phase(), connection_phase::body);
}

TEST(EchoStreaming, AnErrorAfterTheResponseStartedCutsItShort) {
  http::server_config config;
  config.max_body_bytes = 200000;
  connection t(config);
  const std::string chunk = "10000\r\n" + std::string(0x10000, 'c') + "\r\n";  // 64 KiB
  const std::string written = t.feed_all(chunked_head + chunk + chunk + chunk + chunk);
  EXPECT_EQ(t.c.phase(), connection_phase::closing);
  EXPECT_TRUE(t.c.aborted());
  EXPECT_EQ(t.stats.count_of(error_kind::body_too_large), 1u);
  const auto out = http_test::read_responses(written);
  EXPECT_TRUE(out.responses.empty());  // a 200 whose chunked body never ends: the client sees a failure
  EXPECT_GT(out.leftover, 0u);
}

TEST(EchoStreaming, IdleConnectionsGiveBackWhatABigRequestGrew) {
  connection t(big_bodies());
  const std::string body(1u << 20, 'r');
  (void)serve_in_reads(t, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n" + body,
                       http::read_buffer_bytes);
  ASSERT_EQ(t.c.phase(), connection_phase::idle);
  t.c.release_idle_buffers();
  EXPECT_LE(t.c.output().capacity(), 4096u);
}

}  // namespace
