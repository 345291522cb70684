// wasio_bench_asio_http: the comparison server for tests/bench/http. A minimal HTTP/1.1 keep-alive
// server on Boost.Asio with C++20 coroutines, single-threaded like wasio's runtime, giving the same
// bytes as examples/http for what the benchmark asks (GET /: "Hello, World!" with Server, Date,
// Content-Type and Content-Length), plus POST /echo with Content-Length and 404 for anything else.
// Not a general server: no chunked bodies, no limits beyond a 64 KiB head; it exists to be fast.
//   wasio_bench_asio_http [PORT]   (0 or none: any free port; prints "listening on 127.0.0.1:PORT")

#include <boost/asio.hpp>

#include <array>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "reference_response.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr auto no_throw = asio::as_tuple(asio::use_awaitable);

using bench_http::append_response;
using bench_http::content_length_of;

asio::awaitable<void> session(tcp::socket socket) {
  std::vector<char> input(64 * 1024);
  std::size_t have = 0;
  std::string output;
  for (;;) {
    auto [error, got] = co_await socket.async_read_some(asio::buffer(input.data() + have, input.size() - have),
                                                        no_throw);
    if (error || got == 0) co_return;
    have += got;
    std::string_view pending(input.data(), have);
    // Answers every complete request in the buffer: a pipelined burst gets one write.
    for (;;) {
      const auto head_end = pending.find("\r\n\r\n");
      if (head_end == std::string_view::npos) break;
      const std::string_view head = pending.substr(0, head_end + 2);
      const std::size_t body_size = content_length_of(head);
      if (pending.size() < head_end + 4 + body_size) break;
      const std::string_view body = pending.substr(head_end + 4, body_size);
      if (head.starts_with("GET / ") || head.starts_with("GET /?"))
        append_response(output, "200 OK", "Hello, World!");
      else if (head.starts_with("POST /echo "))
        append_response(output, "200 OK", body);
      else
        append_response(output, "404 Not Found", "Not Found\n");
      pending.remove_prefix(head_end + 4 + body_size);
    }
    if (pending.size() == input.size()) co_return;  // a head or body larger than the buffer: not served
    std::memmove(input.data(), pending.data(), pending.size());
    have = pending.size();
    if (!output.empty()) {
      auto [write_error, written] = co_await asio::async_write(socket, asio::buffer(output), no_throw);
      if (write_error) co_return;
      output.clear();
    }
  }
}

asio::awaitable<void> listen(tcp::acceptor& acceptor) {
  for (;;) {
    auto [error, socket] = co_await acceptor.async_accept(no_throw);
    if (error) {
      if (error == asio::error::operation_aborted) co_return;
      continue;
    }
    // No TCP_NODELAY: the wasio testbed leaves accepted sockets as the kernel made them, and so does this.
    asio::co_spawn(acceptor.get_executor(), session(std::move(socket)), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const unsigned short port = argc > 1 ? static_cast<unsigned short>(std::atoi(argv[1])) : 0;
  asio::io_context context(1);
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  std::fprintf(stderr, "wasio_bench_asio_http: listening on 127.0.0.1:%u\n", acceptor.local_endpoint().port());
  asio::co_spawn(context, listen(acceptor), asio::detached);
  context.run();
}
