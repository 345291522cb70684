#pragma once
/// wasio::tls::server_config: what every in-guest TLS connection of a server shares: the
/// certificate chain and private key, the session cache, the protocol settings and the counters.
///
/// In-guest TLS is BearSSL 0.6 (Debian's package; docs/tls.md "In-guest TLS"), driven by the
/// runtime: the key lives in guest memory only, and the host sees ciphertext. What a client gets:
/// TLS 1.2 only (BearSSL's ceiling: it has no TLS 1.3, so a client offering only 1.3 gets a
/// protocol_version alert and a clean handshake failure); ECDHE key exchange with AES-128/256-GCM
/// and ChaCha20-Poly1305 (ECDSA or RSA certificates); ALPN from `protocols` (a client offering
/// none of them goes on without ALPN); renegotiation refused; session resumption by session ID from
/// a bounded LRU cache shared by every connection (no tickets).
///
/// Keys and certificates are decoded by BearSSL (its PEM decoder, br_x509_decoder,
/// br_skey_decoder): PEM "CERTIFICATE" blocks, leaf first; the key as "PRIVATE KEY" (PKCS#8),
/// "EC PRIVATE KEY" or "RSA PRIVATE KEY", unencrypted; EC keys on P-256, P-384 or P-521.
///
/// Errors (from_pem, load):
/// - noent, acces, notcapable, isdir, ...: the file could not be opened or read (load; through
///   the pre-opened directories of wasio::fs, so the path is a guest path);
/// - fbig: a file over max_pem_bytes;
/// - badmsg: no certificate, no key, more than max_chain certificates, a PEM or DER decoding error,
///   an encrypted key;
/// - notsup: a key of another kind than RSA or EC, or an EC curve BearSSL does not serve;
/// - inval: the key does not belong to the first certificate;
/// - nomem: never returned (allocation failure traps).
/// `error_detail()` after a failure names the problem in words (e.g. "key does not match the
/// certificate"), for the one line a server prints before it exits.
///
/// Notes:
/// - Lifetime: a server_config must outlive every tls::stream made with it (streams point at its
///   keys, cache and counters). It does not move once streams exist (it is move-only for setup).
/// - Single-threaded like the runtime: the cache and counters are shared without locks.
///
/// Example (compiled in examples/http/main.cpp):
///   auto tls = wasio::tls::server_config::load("/certs/cert.pem", "/certs/key.pem");
///   if (!tls) std::fprintf(stderr, "http: %s\n", wasio::tls::server_config::error_detail());

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "wasio/result.hpp"

namespace wasio::tls {

/// What happened to connections, counted once each (docs/tls.md lists which input lands where).
struct counters {
  std::uint64_t handshakes = 0;       // finished handshakes
  std::uint64_t resumed = 0;          // ... of which resumed a cached session
  std::uint64_t alpn_http11 = 0;      // ... of which selected "http/1.1"
  std::uint64_t plain_http = 0;       // refused: the first bytes looked like an HTTP request
  std::uint64_t bad_handshake = 0;    // refused: not TLS, a wrong version, a malformed or unacceptable hello
  std::uint64_t oversized = 0;        // a record longer than TLS allows (before or after the handshake)
  std::uint64_t vanished = 0;         // the client closed or reset during the handshake
  std::uint64_t timeouts = 0;         // no finished handshake within stream::handshake_within's time
  std::uint64_t broken = 0;           // after the handshake: a bad record, a bad MAC, a fatal alert
  std::uint64_t close_notify = 0;     // ended by the peer's close_notify
  std::uint64_t truncated = 0;        // ended by a TCP close without close_notify
};

/// One line of `name=value` pairs, in the shape of wasio-run's `wasio-tls:` stats line:
/// "handshakes=N resumed=N alpn-http/1.1=N | refused: plain-http=N bad-handshake=N oversized=N
/// vanished=N timeouts=N | after the handshake: broken=N close-notify=N truncated=N".
std::string describe(const counters& c);

/// Sizes of a connection's fixed buffers (allocated once, with the stream).
struct buffer_sizes {
  /// Incoming records: 16 KiB + 325 holds the largest record a client may send (BearSSL's
  /// BR_SSL_BUFSIZE_INPUT). Smaller breaks clients that send full records (they all may).
  std::size_t input = 16384 + 325;
  /// Outgoing records: plaintext is cut into records of at most this minus 85 bytes. 4 KiB of
  /// plaintext per record costs 1.3 % of overhead and saves 12 KiB per connection against 16 KiB.
  std::size_t output = 4096 + 85;
};

struct settings {
  /// ALPN names offered to clients, in the server's preference (empty: no ALPN).
  std::vector<std::string> protocols;
  /// Sessions the LRU cache keeps for resumption (100 bytes each, shared by all connections);
  /// 0 turns resumption off.
  std::size_t session_cache_entries = 1024;
  buffer_sizes buffers;
  /// Bounds on what load() reads and keeps.
  std::size_t max_pem_bytes = 1 << 20;
  std::size_t max_chain = 8;
};

class server_config {
 public:
  /// Decodes PEM text held in memory (the chain, leaf first; the key).
  static result<server_config> from_pem(std::string_view chain_pem, std::string_view key_pem, settings s = {});
  /// Reads both PEM files through wasio::fs (guest paths under a pre-opened directory).
  static result<server_config> load(std::string_view chain_path, std::string_view key_path, settings s = {});
  /// Words for the last from_pem/load failure (static storage; empty after a success).
  static const char* error_detail();

  server_config(server_config&&) noexcept;
  server_config& operator=(server_config&&) noexcept;
  ~server_config();

  /// "EC" or "RSA": the key's kind.
  const char* key_kind() const;
  /// Certificates in the chain.
  std::size_t chain_length() const;
  const settings& options() const;
  counters& stats();
  const counters& stats() const;
  /// Bytes one connection holds beyond its coroutine frames: the engine context and both buffers.
  std::size_t bytes_per_connection() const;
  /// Bytes the shared session cache holds.
  std::size_t session_cache_bytes() const;

  struct state;  // detail: keys, cache, names (guest/tls/server_config.cpp)
  state& detail() const { return *state_; }

 private:
  explicit server_config(std::unique_ptr<state> s);
  std::unique_ptr<state> state_;
};

}  // namespace wasio::tls
