#pragma once
// Helpers for the TLS listener tests: throw-away certificates made with OpenSSL's API, a host with
// TLS listeners, and a blocking OpenSSL client that runs on its own thread while the test plays the
// guest (the host only moves while the guest calls it).

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "wasio/testbed/host.hpp"

namespace wasio::testbed::test {

/// A folder of PEM files: cert.pem + key.pem (EC P-256, CN localhost), other_key.pem (a key of no
/// certificate here), encrypted_key.pem (key.pem under a passphrase), garbage.pem. Removed at exit.
struct tls_files {
  std::string folder, cert, key, other_key, encrypted_key, garbage;
};
const tls_files& test_tls_files();
std::shared_ptr<const tls_context> test_tls_context();

struct tls_host_options {
  profile semantics = profile::strict;
  std::size_t tls_listeners = 1;
  tls_limits limits = {};
};

/// A host with TLS listeners on 127.0.0.1:0 (fd 3, 4, ...) and stdio on /dev/null.
class tls_host {
 public:
  explicit tls_host(tls_host_options options = {});
  ~tls_host();
  host& h() { return *host_; }
  std::uint16_t port(std::size_t i = 0) const { return host_->listeners().at(i).port; }
  abi::fd listener(std::size_t i = 0) const { return host_->listeners().at(i).fd; }
  /// Polls the listener until a handshaken connection waits (guarded), then accepts it.
  abi::fd accept(abi::fdflags flags = abi::fdflag_nonblock, std::size_t listener_index = 0);
  /// Polls `fd` for `d` until an event comes (guarded); the event.
  abi::event wait(abi::fd fd, bool write = false);
  /// Runs the host (a short poll with a clock) until `done()` holds or a generous guard passes.
  template <class Predicate>
  bool drive_until(Predicate done) {
    auto guard = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!done()) {
      if (std::chrono::steady_clock::now() > guard) return false;
      spin_once();
    }
    return true;
  }
  void spin_once();

 private:
  int null_fd_;
  std::unique_ptr<host> host_;
};

/// A blocking TLS client on a plain TCP socket (all calls from one thread).
class tls_client {
 public:
  struct options {
    int max_version = TLS1_3_VERSION;
    SSL_SESSION* resume = nullptr;  // offered for resumption when set
    bool offer_alpn = true;         // "h2,http/1.1", as curl does
  };
  /// Connects to 127.0.0.1:port and completes the handshake; ok() tells whether it did.
  tls_client(std::uint16_t port, options o);
  explicit tls_client(std::uint16_t port) : tls_client(port, options{}) {}
  ~tls_client();
  bool ok() const { return ok_; }
  void send(const std::string& text);
  /// Reads until `count` bytes or the end of the stream.
  std::string receive(std::size_t count);
  /// Reads to the end; `clean` is set when the end was the server's close_notify.
  std::string receive_all(bool& clean);
  void close_notify();  // SSL_shutdown once: our close_notify, the socket stays open
  void shutdown_tcp_write();
  void close_tcp();     // close(2) without close_notify
  int fd() const { return fd_; }
  SSL* ssl() { return ssl_; }
  /// The session to resume with later (owned by the caller: SSL_SESSION_free).
  SSL_SESSION* session();
  std::string alpn() const;

 private:
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool ok_ = false;
};

/// A connected plain TCP socket to 127.0.0.1:port (blocking).
int raw_connect(std::uint16_t port);
/// Reads until EOF or error (guarded by a receive timeout): what the server sent before closing.
std::string raw_read_to_end(int fd);

}  // namespace wasio::testbed::test
