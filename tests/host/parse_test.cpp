// parse_profile, name(profile), parse_listen_spec, preview1_function_names.
#include <algorithm>

#include "test_support.hpp"

namespace wasio::testbed {
namespace {

TEST(Profile, ParsesTheThreeCommandLineSpellings) {
  EXPECT_EQ(parse_profile("strict"), profile::strict);
  EXPECT_EQ(parse_profile("wasmtime-legacy"), profile::wasmtime_legacy);
  EXPECT_EQ(parse_profile("uvwasi"), profile::uvwasi);
}

TEST(Profile, RejectsAnyOtherSpelling) {
  EXPECT_EQ(parse_profile(""), std::nullopt);
  EXPECT_EQ(parse_profile("wasmtime_legacy"), std::nullopt);
  EXPECT_EQ(parse_profile("Strict"), std::nullopt);
}

TEST(Profile, NameRoundTripsThroughParse) {
  for (profile p : {profile::strict, profile::wasmtime_legacy, profile::uvwasi}) {
    EXPECT_EQ(parse_profile(name(p)), p);
  }
}

TEST(ListenSpec, ParsesIpv4AddressAndPort) {
  auto spec = parse_listen_spec("127.0.0.1:8080");
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->address, "127.0.0.1");
  EXPECT_EQ(spec->port, 8080);
}

TEST(ListenSpec, ParsesBracketedIpv6AddressAndPort) {
  auto spec = parse_listen_spec("[::1]:0");
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->address, "::1");
  EXPECT_EQ(spec->port, 0);
}

TEST(ListenSpec, MapsLocalhostToTheIpv4Loopback) {
  auto spec = parse_listen_spec("localhost:9");
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->address, "127.0.0.1");
}

TEST(ListenSpec, RejectsMalformedText) {
  for (std::string_view bad : {"", "127.0.0.1", "127.0.0.1:", ":80", "127.0.0.1:65536", "127.0.0.1:-1",
                               "127.0.0.1:8x", "host.example:80", "[::1:80", "[::1]80", "::1:80",
                               "[127.0.0.1]:80", "127.0.0.1:0000080"}) {
    auto spec = parse_listen_spec(bad);
    ASSERT_FALSE(spec) << bad;
    EXPECT_EQ(spec.error(), errc::inval) << bad;
  }
}

TEST(Preview1FunctionNames, ListsAllFortySixFunctionsInWitxOrder) {
  auto names = preview1_function_names();
  ASSERT_EQ(names.size(), 46u);
  EXPECT_EQ(names.front(), "args_get");
  EXPECT_EQ(names.back(), "sock_shutdown");
  for (std::string_view expected : {"poll_oneoff", "sock_accept", "sock_recv", "sock_send", "fd_write",
                                    "proc_exit", "random_get", "path_open"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
}

}  // namespace
}  // namespace wasio::testbed
