#include "static_files.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "fake_static_fs.hpp"
#include "http_connection.hpp"
#include "response_reader.hpp"

namespace {

using http::method;
using http::status;
using http_test::fake_static_fs;

constexpr std::int64_t rfc_example_time = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
constexpr std::string_view rfc_example_date = "Sun, 06 Nov 1994 08:49:37 GMT";

std::optional<std::string> normalized(std::string_view target) {
  std::string path;
  if (!http::normalize_target_path(target, path)) return std::nullopt;
  return path;
}

TEST(StaticPath, DecodesOnceThenMergesSlashesAndResolvesDots) {
  EXPECT_EQ(normalized("/"), "/");
  EXPECT_EQ(normalized("/a//b/./c/../d"), "/a/b/d");
  EXPECT_EQ(normalized("/a/b/"), "/a/b/");
  EXPECT_EQ(normalized("/a/.."), "/");
  EXPECT_EQ(normalized("/a/./"), "/a/");
  EXPECT_EQ(normalized("/a/%2e%2e/b"), "/b");
  EXPECT_EQ(normalized("/a%2Fb"), "/a/b");
  EXPECT_EQ(normalized("/%41%62c"), "/Abc");
  EXPECT_EQ(normalized("/%252e%252e/x"), "/%2e%2e/x");  // decoded once: a literal name, not a dot-dot
  EXPECT_EQ(normalized("/x?a=/../../etc"), "/x");
  EXPECT_EQ(normalized("/x#frag"), "/x");
  EXPECT_EQ(normalized("http://host:80/a/../b?q"), "/b");
  EXPECT_EQ(normalized("HTTP://host"), "/");
}

TEST(StaticPath, RefusesEscapesAboveTheRootBackslashesNulAndBadEscapes) {
  for (std::string_view bad : {"/..", "/../etc/passwd", "/a/../../b", "/%2e%2e/etc", "/%2E%2E%2Fetc", "/a/%2e%2e/%2e%2e/x",
                               "/a\\b", "/a%5cb", "/a%5C..%5Cb", "/a%00b", "/%00", "/%zz", "/%4", "/%", "", "*",
                               "a/b", "/..%2f..%2fetc"}) {
    EXPECT_EQ(normalized(bad), std::nullopt) << bad;
  }
}

TEST(StaticTypes, ByExtensionIgnoringCaseWithOctetStreamOtherwise) {
  EXPECT_EQ(http::content_type_for("/index.html"), "text/html");
  EXPECT_EQ(http::content_type_for("/A/B.CSS"), "text/css");
  EXPECT_EQ(http::content_type_for("/app.js"), "application/javascript");
  EXPECT_EQ(http::content_type_for("/m.wasm"), "application/wasm");
  EXPECT_EQ(http::content_type_for("/f.woff2"), "font/woff2");
  EXPECT_EQ(http::content_type_for("/i.svg"), "image/svg+xml");
  EXPECT_EQ(http::content_type_for("/noext"), "application/octet-stream");
  EXPECT_EQ(http::content_type_for("/dir.d/noext"), "application/octet-stream");
  EXPECT_EQ(http::content_type_for("/x.unknown"), "application/octet-stream");
}

TEST(StaticValidators, ParsesTheThreeHttpDateFormats) {
  EXPECT_EQ(http::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), rfc_example_time);
  EXPECT_EQ(http::parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), rfc_example_time);
  EXPECT_EQ(http::parse_http_date("Sun Nov  6 08:49:37 1994"), rfc_example_time);
  EXPECT_EQ(http::parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  for (std::string_view bad : {"", "yesterday", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Foo 1994 08:49:37 GMT",
                               "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT"})
    EXPECT_EQ(http::parse_http_date(bad), std::nullopt) << bad;
}

TEST(StaticValidators, EtagListsCompareWeaklyAndStarMatchesAll) {
  const std::string tag = http::make_etag({http::file_kind::regular, 4096, 1'600'000'000'123'000'000});
  EXPECT_EQ(tag, "\"5f5e1000.754d4c0-1000\"");
  EXPECT_TRUE(http::etag_list_matches(tag, tag));
  EXPECT_TRUE(http::etag_list_matches("\"x\", W/" + tag, tag));
  EXPECT_TRUE(http::etag_list_matches(" * ", tag));
  EXPECT_FALSE(http::etag_list_matches("\"x\", \"y\"", tag));
  EXPECT_FALSE(http::etag_list_matches("5f5e1000.754d4c0-1000", tag));  // unquoted is not an entity-tag
}

