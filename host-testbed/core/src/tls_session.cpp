// The TLS engine of one connection over OpenSSL 3 (see tls_session.hpp).
#include "tls_session.hpp"

#include <sys/socket.h>

#include <openssl/err.h>

#include <cerrno>
#include <cstring>

namespace wasio::testbed {

namespace {

/// Once the queue is empty again, capacity beyond this is returned to the heap, so an idle
/// connection does not keep the buffer a large response needed.
constexpr std::size_t kept_queue_capacity = 16 * 1024;

std::string openssl_reason(unsigned long error) {
  if (error == 0) return "no OpenSSL error";
  char text[256];
  ERR_error_string_n(error, text, sizeof text);
  return text;
}

}  // namespace

std::string_view describe(tls_failure f) {
  switch (f) {
    case tls_failure::none: return "none";
    case tls_failure::plain_http: return "plain HTTP to the TLS port";
    case tls_failure::bad_handshake: return "bad handshake";
    case tls_failure::oversized: return "oversized record";
    case tls_failure::vanished: return "client left during the handshake";
    case tls_failure::renegotiation: return "renegotiation attempt";
    case tls_failure::broken: return "broken session";
    case tls_failure::reset: return "connection reset";
  }
  return "?";
}

BIO_METHOD* tls_session::queue_method() {
  // Lifetime: one method for the process, built on first use (thread-safe static), never freed.
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "wasio tls output queue");
    if (m == nullptr) return m;
    BIO_meth_set_write(m, &tls_session::write_to_queue);
    BIO_meth_set_ctrl(m, &tls_session::control_queue);
    BIO_meth_set_create(m, [](BIO* bio) {
      BIO_set_init(bio, 1);
      return 1;
    });
    return m;
  }();
  return method;
}

int tls_session::write_to_queue(BIO* bio, const char* data, int size) {
  auto* self = static_cast<tls_session*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (self == nullptr || size < 0) return -1;
  auto* bytes = reinterpret_cast<const std::byte*>(data);
  self->out_.insert(self->out_.end(), bytes, bytes + size);
  return size;
}

long tls_session::control_queue(BIO* bio, int command, long, void*) {
  auto* self = static_cast<tls_session*>(BIO_get_data(bio));
  switch (command) {
    case BIO_CTRL_FLUSH: return 1;  // the host flushes after each call into OpenSSL
    case BIO_CTRL_WPENDING: return self != nullptr ? static_cast<long>(self->queued()) : 0;
    case BIO_CTRL_PENDING: return 0;
    default: return 0;
  }
}

void tls_session::info_callback(const SSL* ssl, int where, int ret) {
  auto* self = static_cast<tls_session*>(SSL_get_app_data(ssl));
  if (self == nullptr) return;
  // TLS 1.2 renegotiation: a new handshake after the first (TLS 1.3 has none; its post-handshake
  // messages also start "handshakes" here), or the no_renegotiation alert OpenSSL sends when
  // SSL_OP_NO_RENEGOTIATION makes it ignore a ClientHello. Either way the host closes the session.
  if ((where & SSL_CB_HANDSHAKE_START) && self->handshake_done_ && SSL_version(ssl) < TLS1_3_VERSION)
    self->renegotiation_attempted_ = true;
  if ((where & SSL_CB_WRITE_ALERT) == SSL_CB_WRITE_ALERT && (ret & 0xff) == SSL_AD_NO_RENEGOTIATION)
    self->renegotiation_attempted_ = true;
}

std::unique_ptr<tls_session> tls_session::create(SSL_CTX* context, int socket_fd) {
  BIO_METHOD* method = queue_method();
  if (method == nullptr) return nullptr;
  SSL* ssl = SSL_new(context);
  if (ssl == nullptr) return nullptr;
  std::unique_ptr<tls_session> session(new tls_session(ssl, socket_fd));
  BIO* output = BIO_new(method);
  // Lifetime: SSL_set_rfd makes the reading socket BIO; SSL_set0_wbio hands the queue BIO to ssl.
  if (output == nullptr || SSL_set_rfd(ssl, socket_fd) != 1) {
    BIO_free(output);
    return nullptr;
  }
  BIO_set_data(output, session.get());
  SSL_set0_wbio(ssl, output);
  SSL_set_app_data(ssl, session.get());
  SSL_set_info_callback(ssl, &tls_session::info_callback);
  SSL_set_accept_state(ssl);
  return session;
}

tls_session::tls_session(SSL* ssl, int fd) : ssl_(ssl), fd_(fd) {}

tls_session::~tls_session() { SSL_free(ssl_); }

