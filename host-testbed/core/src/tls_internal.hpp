#pragma once
// The host core's TLS part (tls_context.cpp, tls_session.cpp, tls_streams.cpp): what a TLS
// listener and a TLS connection hold. The socket code only sees pointers to these (host_impl.hpp).

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "host_impl.hpp"
#include "tls_session.hpp"
#include "wasio/testbed/tls.hpp"

namespace wasio::testbed {

struct tls_context::impl {
  asio::ssl::context context{asio::ssl::context::tls_server};
};

/// OpenSSL's heap now; `known` is false when the allocator hooks could not be installed.
std::uint64_t tls_openssl_heap_bytes(bool& known);

/// One TLS connection, from accept(2) to close. Owned, in turn, by tls_service::handshaking (its
/// handshake), a tls_listener_state's ready queue (waiting for sock_accept), the guest's open_fd,
/// and tls_service::closing (flushing after the guest closed it).
/// Lifetime: every Asio handler holds a weak_ptr and does nothing once the connection is gone.
struct tls_service;
struct tls_connection {
  enum class stage : std::uint8_t { handshaking, ready, guest, closing };

  tls_connection(asio::io_context& io, asio::ip::tcp::socket s) : socket(std::move(s)), timer(io) {}
  ~tls_connection();
  tls_connection(const tls_connection&) = delete;
  tls_connection& operator=(const tls_connection&) = delete;

  tls_service* service = nullptr;  // Lifetime: the service outlives its connections (~tls_service)

  std::uint64_t serial = 0;
  stage where = stage::handshaking;
  abi::fd listener = 0;  // the TLS listener it came through
  asio::ip::tcp::socket socket;
  std::unique_ptr<tls_session> session;
  asio::steady_timer timer;  // the handshake deadline, later the close linger
  std::string peer;          // "ADDR:PORT", for the trace

  // The socket's readability as last seen (tokio's rule: set by a completed wait, cleared by EAGAIN).
  bool read_ready = true;
  bool read_armed = false;
  bool write_armed = false;  // a flush waits for the socket to take more ciphertext

  // What the guest sees.
  bool eof = false;              // close_notify or a TCP close arrived: reads give 0 bytes
  bool read_shut = false;        // the guest shut its reading side: reads give 0 bytes
  bool write_shut = false;       // close_notify queued: sends give pipe
  bool fin_after_flush = false;  // shutdown(SHUT_WR) once the queue is empty
  errc failure = errc::success;  // the session broke: the guest's next call gets this once
  bool failure_reported = false;
};

/// A TLS listener's connections that finished their handshake, oldest first.
struct tls_listener_state {
  std::deque<std::shared_ptr<tls_connection>> ready;
  bool accept_armed = false;
  bool paused = false;  // at a cap: accepting resumes when a handshake ends or the guest accepts
  bool backing_off = false;
  std::unique_ptr<asio::steady_timer> backoff;  // out of descriptors: try again a little later
};

/// Everything the TLS listeners of one host share.
struct tls_service {
  tls_service(asio::io_context& io, std::shared_ptr<const tls_context> c, const tls_limits& l, std::FILE* log)
      : context(std::move(c)), limits(l), log(log), stats_timer(io) {}
  ~tls_service();

  std::shared_ptr<const tls_context> context;
  tls_limits limits;
  std::FILE* log;
  tls_counters counters;
  std::uint64_t next_serial = 1;
  std::unordered_map<std::uint64_t, std::shared_ptr<tls_connection>> handshaking;
  std::unordered_map<std::uint64_t, std::shared_ptr<tls_connection>> closing;
  std::vector<abi::fd> listeners;  // TLS listener fds, to resume accepting on
  std::unordered_set<tls_connection*> all;  // every connection alive, for the counters
  std::uint64_t heap_at_start = 0;

  asio::steady_timer stats_timer;
  bool stats_scheduled = false;
  bool stats_changed = false;
  /// Gathers plaintext of several guest buffers into one record (a response head and its body
  /// become one record, not two).
  std::byte gather[16 * 1024];
};

}  // namespace wasio::testbed
