// sd_notify(3) on plain sockets: one datagram per report to NOTIFY_SOCKET.

#include "wasio/testbed/service_notifier.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "errno_map.hpp"

namespace wasio::testbed {

std::optional<service_notifier> service_notifier::from_environment(std::string& problem) {
  const char* value = std::getenv("NOTIFY_SOCKET");
  const std::string address = value ? value : "";
  ::unsetenv("NOTIFY_SOCKET");
  if (address.empty()) return service_notifier();
  return to(address, problem);
}

std::optional<service_notifier> service_notifier::to(std::string_view address, std::string& problem) {
  service_notifier n;
  const std::string shown = "NOTIFY_SOCKET=" + std::string(address);
  if (address.empty() || (address.front() != '/' && address.front() != '@')) {
    problem = shown + (address.starts_with("vsock:") ? ": vsock notify sockets are not supported"
                                                     : ": not an absolute path or @abstract name");
    return std::nullopt;
  }
  if (address.size() > sizeof n.address_.sun_path - (address.front() == '/' ? 1 : 0)) {
    problem = shown + ": longer than a unix socket address holds";
    return std::nullopt;
  }
  n.address_.sun_family = AF_UNIX;
  std::memcpy(n.address_.sun_path, address.data(), address.size());
  // An abstract name starts with a NUL and is exactly as long as given (no terminator).
  if (address.front() == '@') n.address_.sun_path[0] = '\0';
  n.address_length_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() +
                                             (address.front() == '/' ? 1 : 0));
  n.fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (n.fd_ < 0) {
    problem = shown + ": socket: " + std::strerror(errno);
    return std::nullopt;
  }
  return n;
}

service_notifier::service_notifier(service_notifier&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), address_(other.address_), address_length_(other.address_length_) {}

service_notifier& service_notifier::operator=(service_notifier&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    address_ = other.address_;
    address_length_ = other.address_length_;
  }
  return *this;
}

service_notifier::~service_notifier() {
  if (fd_ >= 0) ::close(fd_);
}

result<void> service_notifier::notify(std::string_view state) const {
  if (fd_ < 0) return {};
  ssize_t sent;
  do {
    // MSG_NOSIGNAL: a datagram socket raises no SIGPIPE, but the flag costs nothing and says so.
    sent = ::sendto(fd_, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&address_),
                    address_length_);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return fail(from_errno(errno));
  return {};
}

}  // namespace wasio::testbed