TEST(StaticRanges, SingleRangesAreServedSeveralOrInvalidOnesIgnored) {
  http::byte_range r;
  EXPECT_EQ(http::parse_range("bytes=0-99", 1000, r), http::range_outcome::partial);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 99u);
  EXPECT_EQ(http::parse_range("bytes=900-", 1000, r), http::range_outcome::partial);
  EXPECT_EQ(r.first, 900u);
  EXPECT_EQ(r.last, 999u);
  EXPECT_EQ(http::parse_range("bytes=-100", 1000, r), http::range_outcome::partial);
  EXPECT_EQ(r.first, 900u);
  EXPECT_EQ(http::parse_range("bytes=-5000", 1000, r), http::range_outcome::partial);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(http::parse_range("bytes=500-5000", 1000, r), http::range_outcome::partial);
  EXPECT_EQ(r.last, 999u);
  EXPECT_EQ(http::parse_range("Bytes = 1-2", 1000, r), http::range_outcome::whole);  // "bytes=" is one token
  EXPECT_EQ(http::parse_range("bytes=1000-", 1000, r), http::range_outcome::unsatisfiable);
  EXPECT_EQ(http::parse_range("bytes=-0", 1000, r), http::range_outcome::unsatisfiable);
  EXPECT_EQ(http::parse_range("bytes=0-", 0, r), http::range_outcome::unsatisfiable);
  EXPECT_EQ(http::parse_range("bytes=0-1,5-6", 1000, r), http::range_outcome::whole);
  EXPECT_EQ(http::parse_range("bytes=5-1", 1000, r), http::range_outcome::whole);
  EXPECT_EQ(http::parse_range("bytes=a-b", 1000, r), http::range_outcome::whole);
  EXPECT_EQ(http::parse_range("items=0-1", 1000, r), http::range_outcome::whole);
  EXPECT_EQ(http::parse_range("bytes=99999999999999999999-", 1000, r), http::range_outcome::whole);
}

TEST(StaticMounts, ParsesPrefixEqualsDirAndRefusesBadOnes) {
  std::string error;
  auto m = http::parse_static_mount("/static/=/srv/www/", error);
  ASSERT_TRUE(m) << error;
  EXPECT_EQ(m->url_prefix, "/static");
  EXPECT_EQ(m->guest_dir, "/srv/www");
  for (std::string_view bad : {"static=/srv", "/a/../b=/srv", "/x=", "nothing", "/a?b=/srv"})
    EXPECT_FALSE(http::parse_static_mount(bad, error)) << bad;
  std::vector<std::string_view> args = {"--max-body-bytes=5", "--static", "/=/srv", "--static=/img=/pics", "x"};
  std::vector<http::static_mount> mounts;
  ASSERT_TRUE(http::take_static_mounts(args, mounts, error)) << error;
  EXPECT_EQ(args, (std::vector<std::string_view>{"--max-body-bytes=5", "x"}));
  ASSERT_EQ(mounts.size(), 2u);
  std::vector<std::string_view> twice = {"--static=/=/a", "--static=/=/b"};
  EXPECT_FALSE(http::take_static_mounts(twice, mounts, error));
}

// Builds a static_request field by field: req().range("bytes=0-1").if_range(tag).
struct req {
  http::static_request q;
  req& verb(method m) { q.verb = m; return *this; }
  req& if_none_match(std::string_view v) { q.if_none_match = v; return *this; }
  req& if_modified_since(std::string_view v) { q.if_modified_since = v; return *this; }
  req& range(std::string_view v) { q.range = v; return *this; }
  req& if_range(std::string_view v) { q.if_range = v; return *this; }
  req& target(std::string_view v) { q.target = v; return *this; }
};

struct StaticFiles : ::testing::Test {
  fake_static_fs fs;
  http::static_counters counters;
  std::optional<http::static_files> files;

  StaticFiles() {
    fs.directory("/srv/www");
    fs.file("/srv/www/index.html", "<h1>home</h1>");
    fs.file("/srv/www/a.txt", "0123456789");
    fs.directory("/srv/www/docs");
    fs.file("/srv/www/docs/guide.css", "body{}");
    fs.directory("/srv/www/empty");
    fs.symlink("/srv/www/link.txt");
    fs.symlink("/srv/www/linkdir");
    fs.file("/srv/www/big.bin", std::string(200000, 'b'));
    fs.file("/srv/secret.txt", "secret");
    files.emplace(fs, std::vector<http::static_mount>{{"/", "/srv/www"}, {"/other", "/srv/elsewhere"}});
  }
  http::static_reply get(std::string_view target, req built = {}) {
    http::static_request more = built.q;
    more.target = target;
    auto r = files->serve(more, counters);
    EXPECT_TRUE(r.has_value()) << target;
    return r ? std::move(*r) : http::static_reply{};
  }
};

