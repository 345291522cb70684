#pragma once
/// wasio::testbed::connection_observer: what the host knows about each accepted connection, told to
/// the embedder and never to the guest.
///
/// preview1 gives a guest no peer address on purpose (its sock_accept returns only an fd); the
/// WASI discussion's answer for servers that must log addresses is "have code outside the sandbox
/// do that logging". The host core calls an observer the embedder installs (host_config::
/// connections) once when the guest accepts a connection and once when the guest's fd for it goes
/// away (fd_close, fd_renumber onto it, or the host ending), with the bytes that crossed the socket
/// in between. wasio-run's --connection-log is one such observer (connection_log below).
///
/// Threads: the guest thread calls the observer, synchronously, inside sock_accept and fd_close:
/// an observer must be quick and must not call back into the host.
/// Notes: bytes are counted where the host calls the kernel: for a TCP stream every byte recvmsg(2)
/// took (a MSG_PEEK read is not counted: the same bytes come again) and every byte sendmsg(2) took;
/// for a stream behind a TLS listener the CIPHERTEXT read and sent, TLS records and the handshake
/// (done by the host before the guest accepts) included; a close_notify still queued when the guest
/// closes is sent afterwards and not counted.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "wasio/sys/abi.hpp"

namespace wasio::testbed {

struct connection_info {
  abi::fd fd = 0;             // the guest's fd for the connection, as sock_accept returned it
  abi::fd listener_fd = 0;    // the guest's fd of the listener it came through
  std::string listener;       // that listener as bound: "ADDR:PORT" ("[V6]:PORT")
  std::string listener_name;  // its name (--tcplisten NAME=..., LISTEN_FDNAMES), "" when unnamed
  std::string peer_address;   // numeric; empty when getpeername(2) failed (the peer already reset)
  std::uint16_t peer_port = 0;
  bool tls = false;
};

struct connection_totals {
  std::uint64_t received = 0;  // bytes read from the peer
  std::uint64_t sent = 0;      // bytes sent to the peer
  std::chrono::steady_clock::duration duration{};  // from sock_accept to the close
};

class connection_observer {
 public:
  virtual ~connection_observer() = default;
  /// The guest accepted `c` (sock_accept returned c.fd).
  virtual void accepted(const connection_info& c) = 0;
  /// The guest's fd for `c` went away; the host closes the socket right after.
  virtual void closed(const connection_info& c, const connection_totals& totals) = 0;
};

/// The observer behind `wasio-run --connection-log`: one line per event, written with a single
/// write(2) to a descriptor (a file opened O_APPEND, so processes sharing it never cut each other's
/// lines), in logfmt:
///   2026-12-01T11:50:01.123Z accept worker=1 listener=127.0.0.1:8080 peer=127.0.0.1:53422 fd=5
///   2026-12-01T11:50:01.456Z close worker=1 listener=127.0.0.1:8080 peer=127.0.0.1:53422 fd=5
///     received=78 sent=130 duration_ms=333.012        (one line)
/// The time is RFC 3339 UTC with milliseconds; `worker=` appears only once set_worker() was called
/// (wasio-run --workers); `name=NAME` follows a named listener and `tls` a TLS one; an unknown peer
/// is `peer=-`. A name holding a space, '=' or '"' is quoted as logfmt does (name="a b").
/// Errors: none reported to the guest; a failed write is said once on stderr and the log goes on.
class connection_log final : public connection_observer {
 public:
  /// Writes to `fd` (not owned; it must outlive the log).
  explicit connection_log(int fd) : fd_(fd) {}
  /// Names the worker in every later line (0: no worker field).
  void set_worker(unsigned worker) { worker_ = worker; }
  void accepted(const connection_info& c) override;
  void closed(const connection_info& c, const connection_totals& totals) override;
  /// The line accepted()/closed() write (tests): `now` is the wall-clock time printed.
  std::string accept_line(const connection_info& c, std::chrono::system_clock::time_point now) const;
  std::string close_line(const connection_info& c, const connection_totals& totals,
                         std::chrono::system_clock::time_point now) const;

 private:
  void write_line(const std::string& line);
  int fd_;
  unsigned worker_ = 0;
  bool complained_ = false;
};

}  // namespace wasio::testbed
