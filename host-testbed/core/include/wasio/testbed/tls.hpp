#pragma once
/// Host-terminated TLS for pre-opened listeners (wasio-run --tlslisten, WASIO_TLSLISTEN).
///
/// The host accepts, runs the TLS handshake, and hands the guest a stream that reads and writes
/// plaintext through the ordinary sock_* / fd_* calls; the key never enters guest memory. OpenSSL 3
/// through Boost.Asio's ssl::context; docs/tls.md has the design, the readiness rules and the limits.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "wasio/result.hpp"

namespace wasio::testbed {

/// Limits of the TLS listeners of one host. Every one bounds what a client can make the host hold.
struct tls_limits {
  /// A connection that has not finished its handshake by then is closed (counted as timeout).
  std::chrono::milliseconds handshake_timeout{10'000};
  /// Handshakes in progress at once, over all TLS listeners. At the cap the host stops accepting:
  /// further clients wait in the kernel's backlog, so a flood of stalled clients costs at most
  /// this many sessions.
  std::size_t max_handshakes = 256;
  /// Handshaken connections waiting for the guest's sock_accept, per listener. At the cap the host
  /// stops accepting on that listener until the guest takes one.
  std::size_t max_ready = 256;
  /// Ciphertext queued for the peer per connection before the guest's sends see `again` (the
  /// "room to queue plaintext" of a write subscription is what is left below it).
  std::size_t max_queued_output = 64 * 1024;
  /// After the guest closed a connection, how long the host keeps flushing its queued ciphertext
  /// and close_notify to a slow reader before it drops the connection.
  std::chrono::milliseconds close_linger{5'000};
  /// Closed connections still flushing at once; beyond it a closed connection is dropped at once.
  std::size_t max_closing = 1024;
  /// How often at most the stats line is printed while counters change (0: only at exit).
  std::chrono::milliseconds stats_interval{1'000};
};

/// What the TLS listeners saw, since the host started. Every refused or broken connection is in
/// exactly one failure counter.
struct tls_counters {
  std::uint64_t handshakes = 0;     // completed (resumed ones included)
  std::uint64_t resumed = 0;        // completed by session resumption (a ticket)
  std::uint64_t alpn_http11 = 0;    // completed with ALPN http/1.1 selected
  std::uint64_t plain_http = 0;     // refused: plain HTTP sent to the TLS port
  std::uint64_t bad_handshake = 0;  // refused: garbage, wrong version, bad or truncated ClientHello
  std::uint64_t oversized = 0;      // refused or broken: a record longer than TLS allows
  std::uint64_t vanished = 0;       // the client closed or reset during its handshake
  std::uint64_t timeouts = 0;       // handshake_timeout passed
  std::uint64_t renegotiations = 0; // broken: the client tried to renegotiate (TLS 1.2)
  std::uint64_t broken = 0;         // broken after the handshake (bad MAC, a record out of place...)
  std::uint64_t resets = 0;         // the peer reset the TCP connection after the handshake
  std::uint64_t close_notify = 0;   // the peer ended its sending with close_notify
  std::uint64_t truncated = 0;      // the peer ended with a TCP close without close_notify
  std::uint64_t at_capacity = 0;    // times accepting paused at max_handshakes or max_ready
  std::uint64_t linger_dropped = 0; // closed connections dropped with ciphertext still queued
  std::uint64_t open = 0;           // TLS connections alive now (handshaking, ready, guest's, closing)
  std::uint64_t handshaking = 0;    // of which in their handshake now
  /// Heap bytes OpenSSL holds now (all its allocations, counted through CRYPTO_set_mem_functions),
  /// plus the host's own per-connection output buffers. 0 for OpenSSL when counting was impossible.
  std::uint64_t openssl_bytes = 0;
  std::uint64_t buffer_bytes = 0;
  bool openssl_bytes_known = false;
};

/// A certificate chain and its private key, loaded and checked once, shared by every TLS listener.
class tls_context {
 public:
  /// Loads PEM files (the certificate file may hold the whole chain, leaf first) and checks that
  /// the key matches the certificate. The key must not need a passphrase (none is asked for).
  /// Errors: inval, with `problem` set to one line naming the file and what is wrong with it
  /// (missing or unreadable, not PEM, no certificate, an encrypted key, a key of another certificate).
  static result<std::shared_ptr<tls_context>> load(const std::string& certificate_file,
                                                    const std::string& private_key_file, std::string& problem);
  ~tls_context();
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

  struct impl;
  impl& state() const { return *impl_; }

 private:
  explicit tls_context(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

}  // namespace wasio::testbed
