// wasio_bench_echo_round_trip: one connection, N sequential round trips of S bytes to an echo server;
// prints the round-trip times. The echo benchmark (echo_bench.py) runs it against the echo example
// linked natively and as .wasm under wasio-run, side by side, and reports the ratio.
//
//   wasio_bench_echo_round_trip --port P [--round-trips 20000] [--size 64]
// Output: one line "round_trips=N size=S mean_us=.. p50_us=.. p99_us=..". Exit 1 on a short or
// wrong echo, 2 on bad usage.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

namespace {

bool send_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool receive_all(int fd, char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::recv(fd, data, size, 0);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned port = 0;
  std::size_t round_trips = 20000, size = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    unsigned long value = std::strtoul(argv[i + 1], nullptr, 10);
    if (flag == "--port") port = static_cast<unsigned>(value);
    else if (flag == "--round-trips") round_trips = value;
    else if (flag == "--size") size = value;
    else {
      std::fprintf(stderr, "usage: %s --port P [--round-trips N] [--size S]\n", argv[0]);
      return 2;
    }
  }
  if (port == 0 || port > 65535 || round_trips == 0 || size == 0) {
    std::fprintf(stderr, "usage: %s --port P [--round-trips N] [--size S]\n", argv[0]);
    return 2;
  }

  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    std::perror("connect");
    return 1;
  }

  std::vector<char> out(size), in(size);
  std::vector<double> micros;
  micros.reserve(round_trips);
  for (std::size_t i = 0; i < round_trips; ++i) {
    std::fill(out.begin(), out.end(), static_cast<char>('a' + i % 26));
    auto start = std::chrono::steady_clock::now();
    if (!send_all(fd, out.data(), size) || !receive_all(fd, in.data(), size) || in != out) {
      std::fprintf(stderr, "round trip %zu: short or wrong echo\n", i);
      return 1;
    }
    micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  ::close(fd);

  double total = 0;
  for (double m : micros) total += m;
  std::sort(micros.begin(), micros.end());
  std::printf("round_trips=%zu size=%zu mean_us=%.2f p50_us=%.2f p99_us=%.2f\n", round_trips, size,
              total / static_cast<double>(round_trips), micros[micros.size() / 2],
              micros[micros.size() * 99 / 100]);
  return 0;
}
