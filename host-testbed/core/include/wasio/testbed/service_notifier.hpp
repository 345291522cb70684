#pragma once
/// wasio::testbed::service_notifier: readiness and stopping reported to a service manager
/// (sd_notify(3)), for Type=notify units (docs/systemd.md).
///
/// The protocol is one datagram per report on the AF_UNIX SOCK_DGRAM socket named by
/// NOTIFY_SOCKET (a path, or "@name" for the abstract namespace), holding newline-separated
/// VARIABLE=VALUE lines: READY=1, STOPPING=1, STATUS=free text. Written here on plain sockets
/// rather than with libsystemd: sending it is a socket(), a sendto() and a string, and libsystemd
/// would become a shared-library dependency of wasio-run and of every natively linked guest.
/// Who reports what: wasio-run and the native front-end send "READY=1" and a STATUS= once the
/// module loaded and every listener is open, right before the guest runs, and "STOPPING=1" and
/// a STATUS= when the control channel starts a drain (the first SIGTERM / SIGINT).
///
/// Errors: from_environment: nullopt and a one-line `problem` for a NOTIFY_SOCKET that is neither an
/// absolute path nor "@name", longer than a socket address holds, or a socket(2) failure (the
/// embedder warns and runs on: a service manager that gets no READY=1 reports the unit failed
/// itself). notify: the sendto(2) errno as errc (noent, connrefused: nobody listens; again: the
/// receiver's queue is full).
/// Notes: from_environment unsets NOTIFY_SOCKET so no child process reports for this one. notify
/// may be called from any thread (one sendto per report). vsock addresses ("vsock:CID:PORT") are
/// refused as unsupported.

#include <optional>
#include <string>
#include <string_view>

#include <sys/socket.h>
#include <sys/un.h>

#include "wasio/result.hpp"

namespace wasio::testbed {

class service_notifier {
 public:
  /// A notifier that reports nowhere (no NOTIFY_SOCKET).
  service_notifier() = default;
  /// From NOTIFY_SOCKET, which it unsets; unset or empty: a notifier that reports nowhere.
  static std::optional<service_notifier> from_environment(std::string& problem);
  /// To `address` ("/path" or "@abstract"). Errors (problem): see the header comment.
  static std::optional<service_notifier> to(std::string_view address, std::string& problem);
  service_notifier(service_notifier&& other) noexcept;
  service_notifier& operator=(service_notifier&& other) noexcept;
  service_notifier(const service_notifier&) = delete;
  service_notifier& operator=(const service_notifier&) = delete;
  ~service_notifier();

  /// Whether reports go anywhere.
  bool active() const { return fd_ >= 0; }
  /// Sends `state` ("READY=1\nSTATUS=serving 2 listeners") as one datagram; success and nothing
  /// sent when inactive. Errors: see the header comment.
  result<void> notify(std::string_view state) const;

 private:
  int fd_ = -1;
  sockaddr_un address_{};
  socklen_t address_length_ = 0;
};

}  // namespace wasio::testbed
