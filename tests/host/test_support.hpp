#pragma once
// Shared helpers for the host core tests: a host with stdio on pipes, loopback TCP clients,
// subscription builders, and an end-of-test check that nothing was left open.

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "wasio/testbed/host.hpp"

namespace wasio::testbed::test {

/// A pipe whose two ends the harness closes.
struct pipe_pair {
  int read_end = -1;
  int write_end = -1;
};

struct harness_options {
  profile semantics = profile::strict;
  std::size_t listeners = 1;
  std::size_t max_open_fds = 16384;
  std::size_t max_poll_subscriptions = 65536;
  /// host_config::first_dynamic_fd (0: right after the listeners).
  abi::fd first_dynamic_fd = 0;
  /// The guest's stdout: -1 for the harness pipe, else a descriptor the test owns (e.g. /dev/null).
  int stdout_fd = -1;
  std::FILE* trace = nullptr;
  fault_config faults = {};
  std::vector<std::string> args = {};
  std::vector<std::string> env = {};
  /// host_config::connections.
  std::shared_ptr<connection_observer> connections = nullptr;
};

/// One host on 127.0.0.1 listeners, stdio on pipes. Its destructor checks the test left the host at
/// stdio + listeners and the process with the descriptors it had before the harness.
class harness {
 public:
  explicit harness(harness_options options = {});
  explicit harness(profile semantics) : harness(harness_options{.semantics = semantics}) {}
  ~harness();
  harness(const harness&) = delete;
  harness& operator=(const harness&) = delete;

  host& h() { return *host_; }
  abi::fd listener(std::size_t i = 0) const { return 3 + static_cast<abi::fd>(i); }
  std::uint16_t port(std::size_t i = 0) const { return host_->listeners().at(i).port; }

  /// A connected blocking client socket (closed by the harness unless closed by the test).
  int connect_client(std::size_t listener_index = 0);
  /// Accepts the pending connection with `flags`; fails the test if that does not succeed.
  abi::fd accept(abi::fdflags flags = abi::fdflag_nonblock);
  /// connect_client() + accept(): {client socket, guest fd}.
  std::pair<int, abi::fd> connected_pair(abi::fdflags flags = abi::fdflag_nonblock);
  /// Closes a client socket early (e.g. to make the guest see EOF).
  void close_client(int client);
  /// Closes the client with SO_LINGER 0, so the guest's side receives a RST.
  void reset_client(int client);

  pipe_pair stdin_pipe, stdout_pipe, stderr_pipe;
  /// open_fd_count() the destructor expects (tests that close stdio lower it).
  std::size_t expected_open_fds;

 private:
  std::vector<int> clients_;
  std::size_t process_fds_before_;
  std::unique_ptr<host> host_;
};

/// Descriptors open in this process now (/proc/self/fd).
std::size_t process_fd_count();

/// The calling thread's kernel id, for wait_until_blocked from another thread.
int current_thread_id();
/// Returns once thread `tid` of this process sleeps in epoll_wait (the host's only blocking wait),
/// read from /proc/self/task/TID/syscall: a deterministic "the guest is now blocked" for tests that
/// act from another thread. Gives up after a generous bound (it only guards against a hang) and
/// returns false then; the test's own assertions decide.
bool wait_until_blocked(int tid);

abi::subscription clock_subscription(abi::userdata user, abi::clockid clock, abi::timestamp timeout,
                                     abi::subclockflags flags = 0);
abi::subscription read_subscription(abi::userdata user, abi::fd fd);
abi::subscription write_subscription(abi::userdata user, abi::fd fd);

struct poll_outcome {
  errc result;
  std::vector<abi::event> events;
};
/// Calls poll_oneoff with room for one event per subscription.
poll_outcome poll(host& h, const std::vector<abi::subscription>& subscriptions);

/// A relative monotonic clock far in the future: keeps a poll from blocking forever if the code
/// under test is wrong (the test then fails on the missing event, it does not hang).
abi::subscription safety_clock(abi::userdata user = 0xdead);

/// Sends all of `text` from a blocking client socket.
void client_send(int client, std::string_view text);
/// Receives exactly `count` bytes (or until EOF) on a blocking client socket.
std::string client_receive(int client, std::size_t count);

/// Guest-side helpers that fail the test on an unexpected errno.
std::string guest_recv(host& h, abi::fd fd, std::size_t capacity, abi::riflags flags = 0);
std::size_t guest_send(host& h, abi::fd fd, std::string_view text, abi::siflags flags = 0);

}  // namespace wasio::testbed::test
