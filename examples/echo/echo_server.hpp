#pragma once
/// echo_server: a byte-exact TCP echo server written directly on wasio::sys and one poll_oneoff loop.
///
/// Notes: every readiness event is only a hint (hosts report spurious ones, HOST-SEMANTICS.md 3):
/// each is answered by trying the call and treating errc::again as "not yet". A connection is read
/// only while nothing it sent is still waiting to go back, so a client that stops reading stalls
/// only itself and memory per connection stays bounded by one read buffer.

#include <array>
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "wasio/errc.hpp"
#include "wasio/sys/sys.hpp"

namespace echo {

class echo_server {
 public:
  /// Serves the given listening sockets, which it switches to non-blocking.
  explicit echo_server(std::vector<wasio::sys::fd_t> listeners);

  /// Serves until poll_oneoff fails for a reason other than a transient one; returns that error.
  wasio::errc run();

 private:
  struct connection {
    std::vector<std::byte> pending;  // received, not yet echoed back
    std::size_t sent = 0;            // bytes of `pending` already echoed
    bool peer_finished = false;      // the peer closed its sending side
  };

  void build_subscriptions();
  void accept_from(wasio::sys::fd_t listener);
  void on_readable(wasio::sys::fd_t fd, connection& c, bool hangup);
  void on_writable(wasio::sys::fd_t fd, connection& c);
  /// Echoes `data`, queueing what the socket does not take now. False when the connection died.
  bool echo(wasio::sys::fd_t fd, connection& c, const std::byte* data, std::size_t size);
  /// Flushes what is queued. False when the connection died.
  bool flush(wasio::sys::fd_t fd, connection& c);
  void finish(wasio::sys::fd_t fd);
  void drop(wasio::sys::fd_t fd);

  std::vector<wasio::sys::fd_t> listeners_;
  // Cleared when the process is out of descriptors; set again once a connection closes.
  bool accepting_ = true;
  std::unordered_map<wasio::sys::fd_t, connection> connections_;
  std::vector<wasio::abi::subscription> subscriptions_;
  std::vector<wasio::abi::event> events_;
  std::array<std::byte, 65536> read_buffer_;
};

}  // namespace echo
