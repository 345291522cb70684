// systemd socket activation: the inherited listeners (sd_listen_fds(3)) and the names the guest reads.

#include "wasio/testbed/socket_activation.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace wasio::testbed {
namespace {

template <class Number>
bool parse_decimal(std::string_view text, Number& value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

std::vector<std::string> split_on_colons(std::string_view joined) {
  std::vector<std::string> parts;
  for (;;) {
    const std::size_t colon = joined.find(':');
    parts.emplace_back(joined.substr(0, colon));
    if (colon == std::string_view::npos) return parts;
    joined.remove_prefix(colon + 1);
  }
}

int socket_option(int fd, int option, int& value) {
  socklen_t length = sizeof value;
  return ::getsockopt(fd, SOL_SOCKET, option, &value, &length) == 0 ? 0 : errno;
}

std::string file_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a pipe";
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  return "not a socket";
}

/// The bound address of a checked listener, numeric, and its port.
void describe_bound_address(int fd, listen_spec& spec) {
  sockaddr_storage local{};
  socklen_t length = sizeof local;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (local.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(local);
    ::inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
    spec.port = ntohs(v6.sin6_port);
  } else {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(local);
    ::inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    spec.port = ntohs(v4.sin_port);
  }
  spec.address = text;
}

}  // namespace

std::optional<activation> parse_activation(const char* listen_pid, const char* listen_fds, const char* listen_fdnames,
                                           pid_t pid, std::string& problem) {
  activation found;
  // As sd_listen_fds: no LISTEN_PID means not activated; a malformed one is an error.
  if (listen_pid == nullptr) return found;
  long long for_pid = 0;
  if (!parse_decimal(std::string_view(listen_pid), for_pid) || for_pid <= 0) {
    problem = std::string("LISTEN_PID=") + listen_pid + " is not a process id";
    return std::nullopt;
  }
  // Meant for another process (a parent that did not unset them): ignored, as sd_listen_fds does.
  if (for_pid != static_cast<long long>(pid)) return found;
  if (listen_fds == nullptr) return found;
  std::size_t count = 0;
  if (!parse_decimal(std::string_view(listen_fds), count)) {
    problem = std::string("LISTEN_FDS=") + listen_fds + " is not a count of sockets";
    return std::nullopt;
  }
  if (count > max_inherited_fds) {
    problem = std::string("LISTEN_FDS=") + listen_fds + " is more sockets than the host can serve (" +
              std::to_string(max_inherited_fds) + ")";
    return std::nullopt;
  }
  found.count = count;
  found.names.assign(count, std::string());
  if (listen_fdnames != nullptr && count > 0) {
    std::vector<std::string> names = split_on_colons(listen_fdnames);
    for (std::size_t i = 0; i < names.size() && i < count; ++i) {
      if (!names[i].empty() && !valid_listener_name(names[i])) {
        problem = "LISTEN_FDNAMES: name " + std::to_string(i + 1) + " '" + names[i] +
                  "' is not a listener name (1 to 255 printable ASCII characters, no ':')";
        return std::nullopt;
      }
      found.names[i] = std::move(names[i]);
    }
  }
  return found;
}

std::string inherited_listener_problem(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return errno == EBADF ? "not open" : std::string("cannot be examined: ") + std::strerror(errno);
  if (!S_ISSOCK(st.st_mode)) return file_kind(st.st_mode) + ", not a socket";
  int type = 0, listening = 0, domain = 0, protocol = 0;
  if (const int e = socket_option(fd, SO_TYPE, type); e != 0) return std::string("SO_TYPE: ") + std::strerror(e);
  if (type != SOCK_STREAM) {
    return type == SOCK_DGRAM       ? "a datagram socket, not a stream socket"
           : type == SOCK_SEQPACKET ? "a seqpacket socket, not a stream socket"
                                    : "not a stream socket";
  }
  if (const int e = socket_option(fd, SO_ACCEPTCONN, listening); e != 0)
    return std::string("SO_ACCEPTCONN: ") + std::strerror(e);
  if (listening == 0) return "a stream socket that is not listening (Accept=yes is not supported)";
  if (const int e = socket_option(fd, SO_DOMAIN, domain); e != 0) return std::string("SO_DOMAIN: ") + std::strerror(e);
  if (domain == AF_UNIX) return "a unix-domain socket: the host serves TCP listeners only";
  if (domain != AF_INET && domain != AF_INET6) return "not an IPv4 or IPv6 socket: the host serves TCP listeners only";
  if (const int e = socket_option(fd, SO_PROTOCOL, protocol); e != 0)
    return std::string("SO_PROTOCOL: ") + std::strerror(e);
  if (protocol != IPPROTO_TCP) return "a stream socket that is not TCP (SCTP?): the host serves TCP listeners only";
  return {};
}

std::optional<std::vector<listen_spec>> take_inherited_listeners(std::string& problem) {
  // Copied before unsetenv invalidates the pointers.
  auto copy = [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    return value ? std::optional<std::string>(value) : std::nullopt;
  };
  const auto pid = copy("LISTEN_PID"), fds = copy("LISTEN_FDS"), names = copy("LISTEN_FDNAMES");
  for (const char* name : {"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"}) ::unsetenv(name);
  auto parsed = parse_activation(pid ? pid->c_str() : nullptr, fds ? fds->c_str() : nullptr,
                                 names ? names->c_str() : nullptr, ::getpid(), problem);
  if (!parsed) return std::nullopt;
  std::vector<listen_spec> listeners;
  for (std::size_t i = 0; i < parsed->count; ++i) {
    const int fd = first_inherited_fd + static_cast<int>(i);
    const std::string& name = parsed->names[i];
    if (std::string why = inherited_listener_problem(fd); !why.empty()) {
      problem = "inherited socket " + std::to_string(i + 1) + " of " + std::to_string(parsed->count) + " (fd " +
                std::to_string(fd) + (name.empty() ? "" : ", named " + name) + ", LISTEN_FDS): " + why;
      return std::nullopt;
    }
    // sd_listen_fds sets FD_CLOEXEC too: the compiler and anything else started must not inherit it.
    if (const int flags = ::fcntl(fd, F_GETFD); flags < 0 || ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) != 0) {
      problem = "inherited socket fd " + std::to_string(fd) + ": cannot make it close-on-exec: " + std::strerror(errno);
      return std::nullopt;
    }
    listen_spec spec;
    spec.inherited_fd = fd;
    spec.name = name;
    describe_bound_address(fd, spec);
    listeners.push_back(std::move(spec));
  }
  return listeners;
}

std::vector<std::string> listener_name_variables(const host_config& config) {
  const bool any_name = std::any_of(config.listeners.begin(), config.listeners.end(),
                                    [](const listen_spec& l) { return !l.name.empty(); });
  const bool announced = std::any_of(config.env.begin(), config.env.end(), [](const std::string& entry) {
    return entry.starts_with("FD_COUNT=") || entry.starts_with("LISTEN_FDS=");
  });
  if (!any_name || announced) return {};
  // fds as host::create numbers them: stdio, directories, listeners. A directory's guest path may
  // hold ':', so directories stay unnamed (the guest skips them anyway: not sockets).
  std::string names = "stdin:stdout:stderr";
  for (std::size_t i = 0; i < config.preopens.size(); ++i) names += ":";
  for (const listen_spec& l : config.listeners) names += ":" + l.name;
  const std::size_t count = 3 + config.preopens.size() + config.listeners.size();
  return {"FD_COUNT=" + std::to_string(count), "FD_NAMES=" + names};
}

}  // namespace wasio::testbed
