// wasio_echo_load: drives an echo server with many concurrent connections and checks every byte.
//
//   wasio_echo_load --port P [--host 127.0.0.1] [--clients 32] [--min-size 1] [--max-size 131072]
//                   [--half-closes 4] [--resets 4] [--seed 1] [--timeout-seconds 120]
//
// Each client sends a random payload of a random size and reads it back while still sending (so
// neither side's buffers can deadlock the exchange). Plain clients then close normally; half-close
// clients shut down their sending side first and expect every byte back followed by EOF; reset
// clients abort with SO_LINGER 0: half of them once the echo has started, mid-stream, the other half
// as soon as their first bytes are sent, often before the server even accepted them. Finally one more client
// checks the server still serves. Exit 0 when every check passed, 1 otherwise, 2 on bad usage.
// The timeout only guards against a hang; it asserts nothing about speed.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct options {
  std::string host = "127.0.0.1";
  unsigned port = 0;
  std::size_t clients = 32;
  std::size_t min_size = 1;
  std::size_t max_size = 131072;
  std::size_t half_closes = 4;
  std::size_t resets = 4;
  std::uint64_t seed = 1;
  unsigned timeout_seconds = 120;
};

enum class ending { close, half_close, reset };

struct client {
  int fd = -1;
  ending how = ending::close;
  bool reset_before_echo = false;  // a reset client that aborts as soon as its first bytes are out
  std::vector<unsigned char> payload;
  std::size_t sent = 0;
  std::size_t received = 0;
  bool write_shut = false;
  bool done = false;
  std::string failure;
};

[[noreturn]] void usage(const char* problem) {
  std::fprintf(stderr,
               "wasio_echo_load: %s\nusage: wasio_echo_load --port P [--host ADDR] [--clients N] [--min-size B] "
               "[--max-size B] [--half-closes N] [--resets N] [--seed S] [--timeout-seconds T]\n",
               problem);
  std::exit(2);
}

std::uint64_t number(const char* flag, const char* text) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-') usage((std::string(flag) + " needs a number").c_str());
  return value;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) usage(("missing value after " + std::string(flag)).c_str());
    const char* value = argv[++i];
    if (flag == "--host") o.host = value;
    else if (flag == "--port") o.port = static_cast<unsigned>(number(argv[i - 1], value));
    else if (flag == "--clients") o.clients = number(argv[i - 1], value);
    else if (flag == "--min-size") o.min_size = number(argv[i - 1], value);
    else if (flag == "--max-size") o.max_size = number(argv[i - 1], value);
    else if (flag == "--half-closes") o.half_closes = number(argv[i - 1], value);
    else if (flag == "--resets") o.resets = number(argv[i - 1], value);
    else if (flag == "--seed") o.seed = number(argv[i - 1], value);
    else if (flag == "--timeout-seconds") o.timeout_seconds = static_cast<unsigned>(number(argv[i - 1], value));
    else usage(("unknown option " + std::string(flag)).c_str());
  }
  if (o.port == 0 || o.port > 65535) usage("--port must be 1..65535");
  if (o.min_size == 0 || o.min_size > o.max_size) usage("sizes must satisfy 1 <= min-size <= max-size");
  if (o.half_closes + o.resets > o.clients) usage("half-closes + resets must not exceed clients");
  return o;
}

int connect_to(const options& o) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(o.port));
  if (inet_pton(AF_INET, o.host.c_str(), &address.sin_addr) != 1) usage("--host must be a numeric IPv4 address");
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

void abort_connection(client& c) {
  const linger abrupt{1, 0};  // close sends RST instead of FIN
  setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &abrupt, sizeof abrupt);
  close(c.fd);
  c.fd = -1;
  c.done = true;
}

void finish(client& c) {
  close(c.fd);
  c.fd = -1;
  c.done = true;
}

void fail(client& c, std::string why) {
  c.failure = std::move(why);
  close(c.fd);
  c.fd = -1;
  c.done = true;
}

void on_writable(client& c) {
  if (c.sent < c.payload.size()) {
    const ssize_t n = send(c.fd, c.payload.data() + c.sent, c.payload.size() - c.sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) fail(c, std::string("send: ") + std::strerror(errno));
      return;
    }
    c.sent += static_cast<std::size_t>(n);
    if (c.how == ending::reset && c.reset_before_echo) return abort_connection(c);
  }
  if (c.sent == c.payload.size() && c.how == ending::half_close && !c.write_shut) {
    shutdown(c.fd, SHUT_WR);
    c.write_shut = true;
  }
}

