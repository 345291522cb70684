// wasio::tls::stream: BearSSL's server engine driven by the runtime's socket awaits.
//
// The engine says what it can do next (br_ssl_engine_current_state): records to send (SENDREC),
// room for records to receive (RECVREC), application data to give (RECVAPP), room for application
// data to take (SENDAPP), or CLOSED. Every operation is a loop over that state (run_until): send
// what is pending first (a handshake flight, a record the last try_write left, a close_notify),
// stop when the wanted capability is there, otherwise read one more batch of ciphertext straight
// into the engine's input buffer. The buffers are the engine's own, so ciphertext is never copied.

#include "wasio/tls/stream.hpp"

#include <bearssl.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

#include "server_state.hpp"
#include "wasio/rt/time.hpp"
#include "wasio/sys/sys.hpp"

namespace wasio::tls {
namespace {

constexpr std::uint16_t suites[] = {
    BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,       BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,       BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
};

std::string_view suite_name(std::uint16_t id) {
  switch (id) {
    case BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: return "ECDHE-ECDSA-AES128-GCM-SHA256";
    case BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: return "ECDHE-RSA-AES128-GCM-SHA256";
    case BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: return "ECDHE-ECDSA-CHACHA20-POLY1305";
    case BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: return "ECDHE-RSA-CHACHA20-POLY1305";
    case BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: return "ECDHE-ECDSA-AES256-GCM-SHA384";
    case BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: return "ECDHE-RSA-AES256-GCM-SHA384";
    default: return "";
  }
}

// Set in run_until's outcome when the peer closed TCP (a read of 0 bytes) before the engine got
// what it wanted. Outside BearSSL's BR_SSL_* bits.
constexpr unsigned tcp_ended = 1u << 16;

// A view of the shared LRU cache per connection: BearSSL calls load() with this object, so a hit
// can mark its own connection as resumed (BearSSL has no other way to tell).
struct cache_view {
  const br_ssl_session_cache_class* vtable;
  br_ssl_session_cache_lru* lru;
  bool* hit;
};

void cache_save(const br_ssl_session_cache_class** ctx, br_ssl_server_context* sc, const br_ssl_session_parameters* p) {
  auto* view = reinterpret_cast<cache_view*>(ctx);
  view->lru->vtable->save(&view->lru->vtable, sc, p);
}

int cache_load(const br_ssl_session_cache_class** ctx, br_ssl_server_context* sc, br_ssl_session_parameters* p) {
  auto* view = reinterpret_cast<cache_view*>(ctx);
  const int found = view->lru->vtable->load(&view->lru->vtable, sc, p);
  if (found) *view->hit = true;
  return found;
}

constexpr br_ssl_session_cache_class cache_class = {sizeof(cache_view), &cache_save, &cache_load};

// The first bytes of a plain HTTP request, to tell that apart from other non-TLS input.
bool looks_like_http(const unsigned char* p, std::size_t n) {
  constexpr std::string_view methods[] = {"GET ", "POST", "PUT ", "HEAD", "DELE", "OPTI", "PATC", "CONN", "TRAC"};
  const std::string_view start(reinterpret_cast<const char*>(p), n);
  for (std::string_view m : methods)
    if (start.size() >= 4 && start.substr(0, 4) == m) return true;
  return false;
}

}  // namespace

struct stream::state {
  state(rt::tcp_stream t, server_config& c) : tcp(std::move(t)), config(&c) {}
  rt::tcp_stream tcp;
  server_config* config;
  br_ssl_server_context sc;
  cache_view cache{};
  unsigned char* in = nullptr;
  std::size_t in_len = 0;
  unsigned char* out = nullptr;
  std::size_t out_len = 0;
  bool busy = false;
  bool handshake_done = false;
  bool resumed = false;
  bool tcp_eof = false;      // the peer closed TCP: reads end
  bool shut = false;         // shutdown() sent close_notify: writes fail
  bool end_counted = false;  // the connection's end or failure is in the counters
  int error = 0;             // BearSSL's code after a failure
  unsigned char first[4]{};
  std::size_t first_len = 0;
  // Small records (a ChangeCipherSpec, a Finished, an alert) wait here for the next one, so that a
  // flight goes out in one write: BearSSL hands over one record at a time, and separate small
  // writes meet Nagle's algorithm and the peer's delayed ACK (40 ms per handshake; the host's TCP
  // sockets are not TCP_NODELAY, and preview1 has no setsockopt).
  static constexpr std::size_t staging_capacity = 512;
  unsigned char staging[staging_capacity];
  std::size_t staged = 0;

