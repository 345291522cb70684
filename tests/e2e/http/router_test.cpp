#include "router.hpp"

#include <gtest/gtest.h>

namespace {

using http::method;
using http::status;

struct routed {
  http::server_stats stats;
  std::string scratch;
  http::response operator()(method m, std::string_view target, std::string_view body = {}) {
    return http::route(m, target, body, stats, scratch);
  }
};

TEST(Router, RootSaysHelloWorldInThirteenBytesOfPlainText) {
  routed r;
  const http::response got = r(method::get, "/");
  EXPECT_EQ(got.status, status::ok);
  EXPECT_EQ(got.body, "Hello, World!");
  EXPECT_EQ(got.body.size(), 13u);
  EXPECT_EQ(got.content_type, "text/plain");
  EXPECT_EQ(r(method::head, "/").body, "Hello, World!");  // framing drops it, the length stays
}

TEST(Router, EchoReturnsTheRequestBody) {
  routed r;
  const http::response got = r(method::post, "/echo?x=1", "payload");
  EXPECT_EQ(got.status, status::ok);
  EXPECT_EQ(got.body, "payload");
  EXPECT_TRUE(http::wants_body(method::post, "/echo"));
  EXPECT_FALSE(http::wants_body(method::post, "/"));
  EXPECT_FALSE(http::wants_body(method::get, "/echo"));
}

TEST(Router, StatsAreJsonCounters) {
  routed r;
  r.stats.connections_open = 3;
  r.stats.connections_total = 7;
  r.stats.connections_peak = 5;
  r.stats.refusing_peak = 2;
  r.stats.refused_silently = 1;
  r.stats.requests = 11;
  r.stats.count(http::error_kind::head_too_large);
  r.stats.count(http::error_kind::over_capacity);
  r.stats.count(http::error_kind::over_capacity);
  r.stats.statics.hits = 4;
  r.stats.statics.partial = 1;
  r.stats.statics.bytes_sent = 12345;
  const http::response got = r(method::get, "/stats");
  EXPECT_EQ(got.status, status::ok);
  EXPECT_EQ(got.content_type, "application/json");
  EXPECT_EQ(got.body,
            "{\"connections\":{\"open\":3,\"total\":7,\"peak\":5},\"refusals\":{\"peak\":2,\"silent\":1},"
            "\"requests\":11,\"idle_closed\":0,\"errors\":{"
            "\"bad_request\":0,\"not_found\":0,\"method_not_allowed\":0,\"request_timeout\":0,"
            "\"body_too_large\":0,\"head_too_large\":1,\"over_capacity\":2,\"io\":0,\"version_not_supported\":0},"
            "\"static\":{\"hits\":4,\"not_modified\":0,\"partial\":1,\"not_satisfiable\":0,\"redirects\":0,"
            "\"refused\":0,\"truncated\":0,\"bytes_sent\":12345}}\n");
}

TEST(Router, KnownPathsWithAnotherMethodAre405WithAllow) {
  routed r;
  const http::response post_root = r(method::post, "/");
  EXPECT_EQ(post_root.status, status::method_not_allowed);
  EXPECT_EQ(post_root.allow, "GET, HEAD");
  const http::response get_echo = r(method::get, "/echo");
  EXPECT_EQ(get_echo.status, status::method_not_allowed);
  EXPECT_EQ(get_echo.allow, "POST");
  EXPECT_EQ(r(method::other, "/stats").status, status::method_not_allowed);
}

TEST(Router, UnknownPathsAre404) {
  routed r;
  EXPECT_EQ(r(method::get, "/nothing").status, status::not_found);
  EXPECT_EQ(r(method::get, "//").status, status::not_found);
  EXPECT_EQ(r(method::get, "*").status, status::not_found);
  EXPECT_EQ(r(method::post, "/echo/more").status, status::not_found);
}

}  // namespace