tls_outcome tls_session::classify(int ret) {
  // Safety: errno is read first, before anything else can change it.
  const int system_error = errno;
  const int kind = SSL_get_error(ssl_, ret);
  if (kind == SSL_ERROR_WANT_READ) {
    ERR_clear_error();
    return tls_outcome::want_read;
  }
  if (kind == SSL_ERROR_ZERO_RETURN) {
    ERR_clear_error();
    return tls_outcome::closed;
  }
  const unsigned long error = ERR_peek_last_error();
  const bool from_ssl = ERR_GET_LIB(error) == ERR_LIB_SSL;
  const int reason = ERR_GET_REASON(error);
  tls_failure failure = handshake_done_ ? tls_failure::broken : tls_failure::bad_handshake;
  if (kind == SSL_ERROR_SYSCALL) {
    if (error == 0 && system_error == 0) {
      // End of stream without close_notify (older OpenSSL reports it this way).
      if (handshake_done_) return tls_outcome::truncated;
      failure = tls_failure::vanished;
      reason_ = "end of stream";
    } else {
      const bool reset = error == 0 && (system_error == ECONNRESET || system_error == EPIPE);
      failure = !handshake_done_ ? tls_failure::vanished : reset ? tls_failure::reset : tls_failure::broken;
      reason_ = error != 0 ? openssl_reason(error) : std::strerror(system_error);
    }
  } else {
    reason_ = openssl_reason(error);
    if (from_ssl) {
      switch (reason) {
        case SSL_R_HTTP_REQUEST:
        case SSL_R_HTTPS_PROXY_REQUEST: failure = tls_failure::plain_http; break;
        case SSL_R_PACKET_LENGTH_TOO_LONG:
        case SSL_R_ENCRYPTED_LENGTH_TOO_LONG:
        case SSL_R_DATA_LENGTH_TOO_LONG:
        case SSL_R_EXCESSIVE_MESSAGE_SIZE: failure = tls_failure::oversized; break;
        case SSL_R_UNEXPECTED_EOF_WHILE_READING:
          if (handshake_done_) {
            ERR_clear_error();
            return tls_outcome::truncated;
          }
          failure = tls_failure::vanished;
          break;
        default: break;
      }
    }
  }
  if (renegotiation_attempted_) failure = tls_failure::renegotiation;
  failure_ = failure;
  ERR_clear_error();
  return tls_outcome::failed;
}

tls_outcome tls_session::handshake() {
  if (failure_ != tls_failure::none) return tls_outcome::failed;
  ERR_clear_error();
  errno = 0;
  const int ret = SSL_do_handshake(ssl_);
  if (ret == 1) {
    handshake_done_ = true;
    return tls_outcome::ok;
  }
  return classify(ret);
}

tls_outcome tls_session::read(std::byte* data, std::size_t size, std::size_t& got) {
  got = 0;
  if (failure_ != tls_failure::none) return tls_outcome::failed;
  ERR_clear_error();
  errno = 0;
  const int ret = SSL_read_ex(ssl_, data, size, &got);
  if (renegotiation_attempted_) {
    failure_ = tls_failure::renegotiation;
    reason_ = "the client asked for a new handshake";
    got = 0;
    ERR_clear_error();
    return tls_outcome::failed;
  }
  if (ret == 1) return tls_outcome::ok;
  got = 0;
  return classify(ret);
}

tls_outcome tls_session::peek(std::byte* data, std::size_t size, std::size_t& got) {
  got = 0;
  if (failure_ != tls_failure::none) return tls_outcome::failed;
  ERR_clear_error();
  errno = 0;
  const int ret = SSL_peek_ex(ssl_, data, size, &got);
  if (renegotiation_attempted_) {
    failure_ = tls_failure::renegotiation;
    reason_ = "the client asked for a new handshake";
    got = 0;
    ERR_clear_error();
    return tls_outcome::failed;
  }
  if (ret == 1) return tls_outcome::ok;
  got = 0;
  return classify(ret);
}

bool tls_session::write(const std::byte* data, std::size_t size) {
  if (failure_ != tls_failure::none || close_notify_sent_) return false;
  std::size_t written = 0;
  ERR_clear_error();
  // The queue BIO takes every record, so OpenSSL writes all of `size` (as records of at most 16 KiB).
  const int ret = SSL_write_ex(ssl_, data, size, &written);
  if (ret == 1 && written == size) return true;
  classify(ret);
  if (failure_ == tls_failure::none) failure_ = tls_failure::broken;
  return false;
}

void tls_session::send_close_notify() {
  if (close_notify_sent_ || failure_ != tls_failure::none || !handshake_done_) return;
  close_notify_sent_ = true;
  ERR_clear_error();
  // 0: sent, the peer's not seen yet; 1: both; either way nothing more to do (no waiting for the peer).
  (void)SSL_shutdown(ssl_);
  ERR_clear_error();
}

tls_session::flush_result tls_session::flush(int& error) {
  error = 0;
  while (out_head_ < out_.size()) {
    const ssize_t n = ::send(fd_, out_.data() + out_head_, out_.size() - out_head_, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      out_head_ += static_cast<std::size_t>(n);
      sent_ += static_cast<std::uint64_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (out_head_ > out_.size() / 2) {  // keep the queue compact while it waits
        out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(out_head_));
        out_head_ = 0;
      }
      return flush_result::would_block;
    }
    error = n < 0 ? errno : EPIPE;
    return flush_result::failed;
  }
  out_.clear();
  out_head_ = 0;
  if (out_.capacity() > kept_queue_capacity) std::vector<std::byte>().swap(out_);
  return flush_result::drained;
}

std::size_t tls_session::buffered_plaintext() const { return static_cast<std::size_t>(SSL_pending(ssl_)); }
bool tls_session::has_buffered_input() const { return SSL_has_pending(ssl_) == 1; }
std::uint64_t tls_session::ciphertext_received() const {
  // The reading BIO is the socket BIO SSL_set_rfd made: it counts every byte it took from the socket.
  return BIO_number_read(SSL_get_rbio(ssl_));
}
bool tls_session::resumed() const { return SSL_session_reused(ssl_) == 1; }

bool tls_session::alpn_http11() const {
  const unsigned char* protocol = nullptr;
  unsigned length = 0;
  SSL_get0_alpn_selected(ssl_, &protocol, &length);
  return length == 8 && std::memcmp(protocol, "http/1.1", 8) == 0;
}

std::string_view tls_session::protocol() const { return SSL_get_version(ssl_); }

std::string_view tls_session::server_name() const {
  const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
  return name != nullptr ? name : "";
}

}  // namespace wasio::testbed