TEST_F(StaticFiles, AFileComesWithTypeValidatorsAndItsBytes) {
  auto r = get("/a.txt");
  EXPECT_EQ(r.status, status::ok);
  EXPECT_EQ(r.content_type, "text/plain");
  EXPECT_EQ(r.inline_body, "0123456789");
  EXPECT_EQ(r.length, 10u);
  EXPECT_NE(r.headers.find("\r\nLast-Modified: " + std::string(rfc_example_date)), std::string::npos) << r.headers;
  EXPECT_NE(r.headers.find("\r\nETag: \"2ebc98a1.0-a\""), std::string::npos) << r.headers;
  EXPECT_NE(r.headers.find("\r\nAccept-Ranges: bytes"), std::string::npos);
  EXPECT_EQ(counters.hits, 1u);
  EXPECT_EQ(counters.bytes_sent, 10u);
}

TEST_F(StaticFiles, HeadHasTheLengthButNoBody) {
  auto r = get("/a.txt", req().verb(method::head));
  EXPECT_EQ(r.status, status::ok);
  EXPECT_EQ(r.inline_body, "");
  EXPECT_EQ(r.length, 10u);
  EXPECT_EQ(r.extras().length, 10u);
  EXPECT_EQ(counters.bytes_sent, 0u);
}

