#pragma once
/// wasio::net::tcp_listener: a listening socket the host pre-opened; accepts non-blocking streams.
///
/// Preview1 cannot create or bind sockets: a guest serves the listeners its host hands it (wasmtime's
/// `--tcplisten`, wasio-run, wazero's `-listen`, Enarx, systemd-style hosts). preopened_listeners()
/// finds them all:
/// - `LISTEN_FDS`=N (systemd): fds 3 .. 3+N-1, named by `LISTEN_FDNAMES` (colon-separated);
/// - else `FD_COUNT`=N (Enarx): fds 0 .. N-1, named by `FD_NAMES`; stdio (fds 0-2) only when
///   `FD_NAMES` names it something other than stdin / stdout / stderr (stdout may be a socket);
/// - else probing fds from 3 up to the first badf, keeping every socket_stream.
/// An fd that is not a usable listener (closed, a pipe, a datagram socket, one the host will not
/// make non-blocking) is skipped: one odd fd never fails discovery of the others.
///
/// Errors:
/// - from_preopened: badf (not open), notsock (not a stream socket), errors of fd_fdstat_set_flags.
/// - accept: again (nothing pending; an edge registration is re-armed), mfile, connaborted, badf.
/// - preopened_listeners: inval (LISTEN_FDS / FD_COUNT not a decimal count), errors of the
///   environment lookups and of sys::find_listeners; never an error of one fd's adoption.
/// Notes:
/// - accept asks sock_accept for a NONBLOCK socket, so the stream is non-blocking from birth (wasi-libc's
///   accept() asks for a blocking one on wasmtime).
/// - Discover at startup, before accepting: an accepted connection is a socket_stream too.
/// - No peer address: see tcp_stream::peer_addr.
///
/// Example (compiled in tests/guest/header_examples_test.cpp):
///   auto listeners = wasio::net::preopened_listeners();
///   for (auto& l : *listeners) poll.registry().register_source(l, wasio::interest::readable).value();
///   ... on a readable event: while (auto s = l.accept()) serve(std::move(*s));

#include <string>
#include <vector>

#include "wasio/io/source.hpp"
#include "wasio/net/tcp_stream.hpp"
#include "wasio/result.hpp"
#include "wasio/sys/sys.hpp"

namespace wasio::net {

class tcp_listener : public source {
 public:
  /// Adopts a pre-opened listening socket and makes it non-blocking. Errors: badf, notsock, inval.
  static result<tcp_listener> from_preopened(sys::fd_t fd, std::string name = {});
  tcp_listener(tcp_listener&& other) noexcept;
  tcp_listener& operator=(tcp_listener&& other) noexcept;
  ~tcp_listener();

  /// Accepts one pending connection as a non-blocking stream. Errors: again, mfile, connaborted, badf.
  result<tcp_stream> accept();
  /// Deregisters and closes. Errors: badf (already closed).
  result<void> close();

  /// The host's name for this listener (LISTEN_FDNAMES / FD_NAMES), empty when it gave none.
  const std::string& name() const { return name_; }
  bool is_open() const { return open_; }

 private:
  tcp_listener(sys::fd_t fd, std::string name) : source(fd), name_(std::move(name)) {}
  std::string name_;
  bool open_ = true;
};

/// Every listener the host pre-opened, in fd order. Errors: see the header comment.
result<std::vector<tcp_listener>> preopened_listeners();

}  // namespace wasio::net
