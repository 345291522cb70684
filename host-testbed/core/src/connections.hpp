#pragma once
// The connection-observer part of the host core (connection_observer.hpp): the record an accepted
// stream carries while an observer is installed. The socket code only counts bytes into it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "wasio/testbed/connection_observer.hpp"

namespace wasio::testbed {

struct open_fd;

struct observed_connection {
  observed_connection(connection_observer& o, connection_info i, const open_fd& owner)
      : observer(&o), info(std::move(i)), since(std::chrono::steady_clock::now()), owner(&owner) {}
  ~observed_connection() { report(); }
  observed_connection(const observed_connection&) = delete;
  observed_connection& operator=(const observed_connection&) = delete;

  /// Tells the observer the connection closed, once (fd_close calls it before the TLS part takes
  /// the session away; otherwise the destructor does, when the fd goes).
  void report();

  connection_observer* observer;  // Lifetime: host_config::connections keeps it alive
  connection_info info;
  std::chrono::steady_clock::time_point since;
  std::uint64_t received = 0, sent = 0;  // plain TCP; TLS streams read their session's counters
  /// Lifetime: the open_fd this record is the last member of, so the rest of it is still alive
  /// when the destructor runs (open_fds live on the heap: renumbering moves the pointer, not them).
  const open_fd* owner;
  bool reported = false;
};

/// Counts bytes that crossed a stream's socket (no-ops without an observer).
inline void count_received(observed_connection* o, std::size_t n) {
  if (o != nullptr) o->received += n;
}
inline void count_sent(observed_connection* o, std::size_t n) {
  if (o != nullptr) o->sent += n;
}

}  // namespace wasio::testbed
