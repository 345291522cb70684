#pragma once
// Shared by the guest-library tests (sys, io, net): a testbed host installed behind wasio::sys for
// a test's duration, checking at the end that no guest fd stayed open, a plain POSIX client
// to talk to its loopback listeners, and a socketpair end adopted as a guest stream.

#include <algorithm>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wasio/errc.hpp"
#include "wasio/sys/abi.hpp"
#include "wasio/sys/sys.hpp"
#include "wasio/testbed/host.hpp"
#include "wasio/testbed/native.hpp"

namespace wasio::guest_test {

/// A blocking IPv4 loopback client; closed by its destructor.
class loopback_client {
 public:
  explicit loopback_client(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  }
  ~loopback_client() { close(); }
  loopback_client(const loopback_client&) = delete;
  loopback_client& operator=(const loopback_client&) = delete;

  bool connected() const { return connected_; }
  bool send_all(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  /// Exactly `size` bytes, or fewer if the connection ended first.
  std::string receive(std::size_t size) {
    std::string got(size, '\0');
    std::size_t have = 0;
    while (have < size) {
      const ssize_t n = ::recv(fd_, got.data() + have, size - have, 0);
      if (n <= 0) break;
      have += static_cast<std::size_t>(n);
    }
    got.resize(have);
    return got;
  }
  /// True when the server's side of the stream has ended (recv returns 0).
  bool sees_end_of_stream() {
    char c;
    return ::recv(fd_, &c, 1, 0) == 0;
  }
  void shutdown_sending() { ::shutdown(fd_, SHUT_WR); }
  /// Closes with SO_LINGER 0: the server sees a reset, not a FIN.
  void reset() {
    linger hard{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    close();
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  bool connected_ = false;
};

inline std::span<const std::byte> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}
inline std::string text_of(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

/// A host of the given profile with `listeners` listeners on 127.0.0.1:0, installed behind wasio::sys
/// until destroyed. Its destructor checks that every guest fd opened meanwhile was closed; a
/// pre-opened listener a test closed (by adopting it into a listener object) does not count as a leak.
class test_host {
 public:
  test_host(testbed::profile semantics, std::size_t listeners, std::vector<std::string> args,
            std::vector<std::string> env = {}) {
    testbed::host_config config;
    config.semantics = semantics;
    config.args = std::move(args);
    config.env = std::move(env);
    // uvwasi's poll returns only once every fd subscription fired or a clock did: wasio code runs
    // there with a bounded wait (wasio/io/max_poll_wait.hpp), as the e2e tests run it.
    const bool bound_given = std::any_of(config.env.begin(), config.env.end(),
                                         [](const std::string& e) { return e.starts_with("WASIO_MAX_POLL_WAIT_MS="); });
    if (semantics == testbed::profile::uvwasi && !bound_given) config.env.push_back("WASIO_MAX_POLL_WAIT_MS=5");
    for (std::size_t i = 0; i < listeners; ++i) config.listeners.push_back({"127.0.0.1", 0});
    host_ = testbed::host::create(std::move(config)).value();
    installed_.emplace(*host_);
    fds_at_start_ = host_->open_fd_count();
  }
  ~test_host() {
    std::size_t closed_listeners = 0;
    for (const auto& l : host_->listeners()) {
      abi::fdstat stat{};
      closed_listeners += host_->fd_fdstat_get(l.fd, stat) == errc::badf ? 1 : 0;
    }
    EXPECT_EQ(host_->open_fd_count(), fds_at_start_ - closed_listeners) << "a test left a guest fd open";
    installed_.reset();
  }
  test_host(const test_host&) = delete;
  test_host& operator=(const test_host&) = delete;

  testbed::host& host() { return *host_; }
  sys::fd_t listener_fd(std::size_t i = 0) const { return host_->listeners().at(i).fd; }
  std::uint16_t port(std::size_t i = 0) const { return host_->listeners().at(i).port; }

 private:
  std::unique_ptr<testbed::host> host_;
  std::optional<testbed::native::scoped_host> installed_;
  std::size_t fds_at_start_ = 0;
};

/// A socketpair whose second end the host adopts as a connected guest stream (what wasio-run --waker
/// does); the test closes guest_fd, the destructor the host end.
struct adopted_stream {
  explicit adopted_stream(testbed::host& h) {
    int pair[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    host_end = pair[0];
    guest_fd = h.adopt_stream(pair[1]).value();
  }
  ~adopted_stream() { close_host_end(); }
  adopted_stream(const adopted_stream&) = delete;
  adopted_stream& operator=(const adopted_stream&) = delete;

  void close_host_end() {
    if (host_end >= 0) ::close(host_end);
    host_end = -1;
  }

  int host_end = -1;
  sys::fd_t guest_fd = 0;
};

}  // namespace wasio::guest_test