void on_readable(client& c) {
  unsigned char buffer[65536];
  const ssize_t n = recv(c.fd, buffer, sizeof buffer, 0);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) fail(c, std::string("recv: ") + std::strerror(errno));
    return;
  }
  if (n == 0) {
    if (c.how == ending::half_close && c.received == c.payload.size()) finish(c);
    else fail(c, "EOF after " + std::to_string(c.received) + " of " + std::to_string(c.payload.size()) + " bytes");
    return;
  }
  const auto got = static_cast<std::size_t>(n);
  if (c.received + got > c.payload.size()) return fail(c, "server echoed more bytes than were sent");
  if (std::memcmp(buffer, c.payload.data() + c.received, got) != 0) {
    std::size_t at = 0;
    while (buffer[at] == c.payload[c.received + at]) ++at;
    return fail(c, "echoed byte " + std::to_string(c.received + at) + " differs");
  }
  c.received += got;
  if (c.how == ending::reset) return abort_connection(c);  // mid-stream: the echo has started
  // Plain clients are done once everything came back; half-closers wait for the server's EOF.
  if (c.how == ending::close && c.received == c.payload.size()) finish(c);
}

// Runs every client to its end. Returns how many failed.
std::size_t run(std::vector<client>& clients, const options& o) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_seconds);
  std::vector<pollfd> polled;
  std::vector<client*> owners;
  while (true) {
    polled.clear();
    owners.clear();
    for (auto& c : clients) {
      if (c.done) continue;
      short wanted = POLLIN;
      if (c.sent < c.payload.size()) wanted |= POLLOUT;
      polled.push_back({c.fd, wanted, 0});
      owners.push_back(&c);
    }
    if (polled.empty()) break;
    if (std::chrono::steady_clock::now() > deadline) {
      for (auto* c : owners)
        fail(*c, "no progress before the timeout: sent " + std::to_string(c->sent) + ", echoed " +
                     std::to_string(c->received) + " of " + std::to_string(c->payload.size()));
      break;
    }
    if (poll(polled.data(), polled.size(), 1000) < 0 && errno != EINTR) {
      std::perror("wasio_echo_load: poll");
      std::exit(1);
    }
    for (std::size_t i = 0; i < polled.size(); ++i) {
      client& c = *owners[i];
      if (!c.done && (polled[i].revents & (POLLOUT | POLLERR | POLLHUP))) on_writable(c);
      if (!c.done && (polled[i].revents & (POLLIN | POLLERR | POLLHUP))) on_readable(c);
    }
  }
  std::size_t failed = 0;
  for (std::size_t i = 0; i < clients.size(); ++i) {
    if (clients[i].failure.empty()) continue;
    ++failed;
    std::fprintf(stderr, "wasio_echo_load: client %zu (%zu bytes): %s\n", i, clients[i].payload.size(),
                 clients[i].failure.c_str());
  }
  return failed;
}

client make_client(const options& o, ending how, std::size_t size, std::mt19937_64& random) {
  client c;
  c.how = how;
  c.payload.resize(size);
  for (auto& byte : c.payload) byte = static_cast<unsigned char>(random());
  c.fd = connect_to(o);
  if (c.fd < 0) fail(c, std::string("connect: ") + std::strerror(errno));
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  std::mt19937_64 random(o.seed);
  std::uniform_int_distribution<std::size_t> size(o.min_size, o.max_size);

  std::vector<client> clients;
  clients.reserve(o.clients);
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < o.clients; ++i) {
    const ending how = i < o.resets ? ending::reset : i < o.resets + o.half_closes ? ending::half_close : ending::close;
    clients.push_back(make_client(o, how, size(random), random));
    clients.back().reset_before_echo = how == ending::reset && i % 2 == 1;
    bytes += clients.back().payload.size();
  }
  const std::size_t failed = run(clients, o);

  // After resets and half-closes mid-load, a fresh client must still get its bytes back.
  std::vector<client> after;
  after.push_back(make_client(o, ending::half_close, size(random), random));
  const std::size_t failed_after = run(after, o);

  std::printf("wasio_echo_load: %zu clients (%zu resets, %zu half-closes), %zu bytes sent, %zu failed; "
              "server %s afterwards\n",
              o.clients, o.resets, o.half_closes, bytes, failed, failed_after == 0 ? "still serves" : "FAILED");
  return failed == 0 && failed_after == 0 ? 0 : 1;
}