TEST_F(StaticFiles, MatchingValidatorsGive304WithoutALength) {
  const std::string tag = http::make_etag({http::file_kind::regular, 10, rfc_example_time * 1'000'000'000});
  EXPECT_EQ(get("/a.txt", req().if_none_match(tag)).status, status::not_modified);
  EXPECT_EQ(get("/a.txt", req().if_none_match("\"other\"")).status, status::ok);
  EXPECT_EQ(get("/a.txt", req().if_modified_since(rfc_example_date)).status, status::not_modified);
  EXPECT_EQ(get("/a.txt", req().if_modified_since("Mon, 07 Nov 1994 08:49:37 GMT")).status, status::not_modified);
  EXPECT_EQ(get("/a.txt", req().if_modified_since("Sat, 05 Nov 1994 08:49:37 GMT")).status, status::ok);
  EXPECT_EQ(get("/a.txt", req().if_modified_since("garbage")).status, status::ok);
  // If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
  EXPECT_EQ(get("/a.txt", req().if_none_match("\"other\"").if_modified_since(rfc_example_date)).status, status::ok);
  auto r = get("/a.txt", req().if_none_match("*"));
  EXPECT_EQ(r.status, status::not_modified);
  EXPECT_FALSE(r.extras().has_length);
  EXPECT_EQ(r.inline_body, "");
  EXPECT_EQ(counters.not_modified, 4u);
}

TEST_F(StaticFiles, ARangeGives206AndOnePastTheEndGives416) {
  auto r = get("/a.txt", req().range("bytes=2-4"));
  EXPECT_EQ(r.status, status::partial_content);
  EXPECT_EQ(r.inline_body, "234");
  EXPECT_NE(r.headers.find("\r\nContent-Range: bytes 2-4/10"), std::string::npos) << r.headers;
  auto past = get("/a.txt", req().range("bytes=10-"));
  EXPECT_EQ(past.status, status::range_not_satisfiable);
  EXPECT_NE(past.headers.find("\r\nContent-Range: bytes */10"), std::string::npos);
  auto head = get("/a.txt", req().verb(method::head).range("bytes=2-4"));  // HEAD gets GET's head
  EXPECT_EQ(head.status, status::partial_content);
  EXPECT_EQ(head.inline_body, "");
  EXPECT_EQ(head.extras().length, 3u);
  const std::string tag = http::make_etag({http::file_kind::regular, 10, rfc_example_time * 1'000'000'000});
  EXPECT_EQ(get("/a.txt", req().range("bytes=2-4").if_range(tag)).status, status::partial_content);
  EXPECT_EQ(get("/a.txt", req().range("bytes=2-4").if_range("\"stale\"")).status, status::ok);
  EXPECT_EQ(get("/a.txt", req().range("bytes=2-4").if_range(rfc_example_date)).status, status::partial_content);
  EXPECT_EQ(get("/a.txt", req().range("bytes=2-4").if_range("Sat, 05 Nov 1994 08:49:37 GMT")).status, status::ok);
  EXPECT_EQ(counters.partial, 4u);
  EXPECT_EQ(counters.not_satisfiable, 1u);
}

TEST_F(StaticFiles, DirectoriesRedirectToTheSlashThenServeIndexOr403) {
  auto r = get("/docs?x=1");
  EXPECT_EQ(r.status, status::moved_permanently);
  EXPECT_NE(r.headers.find("\r\nLocation: /docs/?x=1"), std::string::npos) << r.headers;
  EXPECT_EQ(get("/").inline_body, "<h1>home</h1>");
  EXPECT_EQ(get("/").content_type, "text/html");
  EXPECT_EQ(get("/docs/").status, status::forbidden);  // no index.html, no listing
  EXPECT_EQ(get("/empty/").status, status::forbidden);
  EXPECT_EQ(get("/docs/guide.css").content_type, "text/css");
}

TEST_F(StaticFiles, LinksAreNeverFollowedAndNothingOutsideTheMountIsLookedAt) {
  EXPECT_EQ(get("/link.txt").status, status::not_found);
  EXPECT_EQ(get("/linkdir/x").status, status::not_found);
  EXPECT_EQ(get("/missing").status, status::not_found);
  EXPECT_EQ(get("/a.txt/more").status, status::not_found);  // a file in the middle of a path
  for (std::string_view t : {"/../secret.txt", "/%2e%2e/secret.txt", "/x/..%2f..%2fsecret.txt", "/..\\secret.txt",
                             "/%2e%2e%5csecret.txt", "/a.txt%00.html"})
    EXPECT_EQ(get(t).status, status::bad_request) << t;
  for (const std::string& path : fs.touched)
    EXPECT_TRUE(path.starts_with("/srv/www/") || path.starts_with("/srv/elsewhere/")) << path;
  EXPECT_EQ(counters.refused, 10u);
}

TEST_F(StaticFiles, TheLongestPrefixWinsAndUnmountedPathsAreLeftToTheRouter) {
  fake_static_fs only;
  only.directory("/pics");
  only.file("/pics/a.png", "png");
  http::static_files f(only, {{"/img", "/pics"}});
  http::static_counters c;
  EXPECT_EQ(f.serve(req().target("/img/a.png").q, c)->content_type, "image/png");
  EXPECT_FALSE(f.serve(req().target("/imgx/a.png").q, c).has_value());
  EXPECT_FALSE(f.serve(req().target("/").q, c).has_value());
  EXPECT_EQ(get("/other/x").status, status::not_found);  // "/other" is longer than "/"
  EXPECT_EQ(fs.touched.back(), "/srv/elsewhere/x");
}

TEST_F(StaticFiles, LargeBodiesAreLeftOpenForStreaming) {
  auto r = get("/big.bin", req().range("bytes=100000-"));
  EXPECT_EQ(r.status, status::partial_content);
  ASSERT_NE(r.file, nullptr);
  EXPECT_EQ(r.offset, 100000u);
  EXPECT_EQ(r.length, 100000u);
  EXPECT_EQ(r.inline_body, "");
  EXPECT_EQ(r.extras().length, 100000u);
}

// Through a connection: the kept request headers reach static serving, pipelined requests wait for
// a streamed body, and /stats and /echo stay the router's.
TEST_F(StaticFiles, AConnectionPassesItsHeadersAndHoldsPipelinedRequestsBehindAFileBody) {
  http::server_config config;
  http::server_stats stats;
  http::http_date date;
  date.update(rfc_example_time);
  http::server_context context{config, stats, date, &*files};
  http::http_connection c(context);
  const std::string requests =
      "GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=1-3\r\n\r\n"
      "GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"nope\", W/\"2ebc98a1.0-a\"\r\n\r\n"
      "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /stats HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::size_t used = c.feed(requests);
  EXPECT_EQ(used, requests.size() - std::string_view("GET /stats HTTP/1.1\r\nHost: x\r\n\r\n").size());
  ASSERT_NE(c.pending_file(), nullptr);
  EXPECT_EQ(c.pending_file()->remaining, 200000u);
  auto read = http_test::read_responses(c.output());
  ASSERT_EQ(read.responses.size(), 2u);
  EXPECT_EQ(read.responses[0].status, 206);
  EXPECT_EQ(read.responses[0].body, "123");
  EXPECT_EQ(read.responses[1].status, 304);
  EXPECT_FALSE(read.responses[1].has("content-length"));
  EXPECT_GT(read.leftover, 0u);  // big.bin's head, its body to come from the file
  EXPECT_NE(c.output().find("Content-Length: 200000\r\n"), std::string::npos);
  c.output().clear();
  c.file_sent();
  EXPECT_EQ(c.feed(std::string_view(requests).substr(used)), requests.size() - used);
  auto stats_reply = http_test::read_responses(c.output());
  ASSERT_EQ(stats_reply.responses.size(), 1u);
  EXPECT_NE(stats_reply.responses[0].body.find("\"static\":{\"hits\":2,\"not_modified\":1,\"partial\":1"),
            std::string::npos)
      << stats_reply.responses[1].body;
}

}  // namespace
