// append_response keeps the last head it built and copies it while nothing it was built from
// changed: every input of the head must still show in the bytes, one call after another.
#include "response.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace {

constexpr std::string_view date_1 = "Tue, 01 Dec 2026 19:40:00 GMT";
constexpr std::string_view date_2 = "Tue, 01 Dec 2026 19:40:01 GMT";

std::string answer(const http::response& r, std::string_view date = date_1, http::framing how = {},
                   const http::response_extras& extras = {}) {
  std::string out = "kept:";  // appended to, never replaced
  http::append_response(out, r, date, how, extras);
  return out;
}

std::string head(std::string_view status_line, std::string_view date, std::string_view rest) {
  return "kept:HTTP/1.1 " + std::string(status_line) + "\r\nServer: wasio\r\nDate: " + std::string(date) +
         std::string(rest);
}

TEST(Response, EveryInputOfTheHeadShowsInItWhenItIsTheOnlyChange) {
  const http::response hello{http::status::ok, "text/plain", "Hello", {}};
  const std::string first = head("200 OK", date_1, "\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nHello");
  EXPECT_EQ(answer(hello), first);
  EXPECT_EQ(answer(hello), first);  // the remembered head
  EXPECT_EQ(answer(hello, date_2), head("200 OK", date_2, "\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nHello"));
  EXPECT_EQ(answer({http::status::ok, "text/plain", "Hullo", {}}, date_2),
            head("200 OK", date_2, "\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nHullo"));
  EXPECT_EQ(answer({http::status::ok, "text/plain", "Hi", {}}, date_2),
            head("200 OK", date_2, "\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nHi"));
  EXPECT_EQ(answer({http::status::not_found, "text/plain", "Hi", {}}, date_2),
            head("404 Not Found", date_2, "\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nHi"));
  EXPECT_EQ(answer({http::status::not_found, "application/json", "Hi", {}}, date_2),
            head("404 Not Found", date_2, "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\nHi"));
  EXPECT_EQ(answer({http::status::method_not_allowed, "application/json", "Hi", "GET, HEAD"}, date_2),
            head("405 Method Not Allowed", date_2,
                 "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nAllow: GET, HEAD\r\n\r\nHi"));
  const http::response json{http::status::ok, "application/json", "{}", {}};
  EXPECT_EQ(answer(json, date_2, {.close = true}),
            head("200 OK", date_2, "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"));
  EXPECT_EQ(answer(json, date_2, {.http10_keep_alive = true}),
            head("200 OK", date_2, "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}"));
  EXPECT_EQ(answer(json, date_2, {.head_only = true, .http10_keep_alive = true}),
            head("200 OK", date_2, "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_EQ(answer(json, date_2, {}, {.headers = "\r\nETag: \"1\""}),
            head("200 OK", date_2, "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nETag: \"1\"\r\n\r\n{}"));
  EXPECT_EQ(answer(json, date_2, {}, {.headers = "\r\nETag: \"2\""}),
            head("200 OK", date_2, "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nETag: \"2\"\r\n\r\n{}"));
  EXPECT_EQ(answer(json, date_2, {}, {.headers = "\r\nETag: \"2\"", .length = 4096}),
            head("200 OK", date_2, "\r\nContent-Type: application/json\r\nContent-Length: 4096\r\nETag: \"2\"\r\n\r\n{}"));
  EXPECT_EQ(answer({http::status::not_modified, "application/json", {}, {}}, date_2, {},
                   {.headers = "\r\nETag: \"2\"", .has_length = false}),
            head("304 Not Modified", date_2, "\r\nContent-Type: application/json\r\nETag: \"2\"\r\n\r\n"));
  EXPECT_EQ(answer(hello), first);  // and back
}

TEST(Response, AHeadTooLongToKeepIsBuiltEveryTime) {
  const std::string long_header = "\r\nX-Long: " + std::string(2000, 'a');
  const http::response r{http::status::ok, "text/plain", "x", {}};
  const std::string expected =
      head("200 OK", date_1, "\r\nContent-Type: text/plain\r\nContent-Length: 1" + long_header + "\r\n\r\nx");
  EXPECT_EQ(answer(r, date_1, {}, {.headers = long_header}), expected);
  EXPECT_EQ(answer(r, date_1, {}, {.headers = long_header}), expected);
}

}  // namespace
