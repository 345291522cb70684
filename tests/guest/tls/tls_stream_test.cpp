// wasio::tls::stream natively, under every host profile, against OpenSSL clients: handshake,
// echo in both directions, TLS 1.2 only, the AEAD suites, ALPN, resumption, close_notify and
// truncation, bad input counted, cancellation, and the bytes a connection holds.

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <string>
#include <thread>

#include "rt_test_support.hpp"
#include "tls_test_support.hpp"
#include "wasio/rt/time.hpp"
#include "wasio/tls/stream.hpp"

namespace wasio {
namespace {

using namespace std::chrono_literals;
using rt_test::rt_host;
using tls_test::client_options;
using tls_test::credentials;
using tls_test::tls_client;

tls::settings http_settings() {
  tls::settings s;
  s.protocols = {"http/1.1"};
  return s;
}

class TlsStream : public ::testing::TestWithParam<testbed::profile> {
 protected:
  TlsStream() : h_(GetParam(), 1), listener_(h_.listener()) {}
  ~TlsStream() override { EXPECT_TRUE(listener_.close()); }

  /// Accepts one client and echoes through TLS until the end of its stream; then close_notify.
  task<result<std::size_t>> echo_one(tls::server_config& config) {
    auto tcp = co_await listener_.accept();
    if (!tcp) co_return fail(tcp.error());
    auto s = tls::stream::accept(std::move(*tcp), config);
    if (!s) co_return fail(s.error());
    std::array<std::byte, 4096> buffer;
    std::size_t total = 0;
    for (;;) {
      auto n = co_await s->read(buffer);
      if (!n) co_return fail(n.error());
      if (*n == 0) break;
      total += *n;
      auto w = co_await s->write_all(std::span(buffer).first(*n));
      if (!w) co_return fail(w.error());
    }
    auto shut = co_await s->shutdown();
    if (!shut) co_return fail(shut.error());
    co_return total;
  }

