#pragma once
// Test helper: an http_connection with its own limits, counters and Date, fed the way a server
// that writes everything it is given would feed it.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "http_connection.hpp"

namespace http_test {

constexpr std::int64_t rfc_example_time = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT

struct fixture {
  http::server_config config;
  http::server_stats stats;
  http::http_date date;
  http::server_context context{config, stats, date};

  fixture() { date.update(rfc_example_time); }
};

// A connection with its own context; feed_all() feeds like a reader that writes everything it is given.
struct connection : fixture {
  connection() = default;
  explicit connection(const http::server_config& limits) { config = limits; }
  http::http_connection c{context};

  std::string feed_all(std::string_view bytes) {
    std::size_t at = 0;
    while (at < bytes.size() && c.phase() != http::connection_phase::closing) {
      const std::size_t used = c.feed(bytes.substr(at));
      EXPECT_TRUE(used > 0 || !c.output().empty()) << "no progress";
      if (used == 0 && c.output().empty()) break;
      at += used;
      written_ += c.output();
      c.output().clear();
    }
    written_ += c.output();
    c.output().clear();
    return written_;
  }
  std::string feed_bytewise(std::string_view bytes) {
    for (char byte : bytes) feed_all(std::string_view(&byte, 1));
    return written_;
  }

  std::string written_;
};


}  // namespace http_test
