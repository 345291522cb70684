// tls_context: the certificate chain and key behind every TLS listener, on Boost.Asio's
// ssl::context (an SSL_CTX), configured once: TLS 1.2 and 1.3, modern ciphers, ALPN http/1.1,
// session tickets, SNI accepted, no renegotiation. Also counts OpenSSL's heap (tls_counters).
#include <malloc.h>
#include <fcntl.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "tls_internal.hpp"

namespace wasio::testbed {

// --- OpenSSL's heap, counted ------------------------------------------------------------------------

namespace {

std::atomic<std::uint64_t> openssl_heap_bytes{0};
bool openssl_heap_counted = false;

void* counted_malloc(std::size_t size, const char*, int) {
  void* p = std::malloc(size);
  if (p != nullptr) openssl_heap_bytes.fetch_add(malloc_usable_size(p), std::memory_order_relaxed);
  return p;
}

void* counted_realloc(void* old, std::size_t size, const char*, int) {
  const std::size_t before = old != nullptr ? malloc_usable_size(old) : 0;
  void* p = std::realloc(old, size);
  if (p == nullptr) return p;  // a failed realloc leaves `old` as it was (size 0 is not asked by OpenSSL)
  openssl_heap_bytes.fetch_sub(before, std::memory_order_relaxed);
  openssl_heap_bytes.fetch_add(malloc_usable_size(p), std::memory_order_relaxed);
  return p;
}

void counted_free(void* p, const char*, int) {
  if (p == nullptr) return;
  openssl_heap_bytes.fetch_sub(malloc_usable_size(p), std::memory_order_relaxed);
  std::free(p);
}

// OpenSSL accepts allocator hooks only before its first allocation, which Asio's static OpenSSL
// initialisation makes during start-up: so this runs earlier, as a high-priority constructor.
// If OpenSSL refuses anyway, the counters say the figure is unknown.
__attribute__((constructor(101))) void count_openssl_heap() {
  openssl_heap_counted = CRYPTO_set_mem_functions(&counted_malloc, &counted_realloc, &counted_free) == 1;
}

}  // namespace

std::uint64_t tls_openssl_heap_bytes(bool& known) {
  known = openssl_heap_counted;
  return known ? openssl_heap_bytes.load(std::memory_order_relaxed) : 0;
}

// --- Loading ----------------------------------------------------------------------------------------

namespace {

constexpr char tls12_ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string last_openssl_error() {
  unsigned long error = ERR_peek_last_error();
  ERR_clear_error();
  if (error == 0) return "no reason given";
  const char* reason = ERR_reason_error_string(error);
  return reason != nullptr ? reason : "unknown OpenSSL error";
}

/// The file's bytes, or why it cannot be read (strerror).
bool read_file(const std::string& path, std::string& bytes, std::string& why) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    why = std::strerror(errno);
    return false;
  }
  ::close(fd);
  std::ifstream in(path, std::ios::binary);
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) {
    why = "read error";
    return false;
  }
  return true;
}

int refuse_passphrase(char*, int, int, void*) { return 0; }  // never prompt: an encrypted key fails

int select_http11(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* offered,
                  unsigned offered_length, void*) {
  static constexpr unsigned char ours[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, out_length, ours, sizeof ours, offered, offered_length) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;  // a client without http/1.1 (h2 only) goes on without ALPN
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

// One certificate serves every name: any SNI is accepted (and acknowledged).
int accept_any_name(SSL*, int*, void*) { return SSL_TLSEXT_ERR_OK; }

}  // namespace

tls_context::tls_context(std::unique_ptr<impl> state) : impl_(std::move(state)) {}
tls_context::~tls_context() = default;

result<std::shared_ptr<tls_context>> tls_context::load(const std::string& certificate_file,
                                                        const std::string& private_key_file, std::string& problem) {
  std::string certificate_pem, key_pem, why;
  if (!read_file(certificate_file, certificate_pem, why)) {
    problem = "cannot read the TLS certificate '" + certificate_file + "': " + why;
    return fail(errc::inval);
  }
  if (!read_file(private_key_file, key_pem, why)) {
    problem = "cannot read the TLS key '" + private_key_file + "': " + why;
    return fail(errc::inval);
  }
  auto state = std::make_unique<impl>();
  SSL_CTX* ctx = state->context.native_handle();
  ERR_clear_error();
  boost::system::error_code ec;
  state->context.use_certificate_chain_file(certificate_file, ec);
  if (ec) {
    problem = "'" + certificate_file + "' holds no usable PEM certificate chain (" + last_openssl_error() + ")";
    return fail(errc::inval);
  }

  // The key is read here rather than by SSL_CTX_use_PrivateKey_file so that "not a key" and "a key,
  // but another certificate's" get their own messages.
  BIO* bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = bio != nullptr ? PEM_read_bio_PrivateKey(bio, nullptr, &refuse_passphrase, nullptr) : nullptr;
  BIO_free(bio);
  if (key == nullptr) {
    const std::string reason = last_openssl_error();
    if (key_pem.find("ENCRYPTED") != std::string::npos)
      problem = "the TLS key '" + private_key_file +
                "' is encrypted; wasio-run asks for no passphrase: give it an unencrypted key "
                "(openssl pkey -in KEY -out PLAIN-KEY)";
    else
      problem = "'" + private_key_file + "' holds no usable PEM private key (" + reason + ")";
    return fail(errc::inval);
  }
  const int used = SSL_CTX_use_PrivateKey(ctx, key);
  EVP_PKEY_free(key);
  if (used != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    problem = "the TLS key '" + private_key_file + "' does not belong to the certificate in '" + certificate_file + "'";
    return fail(errc::inval);
  }

  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(ctx, tls12_ciphers) != 1) {
    problem = "OpenSSL refuses the TLS 1.2 cipher list (" + last_openssl_error() + ")";
    return fail(errc::inval);
  }
  // Resumption by tickets only: the server keeps no per-session state, so a session cache cannot
  // grow with the number of clients. One TLS 1.3 ticket per handshake is enough for a client to resume.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 1);
  static constexpr unsigned char session_context[] = "wasio-tls";
  SSL_CTX_set_session_id_context(ctx, session_context, sizeof session_context - 1);
  // Idle connections give their 16 KiB record buffers back; read-ahead takes what the socket has.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_read_ahead(ctx, 1);
  SSL_CTX_set_alpn_select_cb(ctx, &select_http11, nullptr);
  SSL_CTX_set_tlsext_servername_callback(ctx, &accept_any_name);
  SSL_CTX_set_default_passwd_cb(ctx, &refuse_passphrase);
  return std::shared_ptr<tls_context>(new tls_context(std::move(state)));
}

}  // namespace wasio::testbed
