// wasio_bench_epoll_http: the "lean loop" line of tests/bench/http: what an HTTP/1.1 keep-alive
// responder costs when nothing stands between it and epoll, in the style of a mio server. One thread,
// every socket registered once (EPOLLIN | EPOLLOUT | EPOLLRDHUP, edge-triggered) and never touched
// again with epoll_ctl; a readable edge is read until a short read (the receive queue was empty at
// that moment, so the next arrival is a new edge: what Asio and tokio do too); every complete request
// in what arrived is answered in one send. Same bytes as wasio_bench_asio_http (GET /: "Hello, World!"
// with Server, Date, Content-Type and Content-Length; POST /echo with Content-Length; 404 otherwise).
// Not a general server: no chunked bodies, no limits beyond a 64 KiB head.
//   wasio_bench_epoll_http [PORT]   (0 or none: any free port; prints "listening on 127.0.0.1:PORT")

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "reference_response.hpp"

namespace {

using bench_http::append_response;
using bench_http::content_length_of;

constexpr std::size_t input_size = 64 * 1024;

struct connection {
  int fd = -1;
  std::unique_ptr<char[]> input = std::make_unique_for_overwrite<char[]>(input_size);
  std::size_t have = 0;
  std::string output;       // answers not yet taken by the kernel
  std::size_t sent = 0;     // of output
  bool writable = true;     // no EAGAIN on send since the last writable edge
};

/// Sends what is pending; false when the connection failed.
bool flush(connection& c) {
  while (c.sent < c.output.size() && c.writable) {
    ssize_t n = ::send(c.fd, c.output.data() + c.sent, c.output.size() - c.sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        c.writable = false;  // the next EPOLLOUT edge says when to go on
        break;
      }
      return false;
    }
    c.sent += static_cast<std::size_t>(n);
  }
  if (c.sent == c.output.size()) {
    c.output.clear();
    c.sent = 0;
  }
  return true;
}

/// Answers every complete request in the input; false when the connection must close.
bool answer(connection& c) {
  std::string_view pending(c.input.get(), c.have);
  for (;;) {
    const auto head_end = pending.find("\r\n\r\n");
    if (head_end == std::string_view::npos) break;
    const std::string_view head = pending.substr(0, head_end + 2);
    const std::size_t body_size = content_length_of(head);
    if (pending.size() < head_end + 4 + body_size) break;
    const std::string_view body = pending.substr(head_end + 4, body_size);
    if (head.starts_with("GET / ") || head.starts_with("GET /?"))
      append_response(c.output, "200 OK", "Hello, World!");
    else if (head.starts_with("POST /echo "))
      append_response(c.output, "200 OK", body);
    else
      append_response(c.output, "404 Not Found", "Not Found\n");
    pending.remove_prefix(head_end + 4 + body_size);
  }
  if (pending.size() == input_size) return false;  // a head or body larger than the buffer: not served
  std::memmove(c.input.get(), pending.data(), pending.size());
  c.have = pending.size();
  return flush(c);
}

/// Reads until a short read (or EAGAIN), answering as it goes; false when the connection ends.
bool on_readable(connection& c) {
  for (;;) {
    const std::size_t room = input_size - c.have;
    ssize_t n = ::recv(c.fd, c.input.get() + c.have, room, MSG_DONTWAIT);
    if (n == 0) return false;
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    c.have += static_cast<std::size_t>(n);
    if (!answer(c)) return false;
    if (static_cast<std::size_t>(n) < room) return true;  // short read: drained, wait for the next edge
  }
}

}  // namespace

int main(int argc, char** argv) {
  const unsigned short port = argc > 1 ? static_cast<unsigned short>(std::atoi(argv[1])) : 0;
  std::signal(SIGPIPE, SIG_IGN);
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int on = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener, 1024) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    std::perror("wasio_bench_epoll_http: listen");
    return 1;
  }
  std::fprintf(stderr, "wasio_bench_epoll_http: listening on 127.0.0.1:%u\n", ntohs(address.sin_port));

  const int poller = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event listen_event{};
  listen_event.events = EPOLLIN | EPOLLET;
  listen_event.data.ptr = nullptr;  // the listener
  ::epoll_ctl(poller, EPOLL_CTL_ADD, listener, &listen_event);

  std::vector<epoll_event> events(256);
  for (;;) {
    const int ready = ::epoll_wait(poller, events.data(), static_cast<int>(events.size()), -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      std::perror("wasio_bench_epoll_http: epoll_wait");
      return 1;
    }
    for (int i = 0; i < ready; ++i) {
      if (events[i].data.ptr == nullptr) {
        for (;;) {  // edge-triggered listener: accept until EAGAIN
          const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;  // EAGAIN, or out of descriptors (a benchmark does not get there)
          auto* c = new connection;
          c->fd = fd;
          epoll_event e{};
          e.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
          e.data.ptr = c;
          if (::epoll_ctl(poller, EPOLL_CTL_ADD, fd, &e) != 0) {
            ::close(fd);
            delete c;
          }
        }
        continue;
      }
      auto* c = static_cast<connection*>(events[i].data.ptr);
      bool alive = true;
      if (events[i].events & EPOLLOUT) {
        c->writable = true;
        alive = flush(*c);
      }
      if (alive && (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) alive = on_readable(*c);
      if (!alive) {
        ::close(c->fd);  // also leaves the epoll set
        delete c;
      }
    }
  }
}
