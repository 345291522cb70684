#pragma once
// Shared by the sys-layer tests: a host with one loopback listener installed behind wasio::sys,
// and a plain POSIX client to talk to it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "wasio/sys/sys.hpp"
#include "wasio/testbed/host.hpp"
#include "wasio/testbed/native.hpp"

namespace wasio::sys_test {

/// A blocking IPv4 loopback client; closed by its destructor.
class loopback_client {
 public:
  explicit loopback_client(std::uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  }
  ~loopback_client() { close_now(); }
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
  void shutdown_sending() { ::shutdown(fd_, SHUT_WR); }
  void close_now() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  bool connected_ = false;
};

/// A host of the given profile with one listener on 127.0.0.1:0, installed for the test's duration.
/// Checks at the end that the test closed every fd it opened.
class installed_host {
 public:
  explicit installed_host(testbed::profile semantics, std::vector<std::string> args = {"sys_test"},
                          std::vector<std::string> env = {}) {
    testbed::host_config config;
    config.semantics = semantics;
    config.args = std::move(args);
    config.env = std::move(env);
    config.listeners.push_back({"127.0.0.1", 0});
    host_ = testbed::host::create(std::move(config)).value();
    installed_.emplace(*host_);
    fds_at_start_ = host_->open_fd_count();
  }
  ~installed_host() {
    EXPECT_EQ(host_->open_fd_count(), fds_at_start_) << "a test left a guest fd open";
    installed_.reset();
  }

  testbed::host& host() { return *host_; }
  sys::fd_t listener() const { return host_->listeners().at(0).fd; }
  std::uint16_t port() const { return host_->listeners().at(0).port; }

 private:
  std::unique_ptr<testbed::host> host_;
  std::optional<testbed::native::scoped_host> installed_;
  std::size_t fds_at_start_ = 0;
};

/// Waits until `fd` may be ready for `type`, with a monotonic clock subscription as a hang guard
/// (readiness is only a hint: callers still loop on errc::again). False if the guard fired first.
inline bool wait_for(sys::fd_t fd, abi::eventtype type) {
  abi::subscription in[2]{};
  in[0].user = 1;
  in[0].tag = static_cast<std::uint8_t>(type);
  in[0].u.fd_readwrite.file_descriptor = fd;
  in[1].user = 2;
  in[1].tag = static_cast<std::uint8_t>(abi::eventtype::clock);
  in[1].u.clock.id = static_cast<std::uint32_t>(abi::clockid::monotonic);
  in[1].u.clock.timeout = 30'000'000'000ull;
  abi::event out[2]{};
  auto n = sys::poll_oneoff(in, out, 2);
  if (!n) return false;
  for (std::size_t i = 0; i < *n; ++i)
    if (out[i].user == 1) return true;
  return false;
}

/// Accepts the next connection, waiting for it to arrive.
inline result<sys::fd_t> accept_waiting(sys::fd_t listener) {
  while (true) {
    auto accepted = sys::sock_accept(listener, abi::fdflag_nonblock);
    if (accepted || accepted.error() != errc::again) return accepted;
    if (!wait_for(listener, abi::eventtype::fd_read)) return fail(errc::timedout);
  }
}

/// Reads once something (or EOF) is there: the first non-would-block answer of fd_read.
inline result<std::size_t> read_waiting(sys::fd_t fd, std::span<std::byte> into) {
  const sys::buffer b{into.data(), into.size()};
  while (true) {
    auto got = sys::fd_read(fd, std::span(&b, 1));
    if (got || got.error() != errc::again) return got;
    if (!wait_for(fd, abi::eventtype::fd_read)) return fail(errc::timedout);
  }
}

inline std::string as_string(std::span<const std::byte> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace wasio::sys_test
