// host::create, listeners(), args/env, open_fd_count.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_support.hpp"

namespace wasio::testbed {
namespace {

using test::harness;
using test::harness_options;

TEST(HostCreate, PutsListenersAtFdThreeOnwardsInConfigOrder) {
  harness t(harness_options{.listeners = 2});
  const auto& bound = t.h().listeners();
  ASSERT_EQ(bound.size(), 2u);
  EXPECT_EQ(bound[0].fd, 3u);
  EXPECT_EQ(bound[1].fd, 4u);
  EXPECT_EQ(bound[0].address, "127.0.0.1");
  EXPECT_NE(bound[0].port, 0) << "port 0 must report the real ephemeral port";
  EXPECT_NE(bound[0].port, bound[1].port);
  EXPECT_EQ(t.h().open_fd_count(), 5u);
}

TEST(HostCreate, ListenerAcceptsRealConnectionsOnTheReportedPort) {
  harness t;
  auto [client, fd] = t.connected_pair();
  EXPECT_EQ(fd, 4u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(HostCreate, BindsAnIpv6Listener) {
  int probe = ::socket(AF_INET6, SOCK_STREAM, 0);
  sockaddr_in6 loopback{};
  loopback.sin6_family = AF_INET6;
  loopback.sin6_addr = in6addr_loopback;
  bool have_ipv6 = probe >= 0 && ::bind(probe, reinterpret_cast<sockaddr*>(&loopback), sizeof loopback) == 0;
  if (probe >= 0) ::close(probe);
  if (!have_ipv6) GTEST_SKIP() << "no IPv6 loopback on this machine";
  host_config config;
  config.listeners.push_back(listen_spec{"::1", 0});
  auto created = host::create(config);
  ASSERT_TRUE(created) << name(created.error());
  EXPECT_EQ((*created)->listeners().at(0).address, "::1");
  EXPECT_NE((*created)->listeners().at(0).port, 0);
}

TEST(HostCreate, ReportsAddrinuseForAPortAlreadyListenedOn) {
  harness t;
  host_config config;
  config.listeners.push_back(listen_spec{"127.0.0.1", t.port()});
  auto created = host::create(config);
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error(), errc::addrinuse);
}

TEST(HostCreate, ReportsInvalForAnAddressThatIsNotNumeric) {
  host_config config;
  config.listeners.push_back(listen_spec{"not-an-address", 0});
  auto created = host::create(config);
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error(), errc::inval);
}

TEST(HostCreate, ReportsAddrnotavailForAnAddressThisMachineDoesNotHave) {
  host_config config;
  config.listeners.push_back(listen_spec{"192.0.2.1", 0});  // TEST-NET-1
  auto created = host::create(config);
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error(), errc::addrnotavail);
}

TEST(HostCreate, FailedCreateLeavesNoDescriptorOpen) {
  harness t;
  std::size_t before = test::process_fd_count();
  host_config config;
  config.listeners.push_back(listen_spec{"127.0.0.1", 0});
  config.listeners.push_back(listen_spec{"127.0.0.1", t.port()});
  auto created = host::create(config);
  ASSERT_FALSE(created);
  EXPECT_EQ(test::process_fd_count(), before);
}

TEST(HostCreate, KeepsArgsEnvAndProfileAsConfigured) {
  harness t(harness_options{.semantics = profile::uvwasi, .args = {"prog", "a"}, .env = {"A=1"}});
  EXPECT_EQ(t.h().semantics(), profile::uvwasi);
  EXPECT_EQ(t.h().args(), (std::vector<std::string>{"prog", "a"}));
  EXPECT_EQ(t.h().env(), (std::vector<std::string>{"A=1"}));
}

TEST(HostCreate, StartsWithStdioAndListenersOpen) {
  harness t(harness_options{.listeners = 0});
  EXPECT_EQ(t.h().open_fd_count(), 3u);
}

}  // namespace
}  // namespace wasio::testbed
