#pragma once
// The baseline the readiness layer is measured against: mio's WASI design as an echo loop. Every poll
// rebuilds the whole subscription array from the connection table (read, or write while output is
// pending), resubmits it, and maps each event back by its userdata; level-triggered. The echo logic
// and the socket calls (wasio::net::tcp_stream) are the same as echo_poll's, so only the readiness
// machinery differs.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "wasio/net/tcp_listener.hpp"
#include "wasio/net/tcp_stream.hpp"
#include "wasio/sys/abi.hpp"

namespace readiness_bench {

class baseline_echo_server {
 public:
  explicit baseline_echo_server(wasio::net::tcp_listener listener);

  /// Serves until request_stop() (any thread). Errors: a poll failure.
  wasio::result<void> run();
  void request_stop();
  std::size_t open_connections() const { return open_.load(std::memory_order_relaxed); }

 private:
  struct connection {
    wasio::net::tcp_stream stream;
    std::vector<std::byte> pending;
    std::size_t pending_from = 0;
    bool peer_done = false;
    bool open = true;
  };
  void accept_all();
  void serve(connection& c);
  bool flush(connection& c);
  void close(connection& c);

  wasio::net::tcp_listener listener_;
  std::vector<connection> connections_;
  std::vector<wasio::abi::subscription> subscriptions_;
  std::vector<wasio::abi::event> events_;
  std::vector<std::byte> buffer_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> open_{0};
};

}  // namespace readiness_bench
