// What the two reference servers of the HTTP benchmark (asio_http_server.cpp, epoll_http_server.cpp)
// share: the response they write and the one request header they read, so that the table compares
// their event loops and nothing else.
#pragma once

#include <charconv>
#include <cstddef>
#include <ctime>
#include <string>
#include <string_view>

namespace bench_http {

/// The Date header, reformatted when the second changes (as examples/http does).
struct date_cache {
  std::time_t second = -1;
  char text[32] = {};

  std::string_view value() {
    const std::time_t now = std::time(nullptr);
    if (now != second) {
      second = now;
      std::tm parts;
      gmtime_r(&now, &parts);
      std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
    }
    return text;
  }
};

/// Appends a complete text/plain response with `body` (one thread per server: the cache is shared).
inline void append_response(std::string& out, std::string_view status, std::string_view body) {
  static date_cache date;
  char length[24];
  out += "HTTP/1.1 ";
  out += status;
  out += "\r\nServer: wasio\r\nDate: ";
  out += date.value();
  out += "\r\nContent-Type: text/plain\r\nContent-Length: ";
  out.append(length, std::to_chars(length, length + sizeof length, body.size()).ptr);
  out += "\r\n\r\n";
  out += body;
}

/// The Content-Length of a request head (0 when absent: the benchmark's clients always send it).
inline std::size_t content_length_of(std::string_view head) {
  for (std::string_view name : {"\r\nContent-Length:", "\r\ncontent-length:"}) {
    const auto at = head.find(name);
    if (at == std::string_view::npos) continue;
    std::string_view rest = head.substr(at + name.size());
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    std::size_t value = 0;
    std::from_chars(rest.data(), rest.data() + rest.size(), value);
    return value;
  }
  return 0;
}

}  // namespace bench_http