  br_ssl_engine_context* eng() { return &sc.eng; }
  counters& stats() { return config->stats(); }

  // Classifies and counts how the connection ended, once.
  void count_end(bool by_close_notify) {
    if (end_counted) return;
    end_counted = true;
    if (by_close_notify) ++stats().close_notify;
    else ++stats().truncated;
  }
  // The engine closed with an error (or we saw one): counted once, returned as proto.
  failure engine_failed() {
    error = br_ssl_engine_last_error(eng());
    if (!end_counted) {
      end_counted = true;
      if (error == BR_ERR_TOO_LARGE || error == BR_ERR_BAD_LENGTH) ++stats().oversized;
      else if (!handshake_done && looks_like_http(first, first_len)) ++stats().plain_http;
      else if (!handshake_done) ++stats().bad_handshake;
      else ++stats().broken;
    }
    return fail(errc::proto);
  }
  failure vanished(errc code) {
    if (!end_counted) {
      end_counted = true;
      ++stats().vanished;
    }
    return fail(code);
  }

  static void destroy(state* s) {
    s->~state();
    ::operator delete(static_cast<void*>(s));
  }
};

namespace {

// The first `n` staged bytes went out (a canceled flush may have sent part of them).
void drop_staged(stream::state& s, std::size_t n) {
  std::memmove(s.staging, s.staging + n, s.staged - n);
  s.staged -= n;
}

// Sends the engine's pending records now, as far as the socket takes them without waiting.
result<void> push_records(stream::state& s) {
  while (s.staged > 0) {
    auto sent = s.tcp.try_write(std::as_bytes(std::span(s.staging, s.staged)));
    if (!sent && sent.error() == errc::again) return {};
    if (!sent) return fail(sent.error());
    drop_staged(s, *sent);
  }
  for (;;) {
    if ((br_ssl_engine_current_state(s.eng()) & BR_SSL_SENDREC) == 0) return {};
    std::size_t len = 0;
    unsigned char* buf = br_ssl_engine_sendrec_buf(s.eng(), &len);
    auto sent = s.tcp.try_write(std::as_bytes(std::span(buf, len)));
    if (!sent && sent.error() == errc::again) return {};
    if (!sent) return fail(sent.error());
    br_ssl_engine_sendrec_ack(s.eng(), *sent);
  }
}

// Runs the engine until its state has one of `wanted`, it closed, or the peer's TCP ended
// (tcp_ended); the state is the value. Pending records are sent first, whatever is wanted.
task<result<unsigned>> run_until(stream::state& s, unsigned wanted) {
  for (;;) {
    const unsigned st = br_ssl_engine_current_state(s.eng());
    if (st & BR_SSL_SENDREC) {
      std::size_t len = 0;
      unsigned char* buf = br_ssl_engine_sendrec_buf(s.eng(), &len);
      if (len <= stream::state::staging_capacity - s.staged) {
        std::memcpy(s.staging + s.staged, buf, len);  // the engine may have another record right after
        s.staged += len;
        br_ssl_engine_sendrec_ack(s.eng(), len);
        continue;
      }
      if (s.staged > 0) {  // in order: what waits goes first
        auto flushed = co_await s.tcp.write_all(std::as_bytes(std::span(s.staging, s.staged)));
        drop_staged(s, flushed.transferred());
        if (!flushed) co_return fail(flushed.error());
      }
      auto sent = co_await s.tcp.write(std::as_bytes(std::span(buf, len)));
      if (!sent) co_return fail(sent.error());
      br_ssl_engine_sendrec_ack(s.eng(), *sent);
      continue;
    }
    if (s.staged > 0) {  // nothing more to send now: the staged records go out in one write
      auto flushed = co_await s.tcp.write_all(std::as_bytes(std::span(s.staging, s.staged)));
      drop_staged(s, flushed.transferred());
      if (!flushed) co_return fail(flushed.error());
      continue;
    }
    if (st == BR_SSL_CLOSED) co_return st;
    if (st & wanted) co_return st;
    if (s.tcp_eof) co_return st | tcp_ended;
    // Neither closed nor able to take input: BearSSL promises this never happens.
    if ((st & BR_SSL_RECVREC) == 0) co_return fail(errc::proto);
    std::size_t len = 0;
    unsigned char* buf = br_ssl_engine_recvrec_buf(s.eng(), &len);
    auto got = co_await s.tcp.read(std::as_writable_bytes(std::span(buf, len)));
    if (!got) co_return fail(got.error());
    if (*got == 0) {
      s.tcp_eof = true;
      co_return st | tcp_ended;
    }
    if (s.first_len < sizeof s.first) {
      const std::size_t n = std::min(sizeof s.first - s.first_len, *got);
      std::memcpy(s.first + s.first_len, buf, n);
      s.first_len += n;
    }
    br_ssl_engine_recvrec_ack(s.eng(), *got);
  }
}

// One operation at a time: the engine is shared by both directions.
struct busy_guard {
  explicit busy_guard(stream::state& s) : s_(s), owner_(!s.busy) { s.busy = true; }
  ~busy_guard() {
    if (owner_) s_.busy = false;
  }
  bool owner() const { return owner_; }
  stream::state& s_;
  bool owner_;
};

}  // namespace

result<stream> stream::accept(rt::tcp_stream tcp, server_config& config) {
  const settings& opts = config.options();
  server_config::state& cfg = config.detail();
  // One allocation for the engine context and both record buffers.
  const std::size_t head = (sizeof(state) + 15) & ~std::size_t{15};
  void* block = ::operator new(head + opts.buffers.input + opts.buffers.output);
  std::unique_ptr<state, void (*)(state*)> s(new (block) state(std::move(tcp), config), &state::destroy);
  s->in = static_cast<unsigned char*>(block) + head;
  s->in_len = opts.buffers.input;
  s->out = s->in + s->in_len;
  s->out_len = opts.buffers.output;

  br_ssl_server_context* sc = &s->sc;
  if (cfg.key_type == BR_KEYTYPE_EC)
    br_ssl_server_init_full_ec(sc, cfg.chain.data(), cfg.chain.size(), static_cast<unsigned>(cfg.issuer_key_type),
                               &cfg.ec_key);
  else
    br_ssl_server_init_full_rsa(sc, cfg.chain.data(), cfg.chain.size(), &cfg.rsa_key);
  br_ssl_engine_context* eng = &sc->eng;
  br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
  br_ssl_engine_set_suites(eng, suites, sizeof suites / sizeof suites[0]);
  br_ssl_engine_add_flags(eng, BR_OPT_NO_RENEGOTIATION);
  br_ssl_engine_set_buffers_bidi(eng, s->in, s->in_len, s->out, s->out_len);
  if (!cfg.cache_store.empty()) {
    s->cache = cache_view{&cache_class, &cfg.cache, &s->resumed};
    br_ssl_server_set_cache(sc, &s->cache.vtable);
  }
  if (!cfg.alpn_names.empty())
    br_ssl_engine_set_protocol_names(eng, cfg.alpn_names.data(), cfg.alpn_names.size());
  // Entropy from the host through guest/sys (random_get); BearSSL seeds its HMAC-DRBG with it.
  std::byte seed[32];
  if (auto r = sys::random_get(seed); !r) return fail(errc::io);
  br_ssl_engine_inject_entropy(eng, seed, sizeof seed);
  std::memset(seed, 0, sizeof seed);
  if (!br_ssl_server_reset(sc)) return fail(errc::io);
  return stream(std::move(s));
}

stream::stream(std::unique_ptr<state, void (*)(state*)> s) : state_(std::move(s)) {}
stream::stream(stream&&) noexcept = default;
stream& stream::operator=(stream&&) noexcept = default;
stream::~stream() = default;

task<result<void>> stream::handshake() {
  state& s = *state_;
  busy_guard guard(s);
  if (!guard.owner()) co_return fail(errc::busy);
  if (s.handshake_done) co_return result<void>{};
  if (s.error != 0) co_return fail(errc::proto);
  auto st = co_await run_until(s, BR_SSL_SENDAPP | BR_SSL_RECVAPP);
  if (!st) {
    if (st.error() == errc::canceled) co_return fail(st.error());
    co_return s.vanished(st.error() == errc::connreset ? errc::connaborted : st.error());
  }
  if (*st == BR_SSL_CLOSED) co_return s.engine_failed();
  if (*st & tcp_ended) co_return s.vanished(errc::connaborted);
  s.handshake_done = true;
  counters& c = s.stats();
  ++c.handshakes;
  if (s.resumed) ++c.resumed;
  if (alpn() == "http/1.1") ++c.alpn_http11;
  co_return result<void>{};
}

task<result<void>> stream::handshake_within(rt::clock::duration timeout) {
  auto done = co_await rt::with_timeout(timeout, handshake());
  if (!done && done.error() == errc::timedout && !state_->end_counted) {
    state_->end_counted = true;
    ++state_->stats().timeouts;
  }
  co_return done;
}

task<result<std::size_t>> stream::read(std::span<std::byte> into) {
  if (!state_->handshake_done) {
    auto done = co_await handshake();
    if (!done) co_return fail(done.error());
  }
  state& s = *state_;
  busy_guard guard(s);
  if (!guard.owner()) co_return fail(errc::busy);
  if (into.empty()) co_return std::size_t{0};
  auto st = co_await run_until(s, BR_SSL_RECVAPP);
  if (!st) co_return fail(st.error());
  if (*st & BR_SSL_RECVAPP) {
    std::size_t len = 0;
    unsigned char* buf = br_ssl_engine_recvapp_buf(s.eng(), &len);
    const std::size_t n = std::min(len, into.size());
    std::memcpy(into.data(), buf, n);
    br_ssl_engine_recvapp_ack(s.eng(), n);
    co_return n;
  }
  if (*st == BR_SSL_CLOSED) {
    if (br_ssl_engine_last_error(s.eng()) != BR_ERR_OK) co_return s.engine_failed();
    s.count_end(true);
    co_return std::size_t{0};
  }
  s.count_end(false);  // TCP ended without close_notify
  co_return std::size_t{0};
}

task<rt::transfer> stream::write_all(std::span<const std::byte> from) {
  if (!state_->handshake_done) {
    auto done = co_await handshake();
    if (!done) co_return rt::transfer(fail(done.error()));
  }
  state& s = *state_;
  busy_guard guard(s);
  if (!guard.owner()) co_return rt::transfer(fail(errc::busy));
  if (s.shut) co_return rt::transfer(fail(errc::pipe));
  std::size_t taken = 0;
  while (taken < from.size()) {
    auto st = co_await run_until(s, BR_SSL_SENDAPP);
    if (!st) co_return rt::transfer(fail(st.error()), taken);
    if (*st == BR_SSL_CLOSED) {
      if (br_ssl_engine_last_error(s.eng()) != BR_ERR_OK) co_return rt::transfer(s.engine_failed(), taken);
      co_return rt::transfer(fail(errc::pipe), taken);
    }
    if ((*st & BR_SSL_SENDAPP) == 0) co_return rt::transfer(fail(errc::pipe), taken);
    std::size_t len = 0;
    unsigned char* buf = br_ssl_engine_sendapp_buf(s.eng(), &len);
    const std::size_t n = std::min(len, from.size() - taken);
    std::memcpy(buf, from.data() + taken, n);
    br_ssl_engine_sendapp_ack(s.eng(), n);
    taken += n;
  }
  br_ssl_engine_flush(s.eng(), 0);
  // Only sending remains: wanting nothing but CLOSED makes run_until return once SENDREC is empty.
  auto st = co_await run_until(s, ~0u);
  if (!st) co_return rt::transfer(fail(st.error()), taken);
  co_return rt::transfer(taken);
}

result<std::size_t> stream::try_write(std::span<const std::byte> from) {
  state& s = *state_;
  if (s.busy) return fail(errc::busy);
  if (!s.handshake_done) return fail(errc::again);
  if (s.shut) return fail(errc::pipe);
  if (br_ssl_engine_current_state(s.eng()) == BR_SSL_CLOSED) {
    if (br_ssl_engine_last_error(s.eng()) != BR_ERR_OK) return s.engine_failed();
    return fail(errc::pipe);
  }
  if (auto pushed = push_records(s); !pushed) return fail(pushed.error());
  std::size_t taken = 0;
  while (taken < from.size() && (br_ssl_engine_current_state(s.eng()) & BR_SSL_SENDAPP)) {
    std::size_t len = 0;
    unsigned char* buf = br_ssl_engine_sendapp_buf(s.eng(), &len);
    const std::size_t n = std::min(len, from.size() - taken);
    std::memcpy(buf, from.data() + taken, n);
    br_ssl_engine_sendapp_ack(s.eng(), n);
    taken += n;
    if (auto pushed = push_records(s); !pushed) return fail(pushed.error());
  }
  br_ssl_engine_flush(s.eng(), 0);
  if (auto pushed = push_records(s); !pushed) return fail(pushed.error());
  if (taken == 0 && !from.empty()) return fail(errc::again);
  return taken;
}

task<result<void>> stream::shutdown() {
  state& s = *state_;
  busy_guard guard(s);
  if (!guard.owner()) co_return fail(errc::busy);
  if (!s.shut) {
    s.shut = true;
    br_ssl_engine_close(s.eng());
  }
  auto st = co_await run_until(s, ~0u);
  if (!st) co_return fail(st.error());
  auto shut = s.tcp.shutdown(net::shutdown_how::write);
  // notconn: the peer already closed its TCP side and the host reports the socket as such; our
  // close_notify went out, and there is nothing left to end.
  if (!shut && shut.error() != errc::notconn) co_return shut;
  co_return result<void>{};
}

result<void> stream::close() { return state_->tcp.close(); }
bool stream::is_open() const { return state_ && state_->tcp.is_open(); }
bool stream::handshake_done() const { return state_->handshake_done; }
int stream::tls_error() const { return state_->error; }
bool stream::resumed() const { return state_->resumed; }
const net::tcp_stream& stream::socket() const { return state_->tcp.socket(); }

std::string_view stream::alpn() const {
  const char* name = br_ssl_engine_get_selected_protocol(&state_->sc.eng);
  return name != nullptr ? std::string_view(name) : std::string_view();
}

std::string_view stream::cipher_suite() const {
  if (!state_->handshake_done) return {};
  return suite_name(state_->sc.eng.session.cipher_suite);
}

std::string_view stream::error_name(int tls_error) {
  if (tls_error >= BR_ERR_SEND_FATAL_ALERT) return "sent a fatal alert";
  if (tls_error >= BR_ERR_RECV_FATAL_ALERT) return "received a fatal alert";
  switch (tls_error) {
    case BR_ERR_OK: return "ok";
    case BR_ERR_BAD_PARAM: return "bad parameter";
    case BR_ERR_BAD_STATE: return "bad state";
    case BR_ERR_UNSUPPORTED_VERSION: return "unsupported version";
    case BR_ERR_BAD_VERSION: return "bad version";
    case BR_ERR_BAD_LENGTH: return "bad record length";
    case BR_ERR_TOO_LARGE: return "record too large";
    case BR_ERR_BAD_MAC: return "bad record MAC";
    case BR_ERR_NO_RANDOM: return "no entropy";
    case BR_ERR_UNKNOWN_TYPE: return "unknown record type";
    case BR_ERR_UNEXPECTED: return "unexpected message";
    case BR_ERR_BAD_CCS: return "bad ChangeCipherSpec";
    case BR_ERR_BAD_ALERT: return "bad alert";
    case BR_ERR_BAD_HANDSHAKE: return "bad handshake message";
    case BR_ERR_OVERSIZED_ID: return "oversized session ID";
    case BR_ERR_BAD_CIPHER_SUITE: return "bad cipher suite";
    case BR_ERR_BAD_COMPRESSION: return "bad compression";
    case BR_ERR_BAD_FRAGLEN: return "bad fragment length";
    case BR_ERR_BAD_SECRENEG: return "bad secure renegotiation";
    case BR_ERR_EXTRA_EXTENSION: return "unexpected extension";
    case BR_ERR_BAD_SNI: return "bad SNI";
    case BR_ERR_BAD_HELLO_DONE: return "bad ServerHelloDone";
    case BR_ERR_LIMIT_EXCEEDED: return "limit exceeded";
    case BR_ERR_BAD_FINISHED: return "bad Finished";
    case BR_ERR_RESUME_MISMATCH: return "resumption mismatch";
    case BR_ERR_INVALID_ALGORITHM: return "invalid algorithm";
    case BR_ERR_BAD_SIGNATURE: return "bad signature";
    case BR_ERR_WRONG_KEY_USAGE: return "wrong key usage";
    case BR_ERR_NO_CLIENT_AUTH: return "no client authentication";
    case BR_ERR_IO: return "I/O error";
    default: return "TLS error";
  }
}

std::size_t server_config::bytes_per_connection() const {
  const std::size_t head = (sizeof(stream::state) + 15) & ~std::size_t{15};
  return head + state_->options.buffers.input + state_->options.buffers.output;
}

}  // namespace wasio::tls
