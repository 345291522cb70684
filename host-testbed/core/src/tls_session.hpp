#pragma once
// One TLS connection's engine: an OpenSSL SSL object that reads ciphertext from the socket itself
// and writes ciphertext into a queue the host flushes (the shape of Asio's ssl engine and nginx's
// ngx_ssl_*): so a send never blocks inside OpenSSL, the queued bytes are known ("ciphertext
// pending") and bounded by the caller, and every outcome is a value. No Asio here.

#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wasio::testbed {

enum class tls_outcome : std::uint8_t {
  ok,         // progress (bytes moved, handshake done)
  want_read,  // nothing until more ciphertext arrives (the socket said EAGAIN)
  closed,     // the peer's close_notify
  truncated,  // the peer's TCP close without close_notify
  failed,     // the session is unusable; failure() says why
};

/// Why a session failed, for the counters (tls_counters) and the trace.
enum class tls_failure : std::uint8_t {
  none, plain_http, bad_handshake, oversized, vanished, renegotiation, broken, reset };
std::string_view describe(tls_failure f);

class tls_session {
 public:
  /// A server session reading from `socket_fd` (not owned). nullptr when OpenSSL cannot make one.
  static std::unique_ptr<tls_session> create(SSL_CTX* context, int socket_fd);
  ~tls_session();
  tls_session(const tls_session&) = delete;
  tls_session& operator=(const tls_session&) = delete;

  tls_outcome handshake();
  /// Decrypted bytes into `data`; ok with got > 0, or another outcome with got == 0.
  tls_outcome read(std::byte* data, std::size_t size, std::size_t& got);
  tls_outcome peek(std::byte* data, std::size_t size, std::size_t& got);
  /// Encrypts all of `data` into the output queue; false when the session cannot send (broken or
  /// already shut down for writing). Never blocks: callers bound what they give by queued().
  bool write(const std::byte* data, std::size_t size);
  /// Queues close_notify (once); later writes fail.
  void send_close_notify();

  enum class flush_result : std::uint8_t { drained, would_block, failed };
  /// Sends queued ciphertext until the socket would block; `error` is the errno on failed.
  flush_result flush(int& error);
  std::size_t queued() const { return out_.size() - out_head_; }

  /// Decrypted bytes OpenSSL holds for the next read (no syscall).
  std::size_t buffered_plaintext() const;
  /// OpenSSL holds received bytes it has not processed yet (a read may succeed without a syscall).
  bool has_buffered_input() const;

  tls_failure failure() const { return failure_; }
  /// OpenSSL's reason (or the system error) behind the last failure, for the trace.
  const std::string& reason() const { return reason_; }
  bool handshake_done() const { return handshake_done_; }
  bool close_notify_sent() const { return close_notify_sent_; }
  bool resumed() const;
  bool alpn_http11() const;
  std::string_view protocol() const;
  std::string_view server_name() const;
  /// Bytes the host's own buffers hold for this session (OpenSSL's are counted separately).
  std::size_t buffer_bytes() const { return out_.capacity(); }
  /// Ciphertext read from and sent to the socket so far, handshake included (connection_observer).
  std::uint64_t ciphertext_received() const;
  std::uint64_t ciphertext_sent() const { return sent_; }

 private:
  tls_session(SSL* ssl, int fd);
  tls_outcome classify(int ret);
  static int write_to_queue(BIO* bio, const char* data, int size);
  static long control_queue(BIO* bio, int command, long number, void* pointer);
  static BIO_METHOD* queue_method();
  static void info_callback(const SSL* ssl, int where, int ret);

  SSL* ssl_;
  int fd_;
  std::vector<std::byte> out_;
  std::size_t out_head_ = 0;
  std::uint64_t sent_ = 0;
  tls_failure failure_ = tls_failure::none;
  std::string reason_;
  bool handshake_done_ = false;
  bool close_notify_sent_ = false;
  bool renegotiation_attempted_ = false;
};

}  // namespace wasio::testbed
