// wasio::tls::server_config: PEM loading from memory and from a pre-opened directory, and the
// errors a server prints before it exits.

#include <gtest/gtest.h>

#include "rt_test_support.hpp"
#include "tls_test_support.hpp"
#include "wasio/testbed/host.hpp"
#include "wasio/testbed/native.hpp"
#include "wasio/tls/server_config.hpp"

namespace wasio {
namespace {

using tls_test::credentials;

TEST(TlsServerConfig, DecodesEcAndRsaKeysWithTheirChains) {
  credentials ec("ec"), rsa("rsa");
  ASSERT_TRUE(ec.ok() && rsa.ok());
  auto a = tls::server_config::from_pem(ec.cert_pem, ec.key_pem);
  ASSERT_TRUE(a) << tls::server_config::error_detail();
  EXPECT_STREQ(a->key_kind(), "EC");
  EXPECT_EQ(a->chain_length(), 1u);
  auto b = tls::server_config::from_pem(rsa.cert_pem + ec.cert_pem, rsa.key_pem);  // leaf first, then more
  ASSERT_TRUE(b) << tls::server_config::error_detail();
  EXPECT_STREQ(b->key_kind(), "RSA");
  EXPECT_EQ(b->chain_length(), 2u);
}

TEST(TlsServerConfig, RefusesAKeyOfAnotherCertificate) {
  credentials one("ec"), other("ec");
  ASSERT_TRUE(one.ok() && other.ok());
  auto c = tls::server_config::from_pem(one.cert_pem, other.key_pem);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), errc::inval);
  EXPECT_STREQ(tls::server_config::error_detail(), "key does not match the certificate");
}

TEST(TlsServerConfig, RefusesMissingOrBrokenPem) {
  credentials ec("ec");
  ASSERT_TRUE(ec.ok());
  auto no_cert = tls::server_config::from_pem(ec.key_pem, ec.key_pem);
  ASSERT_FALSE(no_cert);
  EXPECT_EQ(no_cert.error(), errc::badmsg);
  auto no_key = tls::server_config::from_pem(ec.cert_pem, ec.cert_pem);
  ASSERT_FALSE(no_key);
  EXPECT_EQ(no_key.error(), errc::badmsg);
  std::string broken = ec.cert_pem;
  broken[broken.size() / 2] = '!';
  EXPECT_FALSE(tls::server_config::from_pem(broken, ec.key_pem));
  auto cut = tls::server_config::from_pem(ec.cert_pem.substr(0, ec.cert_pem.size() / 2), ec.key_pem);
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error(), errc::badmsg);
  const std::string encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
  auto enc = tls::server_config::from_pem(ec.cert_pem, encrypted);
  ASSERT_FALSE(enc);
  EXPECT_EQ(enc.error(), errc::badmsg);
  EXPECT_NE(std::string(tls::server_config::error_detail()).find("encrypted"), std::string::npos);
}

TEST(TlsServerConfig, LoadsFilesFromAPreopenedDirectory) {
  credentials ec("ec");
  ASSERT_TRUE(ec.ok());
  testbed::host_config config;
  config.args = {"tls_test"};
  config.preopens.push_back({ec.folder.string(), "/certs"});
  auto host = testbed::host::create(std::move(config)).value();
  testbed::native::scoped_host installed(*host);
  auto c = tls::server_config::load("/certs/cert.pem", "/certs/key.pem");
  ASSERT_TRUE(c) << tls::server_config::error_detail();
  EXPECT_STREQ(c->key_kind(), "EC");
  auto missing = tls::server_config::load("/certs/none.pem", "/certs/key.pem");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), errc::noent);
  auto outside = tls::server_config::load("/etc/passwd", "/certs/key.pem");
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error(), errc::notcapable);
}

TEST(TlsServerConfig, ReportsTheBytesAConnectionHolds) {
  credentials ec("ec");
  ASSERT_TRUE(ec.ok());
  auto c = tls::server_config::from_pem(ec.cert_pem, ec.key_pem);
  ASSERT_TRUE(c);
  // The two record buffers plus the engine context (a few KiB); printed for docs/tls.md.
  const std::size_t buffers = c->options().buffers.input + c->options().buffers.output;
  EXPECT_GT(c->bytes_per_connection(), buffers);
  EXPECT_LT(c->bytes_per_connection(), buffers + 8192);
  EXPECT_EQ(c->session_cache_bytes(), 1024u * 100u);
  std::printf("tls: %zu bytes per connection (buffers %zu + %zu), session cache %zu bytes\n",
              c->bytes_per_connection(), c->options().buffers.input, c->options().buffers.output,
              c->session_cache_bytes());
}

}  // namespace
}  // namespace wasio
