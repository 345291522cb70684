// The connection observer (connection_observer.hpp): what the host tells the embedder about each
// accepted connection, and the --connection-log line format.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "wasio/testbed/connection_observer.hpp"

namespace wasio::testbed {
namespace {

using test::harness;

struct recorded {
  std::vector<connection_info> accepted;
  std::vector<std::pair<connection_info, connection_totals>> closed;
};

class recorder final : public connection_observer {
 public:
  explicit recorder(recorded& r) : r_(r) {}
  void accepted(const connection_info& c) override { r_.accepted.push_back(c); }
  void closed(const connection_info& c, const connection_totals& t) override { r_.closed.emplace_back(c, t); }

 private:
  recorded& r_;
};

std::uint16_t local_port(int socket) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  ::getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

TEST(ConnectionObserver, SeesThePeerAndTheBytesThatCrossedTheSocket) {
  recorded r;
  harness t(test::harness_options{.connections = std::make_shared<recorder>(r)});
  auto [client, fd] = t.connected_pair();
  ASSERT_EQ(r.accepted.size(), 1u);
  EXPECT_EQ(r.accepted[0].fd, fd);
  EXPECT_EQ(r.accepted[0].listener_fd, t.listener());
  EXPECT_EQ(r.accepted[0].listener, "127.0.0.1:" + std::to_string(t.port()));
  EXPECT_EQ(r.accepted[0].peer_address, "127.0.0.1");
  EXPECT_EQ(r.accepted[0].peer_port, local_port(client));
  EXPECT_FALSE(r.accepted[0].tls);

  test::client_send(client, "hello world");
  // A peek is not counted: the same bytes are read again.
  EXPECT_EQ(test::guest_recv(t.h(), fd, 5, abi::recv_peek), "hello");
  EXPECT_EQ(test::guest_recv(t.h(), fd, 11, abi::recv_waitall), "hello world");
  EXPECT_EQ(test::guest_send(t.h(), fd, "abc"), 3u);
  EXPECT_EQ(test::client_receive(client, 3), "abc");
  EXPECT_TRUE(r.closed.empty());
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
  ASSERT_EQ(r.closed.size(), 1u);
  EXPECT_EQ(r.closed[0].first.peer_port, local_port(client));
  EXPECT_EQ(r.closed[0].second.received, 11u);
  EXPECT_EQ(r.closed[0].second.sent, 3u);
  EXPECT_GE(r.closed[0].second.duration.count(), 0);
}

TEST(ConnectionObserver, ReportsConnectionsStillOpenWhenTheHostEnds) {
  recorded r;
  {
    harness t(test::harness_options{.connections = std::make_shared<recorder>(r)});
    auto [client, fd] = t.connected_pair();
    test::client_send(client, "xy");
    EXPECT_EQ(test::guest_recv(t.h(), fd, 2, abi::recv_waitall), "xy");
    t.expected_open_fds += 1;  // left open on purpose: the host's end closes it
  }
  ASSERT_EQ(r.closed.size(), 1u);
  EXPECT_EQ(r.closed[0].second.received, 2u);
}

TEST(ConnectionObserver, OnlySeesAcceptedConnections) {
  recorded r;
  harness t(test::harness_options{.connections = std::make_shared<recorder>(r)});
  abi::fd accepted = 0;
  EXPECT_EQ(t.h().sock_accept(t.listener(), abi::fdflag_nonblock, accepted), errc::again);
  EXPECT_TRUE(r.accepted.empty());
  EXPECT_TRUE(r.closed.empty());
}

TEST(ConnectionLog, LinesAreLogfmtWithAnRfc3339UtcTime) {
  connection_log log(-1);
  connection_info c;
  c.fd = 7;
  c.listener_fd = 3;
  c.listener = "127.0.0.1:8080";
  c.peer_address = "127.0.0.1";
  c.peer_port = 54321;
  const auto when = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'764'590'401'123));
  EXPECT_EQ(log.accept_line(c, when), "2025-12-01T12:00:01.123Z accept listener=127.0.0.1:8080 peer=127.0.0.1:54321 fd=7");
  log.set_worker(2);
  connection_totals totals{78, 130, std::chrono::microseconds(333'012)};
  EXPECT_EQ(log.close_line(c, totals, when),
            "2025-12-01T12:00:01.123Z close worker=2 listener=127.0.0.1:8080 peer=127.0.0.1:54321 fd=7 received=78 "
            "sent=130 duration_ms=333.012");
  c.peer_address = "::1";
  c.listener = "[::1]:443";
  c.tls = true;
  c.listener_name = "web";
  EXPECT_EQ(log.accept_line(c, when),
            "2025-12-01T12:00:01.123Z accept worker=2 listener=[::1]:443 name=web tls peer=[::1]:54321 fd=7");
  c.listener_name = "my \"web\" = 1";
  EXPECT_NE(log.accept_line(c, when).find(R"( name="my \"web\" = 1" tls )"), std::string::npos) << log.accept_line(c, when);
  c.peer_address.clear();
  EXPECT_NE(log.accept_line(c, when).find(" peer=- fd=7"), std::string::npos);
}

TEST(ConnectionLog, WritesOneWholeLinePerEvent) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  connection_log log(pipe_fds[1]);
  connection_info c;
  c.fd = 5;
  c.listener = "127.0.0.1:1";
  c.peer_address = "127.0.0.1";
  c.peer_port = 2;
  log.accepted(c);
  log.closed(c, connection_totals{});
  ::close(pipe_fds[1]);
  std::string text;
  char buffer[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  const std::regex line(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (accept|close) listener=127\.0\.0\.1:1 peer=127\.0\.0\.1:2 fd=5.*\n)");
  auto begin = std::sregex_iterator(text.begin(), text.end(), line);
  EXPECT_EQ(std::distance(begin, std::sregex_iterator()), 2) << text;
}

}  // namespace
}  // namespace wasio::testbed
