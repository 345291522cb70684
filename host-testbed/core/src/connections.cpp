// The connection observer (connection_observer.hpp): records for accepted streams, and the
// --connection-log writer. Nothing here is visible to the guest.
#include "connections.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "host_impl.hpp"
#include "tls_internal.hpp"
#include "tls_session.hpp"

namespace wasio::testbed {

namespace {

std::string bracketed(const std::string& address) {
  return address.find(':') != std::string::npos ? "[" + address + "]" : address;
}

/// The peer of a connected socket, numeric; false when the kernel no longer knows it.
bool peer_of(int fd, std::string& address, std::uint16_t& port) {
  sockaddr_storage peer{};
  socklen_t length = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) return false;
  char text[INET6_ADDRSTRLEN] = {};
  if (peer.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(peer);
    ::inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    port = ntohs(v4.sin_port);
  } else if (peer.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(peer);
    ::inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
    port = ntohs(v6.sin6_port);
  } else {
    return false;
  }
  address = text;
  return true;
}

/// A value as logfmt writes it: bare, or quoted with \" and \\ when it holds a space, '=' or '"'
/// (listener names may: systemd allows any printable ASCII but ':').
std::string logfmt_value(const std::string& value) {
  if (value.find_first_of(" =\"\\") == std::string::npos) return value;
  std::string quoted = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

std::string rfc3339_utc(std::chrono::system_clock::time_point now) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm parts{};
  ::gmtime_r(&seconds, &parts);
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1,
                parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, static_cast<int>(ms % 1000));
  return text;
}

}  // namespace

void host::impl::observe_accept(const open_fd& listener, open_fd& stream) {
  if (!config.connections) return;
  connection_info info;
  info.fd = stream.number;
  info.listener_fd = listener.number;
  info.tls = static_cast<bool>(listener.tls_listener);
  for (const bound_listener& l : listeners)
    if (l.fd == listener.number) {
      info.listener = bracketed(l.address) + ":" + std::to_string(l.port);
      info.listener_name = l.name;
    }
  if (!peer_of(stream.host_fd, info.peer_address, info.peer_port)) info.peer_address.clear();
  stream.observed = std::make_unique<observed_connection>(*config.connections, std::move(info), stream);
  config.connections->accepted(stream.observed->info);
}

void observed_connection::report() {
  if (reported) return;
  reported = true;
  connection_totals totals;
  totals.duration = std::chrono::steady_clock::now() - since;
  if (owner->tls && owner->tls->session) {
    totals.received = owner->tls->session->ciphertext_received();
    totals.sent = owner->tls->session->ciphertext_sent();
  } else {
    totals.received = received;
    totals.sent = sent;
  }
  observer->closed(info, totals);
}

std::string connection_log::accept_line(const connection_info& c, std::chrono::system_clock::time_point now) const {
  std::string line = rfc3339_utc(now) + " accept";
  if (worker_ != 0) line += " worker=" + std::to_string(worker_);
  line += " listener=" + (c.listener.empty() ? std::string("-") : c.listener);
  if (!c.listener_name.empty()) line += " name=" + logfmt_value(c.listener_name);
  if (c.tls) line += " tls";
  line += " peer=" + (c.peer_address.empty() ? std::string("-")
                                             : bracketed(c.peer_address) + ":" + std::to_string(c.peer_port));
  line += " fd=" + std::to_string(c.fd);
  return line;
}

std::string connection_log::close_line(const connection_info& c, const connection_totals& totals,
                                       std::chrono::system_clock::time_point now) const {
  std::string line = accept_line(c, now);
  line.replace(line.find(" accept"), 7, " close");
  char figures[96];
  const double ms = std::chrono::duration<double, std::milli>(totals.duration).count();
  std::snprintf(figures, sizeof figures, " received=%" PRIu64 " sent=%" PRIu64 " duration_ms=%.3f", totals.received,
                totals.sent, ms);
  return line + figures;
}

void connection_log::accepted(const connection_info& c) { write_line(accept_line(c, std::chrono::system_clock::now())); }

void connection_log::closed(const connection_info& c, const connection_totals& totals) {
  write_line(close_line(c, totals, std::chrono::system_clock::now()));
}

void connection_log::write_line(const std::string& text) {
  // One write(2) per line: with O_APPEND, lines of processes sharing the file never interleave.
  const std::string line = text + "\n";
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (!complained_) {
      complained_ = true;
      std::fprintf(stderr, "wasio-run: cannot write the connection log: %s (going on without some lines)\n",
                   n < 0 ? std::strerror(errno) : "no progress");
    }
    return;
  }
}

}  // namespace wasio::testbed
