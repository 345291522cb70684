// The HTTP example's protocol core alone (http_connection: llhttp, the validation layer, routing,
// response formatting), without sockets: nanoseconds per request for a few request shapes, the best
// of several repetitions. It uses only the core's long-standing API (server_context, feed, output),
// so the same file builds against an older core for a side-by-side comparison
// (tests/bench/http/validation_bench.py, docs/http.md). Not a test: it prints numbers.
//   wasio_bench_http_core [repetitions [shape]]   (shape: an index, to count one shape's instructions
//   with `perf stat -e instructions:u`, which a loaded machine does not disturb)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http_connection.hpp"

namespace {

struct shape {
  const char* name;
  std::string request;
};

double best_ns_per_request(const std::string& request, int repetitions) {
  constexpr int per_batch = 64;  // requests fed in one go, as a pipelining client would send them
  constexpr int batches = 2000;
  std::string batch;
  for (int i = 0; i < per_batch; ++i) batch += request;
  double best = 1e30;
  for (int r = 0; r < repetitions; ++r) {
    http::server_config config;
    config.max_body_bytes = 1u << 20;
    http::server_stats stats;
    http::http_date date;
    http::server_context context{config, stats, date};
    http::http_connection connection(context);
    std::size_t sink = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int b = 0; b < batches; ++b) {
      std::string_view rest = batch;
      while (!rest.empty()) {
        rest.remove_prefix(connection.feed(rest));
        sink += connection.output().size();
        connection.output().clear();
      }
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (stats.requests != static_cast<std::uint64_t>(per_batch) * batches || sink == 0) {
      std::fprintf(stderr, "unexpected: %llu requests answered\n", static_cast<unsigned long long>(stats.requests));
      std::exit(1);
    }
    const double ns = std::chrono::duration<double, std::nano>(elapsed).count() / (per_batch * batches);
    if (ns < best) best = ns;
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::atoi(argv[1]) : 15;
  const std::string body(4096, 'b');
  std::string chunked = "POST /echo HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) chunked += "400\r\n" + std::string(1024, 'c') + "\r\n";
  chunked += "0\r\n\r\n";
  const shape shapes[] = {
      {"wrk GET /", "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"},
      {"browser-like GET /", "GET /?q=1 HTTP/1.1\r\nHost: example.org\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
                             "Accept: text/html,application/xhtml+xml\r\nAccept-Language: en-GB,en;q=0.9\r\n"
                             "Accept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\nCookie: a=1; b=2\r\n"
                             "Cache-Control: max-age=0\r\n\r\n"},
      {"POST /echo 4 KiB", "POST /echo HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: 4096\r\n\r\n" + body},
      {"POST /echo chunked 4 KiB", chunked},
  };
  const int only = argc > 2 ? std::atoi(argv[2]) : -1;
  int index = 0;
  for (const shape& s : shapes) {
    if (only < 0 || only == index)
      std::printf("%-26s %8.1f ns/request\n", s.name, best_ns_per_request(s.request, repetitions));
    ++index;
  }
  return 0;
}