  rt_host h_;
  rt::tcp_listener listener_;
};

TEST_P(TlsStream, EchoesOverTls12WithAlpnAndAnAeadSuite) {
  credentials ec("ec");
  ASSERT_TRUE(ec.ok());
  auto config = tls::server_config::from_pem(ec.cert_pem, ec.key_pem, http_settings());
  ASSERT_TRUE(config) << tls::server_config::error_detail();
  std::string payload(300'000, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7 % 251);
  std::string got, version, cipher, alpn;
  bool close_notify = false;
  std::thread peer([&] {
    tls_client c(h_.port());
    if (!c.handshake()) return;
    version = c.version();
    cipher = c.cipher();
    alpn = c.alpn();
    std::thread writer([&] { c.send_all(payload); });  // the echo comes back while we send
    got = c.receive(payload.size());
    writer.join();
    c.close_notify();
    close_notify = c.sees_close_notify();
  });
  auto r = h_.rt().block_on(echo_one(*config));
  peer.join();
  ASSERT_TRUE(r) << name(r.error());
  EXPECT_EQ(*r, payload.size());
  EXPECT_TRUE(got == payload);
  EXPECT_EQ(version, "TLSv1.2");
  EXPECT_NE(cipher.find("GCM"), std::string::npos) << cipher;
  EXPECT_EQ(alpn, "http/1.1");
  EXPECT_TRUE(close_notify) << "the server's close_notify did not arrive";
  EXPECT_EQ(config->stats().handshakes, 1u);
  EXPECT_EQ(config->stats().alpn_http11, 1u);
  EXPECT_EQ(config->stats().close_notify, 1u);
}

TEST_P(TlsStream, ServesAnRsaKeyWithChaCha20) {
  credentials rsa("rsa");
  ASSERT_TRUE(rsa.ok());
  auto config = tls::server_config::from_pem(rsa.cert_pem, rsa.key_pem);
  ASSERT_TRUE(config) << tls::server_config::error_detail();
  EXPECT_STREQ(config->key_kind(), "RSA");
  std::string got, cipher, alpn = "unset";
  std::thread peer([&] {
    client_options o;
    o.max_version = TLS1_2_VERSION;
    o.ciphers = "ECDHE-RSA-CHACHA20-POLY1305";
    tls_client c(h_.port(), o);
    if (!c.handshake()) return;
    cipher = c.cipher();
    alpn = c.alpn();
    c.send_all("ping over chacha");
    got = c.receive(16);
    c.close_notify();
  });
  auto r = h_.rt().block_on(echo_one(*config));
  peer.join();
  ASSERT_TRUE(r) << name(r.error());
  EXPECT_EQ(got, "ping over chacha");
  EXPECT_EQ(cipher, "ECDHE-RSA-CHACHA20-POLY1305");
  EXPECT_EQ(alpn, "") << "no ALPN configured, none selected";
}

TEST_P(TlsStream, ATls13OnlyClientGetsACleanHandshakeFailure) {
  credentials ec("ec");
  ASSERT_TRUE(ec.ok());
  auto config = tls::server_config::from_pem(ec.cert_pem, ec.key_pem);
  ASSERT_TRUE(config);
  bool handshaken = true;
  std::thread peer([&] {
    client_options o;
    o.min_version = TLS1_3_VERSION;
    tls_client c(h_.port(), o);
    handshaken = c.handshake();
  });
  auto serve = [&]() -> task<result<void>> {
    auto tcp = co_await listener_.accept();
    if (!tcp) co_return fail(tcp.error());
    auto s = tls::stream::accept(std::move(*tcp), *config);
    if (!s) co_return fail(s.error());
    auto done = co_await s->handshake();
    EXPECT_NE(s->tls_error(), 0);
    co_return done;
  };
  auto r = h_.rt().block_on(serve());
  peer.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::proto);
  EXPECT_FALSE(handshaken);
  EXPECT_EQ(config->stats().bad_handshake, 1u);
}

TEST_P(TlsStream, ResumesASessionFromTheLruCache) {
  credentials ec("ec");
  ASSERT_TRUE(ec.ok());
  auto config = tls::server_config::from_pem(ec.cert_pem, ec.key_pem);
  ASSERT_TRUE(config);
  bool first_new = false, second_reused = false;
  std::thread peer([&] {
    client_options o;
    o.max_version = TLS1_2_VERSION;
    SSL_SESSION* session = nullptr;
    {
      tls_client c(h_.port(), o);
      if (!c.handshake()) return;
      first_new = !c.reused();
      c.send_all("one");
      (void)c.receive(3);
      session = c.session();
      c.close_notify();
    }
    o.session = session;
    tls_client again(h_.port(), o);
    if (again.handshake()) second_reused = again.reused();
    again.send_all("two");
    (void)again.receive(3);
    again.close_notify();
    SSL_SESSION_free(session);
  });
  auto twice = [&]() -> task<result<void>> {
    for (int i = 0; i < 2; ++i) {
      auto r = co_await echo_one(*config);
      if (!r) co_return fail(r.error());
    }
    co_return result<void>{};
  };
  auto r = h_.rt().block_on(twice());
  peer.join();
  ASSERT_TRUE(r) << name(r.error());
  EXPECT_TRUE(first_new);
  EXPECT_TRUE(second_reused);
  EXPECT_EQ(config->stats().handshakes, 2u);
  EXPECT_EQ(config->stats().resumed, 1u);
}

TEST_P(TlsStream, PlainHttpAnOversizedRecordAndAVanishedClientAreCountedApart) {
  credentials ec("ec");
  ASSERT_TRUE(ec.ok());
  auto config = tls::server_config::from_pem(ec.cert_pem, ec.key_pem);
  ASSERT_TRUE(config);
  std::thread peer([&] {
    { tls_client plain(h_.port()); plain.raw_send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"); (void)plain.receive(1); }
    { tls_client big(h_.port()); big.raw_send(std::string("\x16\x03\x01\x48\x01", 5) + std::string(18433, '\0')); (void)big.receive(1); }
    { tls_client gone(h_.port()); gone.raw_send(std::string("\x16\x03\x01\x00\x40\x01", 6)); gone.close_tcp(); }
  });
  auto serve = [&]() -> task<result<void>> {
    const errc expected[] = {errc::proto, errc::proto, errc::connaborted};
    for (errc want : expected) {
      auto tcp = co_await listener_.accept();
      if (!tcp) co_return fail(tcp.error());
      auto s = tls::stream::accept(std::move(*tcp), *config);
      if (!s) co_return fail(s.error());
      auto done = co_await rt::with_timeout(30s, s->handshake());
      EXPECT_FALSE(done);
      if (!done) {
        EXPECT_EQ(done.error(), want) << name(done.error());
      }
    }
    co_return result<void>{};
  };
  auto r = h_.rt().block_on(serve());
  peer.join();
  ASSERT_TRUE(r) << name(r.error());
  EXPECT_EQ(config->stats().plain_http, 1u);
  EXPECT_EQ(config->stats().oversized, 1u);
  EXPECT_EQ(config->stats().vanished, 1u);
  EXPECT_EQ(config->stats().handshakes, 0u);
}

TEST_P(TlsStream, ATcpCloseWithoutCloseNotifyEndsTheStreamAsTruncated) {
  credentials ec("ec");
  ASSERT_TRUE(ec.ok());
  auto config = tls::server_config::from_pem(ec.cert_pem, ec.key_pem);
  ASSERT_TRUE(config);
  std::thread peer([&] {
    tls_client c(h_.port());
    if (!c.handshake()) return;
    c.send_all("bye");
    (void)c.receive(3);
    c.close_tcp();
  });
  auto r = h_.rt().block_on(echo_one(*config));
  peer.join();
  // The server's own close_notify may meet a closed socket: either way the read ended with 0.
  if (!r) {
    EXPECT_TRUE(r.error() == errc::pipe || r.error() == errc::connreset) << name(r.error());
  }
  EXPECT_EQ(config->stats().truncated, 1u);
}

TEST_P(TlsStream, AReadCutShortByATimeoutLeavesTheStreamUsable) {
  credentials ec("ec");
  ASSERT_TRUE(ec.ok());
  auto config = tls::server_config::from_pem(ec.cert_pem, ec.key_pem);
  ASSERT_TRUE(config);
  std::atomic<bool> timed_out{false};
  std::string got;
  std::thread peer([&] {
    tls_client c(h_.port());
    if (!c.handshake()) return;
    while (!timed_out) std::this_thread::sleep_for(1ms);
    c.send_all("late");
    got = c.receive(4);
    c.close_notify();
  });
  auto serve = [&]() -> task<result<void>> {
    auto tcp = co_await listener_.accept();
    if (!tcp) co_return fail(tcp.error());
    auto s = tls::stream::accept(std::move(*tcp), *config);
    if (!s) co_return fail(s.error());
    auto hs = co_await s->handshake();
    if (!hs) co_return fail(hs.error());
    std::array<std::byte, 16> buffer;
    auto early = co_await rt::with_timeout(20ms, s->read(buffer));
    EXPECT_FALSE(early);
    if (!early) {
      EXPECT_EQ(early.error(), errc::timedout);
    }
    timed_out = true;
    auto n = co_await s->read(buffer);
    if (!n) co_return fail(n.error());
    auto w = co_await s->write_all(std::span(buffer).first(*n));
    if (!w) co_return fail(w.error());
    co_return co_await s->shutdown();
  };
  auto r = h_.rt().block_on(serve());
  timed_out = true;
  peer.join();
  ASSERT_TRUE(r) << name(r.error());
  EXPECT_EQ(got, "late");
}

TEST_P(TlsStream, TryWriteTakesWhatFitsAndTheNextOperationSendsTheRest) {
  credentials ec("ec");
  ASSERT_TRUE(ec.ok());
  auto config = tls::server_config::from_pem(ec.cert_pem, ec.key_pem);
  ASSERT_TRUE(config);
  std::string response(100'000, 'r');
  std::string got;
  std::thread peer([&] {
    tls_client c(h_.port());
    if (!c.handshake()) return;
    c.send_all("go");
    got = c.receive(response.size());
    c.close_notify();
  });
  auto serve = [&]() -> task<result<void>> {
    auto tcp = co_await listener_.accept();
    if (!tcp) co_return fail(tcp.error());
    auto s = tls::stream::accept(std::move(*tcp), *config);
    if (!s) co_return fail(s.error());
    std::array<std::byte, 16> buffer;
    auto n = co_await s->read(buffer);
    if (!n) co_return fail(n.error());
    auto first = s->try_write(std::as_bytes(std::span(response)));
    if (!first && first.error() != errc::again) co_return fail(first.error());
    const std::size_t taken = first ? *first : 0;
    auto rest = co_await s->write_all(std::as_bytes(std::span(response)).subspan(taken));
    if (!rest) co_return fail(rest.error());
    auto end = co_await s->read(buffer);  // the client's close_notify
    if (!end) co_return fail(end.error());
    EXPECT_EQ(*end, 0u);
    co_return co_await s->shutdown();
  };
  auto r = h_.rt().block_on(serve());
  peer.join();
  ASSERT_TRUE(r) << name(r.error());
  EXPECT_TRUE(got == response) << got.size();
}

// A reader parked on the stream, spawned (a coroutine function, not a capturing lambda: GCC 12).
task<void> park_a_read(tls::stream* s, std::size_t* got, bool* done) {
  std::array<std::byte, 64> buffer;
  auto n = co_await s->read(buffer);
  *got = n ? *n : 0;
  *done = true;
}

TEST_P(TlsStream, ASecondOperationWhileOneIsParkedIsBusy) {
  credentials ec("ec");
  ASSERT_TRUE(ec.ok());
  auto config = tls::server_config::from_pem(ec.cert_pem, ec.key_pem);
  ASSERT_TRUE(config);
  std::atomic<bool> checked{false};
  std::thread peer([&] {
    tls_client c(h_.port());
    if (!c.handshake()) return;
    while (!checked) std::this_thread::sleep_for(1ms);
    c.send_all("now");
    c.close_notify();
  });
  auto serve = [&]() -> task<result<void>> {
    auto tcp = co_await listener_.accept();
    if (!tcp) co_return fail(tcp.error());
    auto s = tls::stream::accept(std::move(*tcp), *config);
    if (!s) co_return fail(s.error());
    auto hs = co_await s->handshake();
    if (!hs) co_return fail(hs.error());
    std::size_t got = 0;
    bool done = false;
    auto reader = h_.rt().spawn(park_a_read(&*s, &got, &done));
    co_await rt::yield();  // the reader runs and parks: nothing has arrived
    EXPECT_FALSE(done);
    const std::string_view text = "x";
    auto tried = s->try_write(std::as_bytes(std::span(text)));
    EXPECT_FALSE(tried);
    if (!tried) {
      EXPECT_EQ(tried.error(), errc::busy);
    }
    std::array<std::byte, 8> other;
    auto second = co_await s->read(other);
    EXPECT_FALSE(second);
    if (!second) {
      EXPECT_EQ(second.error(), errc::busy);
    }
    checked = true;
    auto joined = co_await reader;
    EXPECT_TRUE(joined);
    EXPECT_TRUE(done);
    EXPECT_EQ(got, 3u);
    co_return result<void>{};
  };
  auto r = h_.rt().block_on(serve());
  checked = true;
  peer.join();
  ASSERT_TRUE(r) << name(r.error());
}

INSTANTIATE_TEST_SUITE_P(Profiles, TlsStream, ::testing::ValuesIn(rt_test::all_profiles), rt_test::profile_name);

}  // namespace
}  // namespace wasio
