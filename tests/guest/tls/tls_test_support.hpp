#pragma once
// Shared by the in-guest TLS tests: throw-away certificates made by the openssl command, and an
// OpenSSL client on a blocking loopback socket (run in a thread beside the runtime).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace wasio::tls_test {

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A self-signed certificate and key in a temporary folder: kind "ec" (P-256) or "rsa" (2048).
struct credentials {
  std::filesystem::path folder;
  std::string cert_pem, key_pem;
  std::filesystem::path cert, key;
  explicit credentials(const std::string& kind) {
    char name[] = "/tmp/wasio-tls-guest-XXXXXX";
    folder = ::mkdtemp(name);
    cert = folder / "cert.pem";
    key = folder / "key.pem";
    const std::string keyopt = kind == "ec" ? "-newkey ec -pkeyopt ec_paramgen_curve:P-256" : "-newkey rsa:2048";
    const std::string command = "openssl req -x509 " + keyopt + " -nodes -days 2 -subj /CN=localhost -keyout " +
                                key.string() + " -out " + cert.string() + " 2>/dev/null";
    if (std::system(command.c_str()) == 0) {
      cert_pem = read_text(cert);
      key_pem = read_text(key);
    }
  }
  ~credentials() {
    std::error_code ignored;
    std::filesystem::remove_all(folder, ignored);
  }
  bool ok() const { return !cert_pem.empty() && !key_pem.empty(); }
};

struct client_options {
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  const char* ciphers = nullptr;  // TLS 1.2 cipher list (OpenSSL syntax)
  bool offer_alpn = true;
  SSL_SESSION* session = nullptr;  // resume this one
  bool sni = true;
};

/// One TLS client connection; every call blocks (the server runs in the test's runtime).
class tls_client {
 public:
  tls_client(std::uint16_t port, const client_options& o = {}) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx_, o.min_version);
    SSL_CTX_set_max_proto_version(ctx_, o.max_version);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    if (o.ciphers) SSL_CTX_set_cipher_list(ctx_, o.ciphers);
    // No client-side cache: freeing a context that holds a session marks it not resumable, and
    // each tls_client has its own context (a test resumes by passing the session explicitly).
    SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval guard{30, 0};  // against hangs only
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &guard, sizeof guard);
    connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    if (o.sni) SSL_set_tlsext_host_name(ssl_, "localhost");
    if (o.offer_alpn) {
      static const unsigned char protos[] = "\x02h2\x08http/1.1";
      SSL_set_alpn_protos(ssl_, protos, sizeof protos - 1);
    }
    if (o.session) SSL_set_session(ssl_, o.session);
  }
  ~tls_client() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }
  bool handshake() { return connected_ && SSL_connect(ssl_) == 1; }
  bool send_all(std::string_view data) { return SSL_write(ssl_, data.data(), static_cast<int>(data.size())) == static_cast<int>(data.size()); }
  /// Exactly `size` bytes, or fewer if the stream ended first.
  std::string receive(std::size_t size) {
    std::string got(size, '\0');
    std::size_t have = 0;
    while (have < size) {
      const int n = SSL_read(ssl_, got.data() + have, static_cast<int>(std::min<std::size_t>(size - have, 1 << 20)));
      if (n <= 0) break;
      have += static_cast<std::size_t>(n);
    }
    got.resize(have);
    return got;
  }
  /// True when the server sent close_notify (SSL_read gives ZERO_RETURN).
  bool sees_close_notify() {
    char c;
    const int n = SSL_read(ssl_, &c, 1);
    return n <= 0 && SSL_get_error(ssl_, n) == SSL_ERROR_ZERO_RETURN;
  }
  void close_notify() { SSL_shutdown(ssl_); }
  void raw_send(std::string_view data) { (void)::send(fd_, data.data(), data.size(), MSG_NOSIGNAL); }
  void close_tcp() {
    ::close(fd_);
    fd_ = -1;
  }
  std::string version() const { return SSL_get_version(ssl_); }
  std::string cipher() const { return SSL_get_cipher_name(ssl_); }
  std::string alpn() const {
    const unsigned char* p = nullptr;
    unsigned len = 0;
    SSL_get0_alpn_selected(ssl_, &p, &len);
    return std::string(reinterpret_cast<const char*>(p), len);
  }
  bool reused() const { return SSL_session_reused(ssl_) == 1; }
  SSL_SESSION* session() const { return SSL_get1_session(ssl_); }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool connected_ = false;
};

}  // namespace wasio::tls_test
