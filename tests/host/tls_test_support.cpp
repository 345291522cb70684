#include "tls_test_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace wasio::testbed::test {

namespace {

EVP_PKEY* new_key() { return EVP_EC_gen("P-256"); }

void write_key(EVP_PKEY* key, const std::string& path, bool encrypted) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  static char passphrase[] = "secret";
  PEM_write_PrivateKey(f, key, encrypted ? EVP_aes_128_cbc() : nullptr,
                       encrypted ? reinterpret_cast<unsigned char*>(passphrase) : nullptr, encrypted ? 6 : 0, nullptr,
                       nullptr);
  std::fclose(f);
}

tls_files make_files() {
  tls_files files;
  char pattern[] = "/tmp/wasio-tls-test-XXXXXX";
  files.folder = ::mkdtemp(pattern);
  files.cert = files.folder + "/cert.pem";
  files.key = files.folder + "/key.pem";
  files.other_key = files.folder + "/other_key.pem";
  files.encrypted_key = files.folder + "/encrypted_key.pem";
  files.garbage = files.folder + "/garbage.pem";
  EVP_PKEY* key = new_key();
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600L * 24 * 30);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  std::FILE* f = std::fopen(files.cert.c_str(), "w");
  PEM_write_X509(f, cert);
  std::fclose(f);
  write_key(key, files.key, false);
  write_key(key, files.encrypted_key, true);
  EVP_PKEY* other = new_key();
  write_key(other, files.other_key, false);
  std::ofstream(files.garbage) << "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
  EVP_PKEY_free(other);
  X509_free(cert);
  EVP_PKEY_free(key);
  return files;
}

}  // namespace

const tls_files& test_tls_files() {
  static const tls_files files = make_files();
  static const struct remover {
    ~remover() { std::filesystem::remove_all(files.folder); }
  } remove_at_exit;
  return files;
}

std::shared_ptr<const tls_context> test_tls_context() {
  std::string problem;
  auto context = tls_context::load(test_tls_files().cert, test_tls_files().key, problem);
  EXPECT_TRUE(context) << problem;
  return context ? *context : nullptr;
}

tls_host::tls_host(tls_host_options options) : null_fd_(::open("/dev/null", O_RDWR | O_CLOEXEC)) {
  host_config config;
  config.semantics = options.semantics;
  for (std::size_t i = 0; i < options.tls_listeners; ++i) config.listeners.push_back({"127.0.0.1", 0, true});
  config.tls = test_tls_context();
  config.tls_bounds = options.limits;
  config.stdin_fd = config.stdout_fd = config.stderr_fd = null_fd_;
  auto created = host::create(std::move(config));
  EXPECT_TRUE(created);
  if (created) host_ = std::move(*created);
}

tls_host::~tls_host() {
  host_.reset();
  ::close(null_fd_);
}

void tls_host::spin_once() {
  auto outcome = poll(*host_, {clock_subscription(1, abi::clockid::monotonic, 5'000'000)});
  EXPECT_EQ(outcome.result, errc::success);
}

abi::event tls_host::wait(abi::fd fd, bool write) {
  auto outcome = poll(*host_, {write ? write_subscription(7, fd) : read_subscription(7, fd), safety_clock()});
  EXPECT_EQ(outcome.result, errc::success);
  EXPECT_FALSE(outcome.events.empty());
  if (outcome.events.empty()) return {};
  EXPECT_EQ(outcome.events[0].user, 7u) << "the safety clock fired first";
  return outcome.events[0];
}

abi::fd tls_host::accept(abi::fdflags flags, std::size_t listener_index) {
  abi::fd accepted = 0;
  for (int attempt = 0; attempt < 100; ++attempt) {
    wait(listener(listener_index));
    errc result = host_->sock_accept(listener(listener_index), flags, accepted);
    if (result == errc::success) return accepted;
    EXPECT_EQ(result, errc::again) << name(result);
  }
  ADD_FAILURE() << "no connection to accept";
  return 0;
}

int raw_connect(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  timeval guard{30, 0};  // only against hangs
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &guard, sizeof guard);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &guard, sizeof guard);
  return fd;
}

std::string raw_read_to_end(int fd) {
  std::string all;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return all;
    all.append(buffer, static_cast<std::size_t>(n));
  }
}

tls_client::tls_client(std::uint16_t port, options o) {
  fd_ = raw_connect(port);
  ctx_ = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_max_proto_version(ctx_, o.max_version);
  SSL_CTX_load_verify_locations(ctx_, test_tls_files().cert.c_str(), nullptr);
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, fd_);
  SSL_set_tlsext_host_name(ssl_, "localhost");
  if (o.offer_alpn) {
    static constexpr unsigned char protocols[] = "\x02h2\x08http/1.1";
    SSL_set_alpn_protos(ssl_, protocols, sizeof protocols - 1);
  }
  if (o.resume != nullptr) SSL_set_session(ssl_, o.resume);
  ok_ = SSL_connect(ssl_) == 1;
  ERR_clear_error();
}

tls_client::~tls_client() {
  SSL_free(ssl_);
  SSL_CTX_free(ctx_);
  if (fd_ >= 0) ::close(fd_);
}

void tls_client::send(const std::string& text) {
  std::size_t written = 0;
  EXPECT_EQ(SSL_write_ex(ssl_, text.data(), text.size(), &written), 1);
  EXPECT_EQ(written, text.size());
}

std::string tls_client::receive(std::size_t count) {
  std::string data;
  char buffer[16384];
  while (data.size() < count) {
    std::size_t got = 0;
    if (SSL_read_ex(ssl_, buffer, std::min(sizeof buffer, count - data.size()), &got) != 1) break;
    data.append(buffer, got);
  }
  ERR_clear_error();
  return data;
}

std::string tls_client::receive_all(bool& clean) {
  std::string data;
  char buffer[16384];
  for (;;) {
    std::size_t got = 0;
    if (SSL_read_ex(ssl_, buffer, sizeof buffer, &got) == 1) {
      data.append(buffer, got);
      continue;
    }
    clean = SSL_get_error(ssl_, 0) == SSL_ERROR_ZERO_RETURN;
    ERR_clear_error();
    return data;
  }
}

void tls_client::close_notify() {
  SSL_shutdown(ssl_);
  ERR_clear_error();
}

void tls_client::shutdown_tcp_write() { ::shutdown(fd_, SHUT_WR); }

void tls_client::close_tcp() {
  ::close(fd_);
  fd_ = -1;
}

SSL_SESSION* tls_client::session() { return SSL_get1_session(ssl_); }

std::string tls_client::alpn() const {
  const unsigned char* p = nullptr;
  unsigned n = 0;
  SSL_get0_alpn_selected(ssl_, &p, &n);
  return std::string(reinterpret_cast<const char*>(p), n);
}

}  // namespace wasio::testbed::test
