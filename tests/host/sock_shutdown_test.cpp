// sock_shutdown in strict and wasmtime-legacy (uvwasi's rows are in uvwasi_test.cpp).
#include "test_support.hpp"

namespace wasio::testbed {
namespace {

using test::harness;

TEST(SockShutdown, WriteSideGivesTheClientEndOfStream) {
  for (profile p : {profile::strict, profile::wasmtime_legacy}) {
    harness t(p);
    auto [client, fd] = t.connected_pair();
    ASSERT_EQ(t.h().sock_shutdown(fd, abi::shut_wr), errc::success) << name(p);
    EXPECT_EQ(test::client_receive(client, 1), "");
    EXPECT_EQ(t.h().fd_close(fd), errc::success);
  }
}

TEST(SockShutdown, ReadSideMakesRecvReturnZero) {
  harness t;
  auto [client, fd] = t.connected_pair();
  ASSERT_EQ(t.h().sock_shutdown(fd, abi::shut_rd), errc::success);
  EXPECT_EQ(test::guest_recv(t.h(), fd, 4), "");
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockShutdown, BothSidesAtOnce) {
  harness t(profile::wasmtime_legacy);
  auto [client, fd] = t.connected_pair();
  ASSERT_EQ(t.h().sock_shutdown(fd, abi::shut_rd | abi::shut_wr), errc::success);
  EXPECT_EQ(test::client_receive(client, 1), "");
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockShutdown, ZeroOrUnknownBitsAreInval) {
  for (profile p : {profile::strict, profile::wasmtime_legacy}) {
    harness t(p);
    auto [client, fd] = t.connected_pair();
    EXPECT_EQ(t.h().sock_shutdown(fd, 0), errc::inval) << name(p);
    EXPECT_EQ(t.h().sock_shutdown(fd, 4), errc::inval) << name(p);
    EXPECT_EQ(t.h().sock_shutdown(fd, 0xff), errc::inval) << name(p);
    test::client_send(client, "still open");
    EXPECT_EQ(t.h().fd_close(fd), errc::success);
  }
}

TEST(SockShutdown, OnStdioIsNotsockOnAListenerNotconnOnUnknownBadf) {
  harness t;
  EXPECT_EQ(t.h().sock_shutdown(1, abi::shut_wr), errc::notsock);
  EXPECT_EQ(t.h().sock_shutdown(3, abi::shut_rd), errc::notconn);
  EXPECT_EQ(t.h().sock_shutdown(31337, abi::shut_wr), errc::badf);
  t.connect_client();
  abi::fd accepted = 0;
  ASSERT_EQ(t.h().sock_accept(3, abi::fdflag_nonblock, accepted), errc::success) << "the listener still listens";
  EXPECT_EQ(t.h().fd_close(accepted), errc::success);
}

TEST(SockShutdown, WasmtimeLegacyOnStdioOrAListenerIsBadfAndTheListenerStillListens) {
  harness t(profile::wasmtime_legacy);
  EXPECT_EQ(t.h().sock_shutdown(1, abi::shut_wr), errc::badf);
  EXPECT_EQ(t.h().sock_shutdown(3, abi::shut_rd), errc::badf);
  EXPECT_EQ(t.h().sock_shutdown(3, 0), errc::badf) << "the fd is checked before the flags";
  t.connect_client();
  abi::fd accepted = 0;
  ASSERT_EQ(t.h().sock_accept(3, abi::fdflag_nonblock, accepted), errc::success);
  EXPECT_EQ(t.h().fd_close(accepted), errc::success);
}

}  // namespace
}  // namespace wasio::testbed
