#pragma once
// Shared by the readiness-layer tests (io, net): a host of a chosen profile with loopback listeners
// and a poll, checking at the end that nothing stayed registered and no guest fd stayed open.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <string>
#include <vector>

#include "wasio/io/poll.hpp"
#include "wasio/net/tcp_listener.hpp"
#include "wasio/testbed/host.hpp"
#include "wasio/testbed/native.hpp"

namespace wasio::readiness_test {

/// A blocking IPv4 loopback client; closed by its destructor.
class client {
 public:
  explicit client(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  }
  ~client() { close(); }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

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

inline constexpr testbed::profile all_profiles[] = {testbed::profile::strict, testbed::profile::wasmtime_legacy,
                                                    testbed::profile::uvwasi};

/// Names parameterized tests after their profile ("wasmtime_legacy").
inline std::string profile_name(const ::testing::TestParamInfo<testbed::profile>& info) {
  std::string text(testbed::name(info.param));
  for (char& c : text)
    if (c == '-') c = '_';
  return text;
}

/// A hang guard for waits in tests: long enough never to fire on a working host.
inline constexpr std::chrono::seconds guard = std::chrono::seconds(30);

class readiness_host {
 public:
  explicit readiness_host(testbed::profile semantics, std::size_t listeners = 1, std::vector<std::string> env = {}) {
    testbed::host_config config;
    config.semantics = semantics;
    config.args = {"readiness_test"};
    config.env = std::move(env);
    for (std::size_t i = 0; i < listeners; ++i) config.listeners.push_back({"127.0.0.1", 0});
    host_ = testbed::host::create(std::move(config)).value();
    installed_.emplace(*host_);
    fds_at_start_ = host_->open_fd_count();
  }
  ~readiness_host() {
    EXPECT_EQ(poll_.registry().size(), 0u) << "a test left a registration behind";
    EXPECT_EQ(poll_.registry().subscription_count(), 0u);
    // Pre-opened listeners a test adopted are closed with their tcp_listener; every other fd must be.
    std::size_t closed_listeners = 0;
    for (const auto& l : host_->listeners()) {
      abi::fdstat stat{};
      closed_listeners += host_->fd_fdstat_get(l.fd, stat) == errc::badf ? 1 : 0;
    }
    EXPECT_EQ(host_->open_fd_count(), fds_at_start_ - closed_listeners) << "a test left a guest fd open";
    installed_.reset();
  }

  testbed::host& host() { return *host_; }
  wasio::poll& poll() { return poll_; }
  wasio::registry& registry() { return poll_.registry(); }
  sys::fd_t listener_fd(std::size_t i = 0) const { return host_->listeners().at(i).fd; }
  std::uint16_t port(std::size_t i = 0) const { return host_->listeners().at(i).port; }

  /// Waits (hang guard: `guard`) until an event for `tok` arrives; returns it, or nullopt.
  std::optional<event> wait_for(token tok) {
    events got;
    const auto deadline = std::chrono::steady_clock::now() + guard;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = poll_.wait(got, std::chrono::milliseconds(200));
      if (!r) {
        ADD_FAILURE() << "wait failed: " << name(r.error());
        return std::nullopt;
      }
      for (const event& e : got)
        if (e.token() == tok) return e;
    }
    return std::nullopt;
  }

 private:
  std::unique_ptr<testbed::host> host_;
  std::optional<testbed::native::scoped_host> installed_;
  wasio::poll poll_;
  std::size_t fds_at_start_ = 0;
};

/// Accepts the next connection on `l`, waiting through the poll; leaves `l` as registered as it was.
inline result<net::tcp_stream> accept_one(readiness_host& h, net::tcp_listener& l) {
  const bool was_registered = l.is_registered();
  if (!was_registered) (void)h.registry().register_source(l, interest::readable).value();
  result<net::tcp_stream> accepted = fail(errc::timedout);
  const auto deadline = std::chrono::steady_clock::now() + guard;
  while (std::chrono::steady_clock::now() < deadline) {
    accepted = l.accept();
    if (accepted || accepted.error() != errc::again) break;
    (void)h.wait_for(l.registration());
  }
  if (!was_registered) h.registry().deregister(l).value();
  return accepted;
}

/// Reads until `size` bytes arrived, the stream ended, or an error; waits through the poll.
inline std::string read_exactly(readiness_host& h, net::tcp_stream& s, std::size_t size) {
  const bool was_registered = s.is_registered();
  if (!was_registered) (void)h.registry().register_source(s, interest::readable).value();
  std::string got;
  std::vector<std::byte> buffer(65536);
  const auto deadline = std::chrono::steady_clock::now() + guard;
  while (got.size() < size && std::chrono::steady_clock::now() < deadline) {
    auto n = s.read(std::span(buffer).first(std::min(buffer.size(), size - got.size())));
    if (!n && n.error() == errc::again) {
      (void)h.wait_for(s.registration());
      continue;
    }
    if (!n || *n == 0) break;
    got += text_of(std::span(buffer).first(*n));
  }
  if (!was_registered) h.registry().deregister(s).value();
  return got;
}

}  // namespace wasio::readiness_test
