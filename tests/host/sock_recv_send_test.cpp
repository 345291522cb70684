// sock_recv, sock_send, and fd_read / fd_write on sockets.
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "test_support.hpp"

namespace wasio::testbed {
namespace {

using test::harness;

host_iovec into(char* data, std::size_t size) { return host_iovec{reinterpret_cast<std::byte*>(data), size}; }
host_ciovec from(std::string_view text) {
  return host_ciovec{reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

/// Polls until `fd` is readable (the data the client sent has arrived).
void wait_readable(host& h, abi::fd fd) {
  auto outcome = test::poll(h, {test::read_subscription(1, fd), test::safety_clock()});
  ASSERT_EQ(outcome.result, errc::success);
  ASSERT_FALSE(outcome.events.empty());
  ASSERT_EQ(outcome.events[0].user, 1u) << "the safety clock fired first";
}

TEST(SockRecv, ReturnsWhatTheClientSent) {
  harness t;
  auto [client, fd] = t.connected_pair();
  test::client_send(client, "hello");
  wait_readable(t.h(), fd);
  EXPECT_EQ(test::guest_recv(t.h(), fd, 16), "hello");
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockRecv, WithNothingToReadIsAgainOnANonBlockingSocket) {
  for (profile p : {profile::strict, profile::wasmtime_legacy, profile::uvwasi}) {
    harness t(p);
    auto [client, fd] = t.connected_pair();
    char buffer[8];
    host_iovec iov = into(buffer, sizeof buffer);
    std::size_t received = 0;
    abi::roflags out_flags = 0;
    EXPECT_EQ(t.h().sock_recv(fd, {&iov, 1}, 0, received, out_flags), errc::again) << name(p);
    EXPECT_EQ(t.h().fd_close(fd), errc::success);
  }
}

TEST(SockRecv, ReturnsZeroBytesAtEndOfStream) {
  for (profile p : {profile::strict, profile::wasmtime_legacy}) {
    harness t(p);
    auto [client, fd] = t.connected_pair();
    t.close_client(client);
    wait_readable(t.h(), fd);
    EXPECT_EQ(test::guest_recv(t.h(), fd, 8), "") << name(p);
    EXPECT_EQ(t.h().fd_close(fd), errc::success);
  }
}

TEST(SockRecv, PeekLeavesTheDataForTheNextRecv) {
  harness t;
  auto [client, fd] = t.connected_pair();
  test::client_send(client, "peek");
  wait_readable(t.h(), fd);
  EXPECT_EQ(test::guest_recv(t.h(), fd, 8, abi::recv_peek), "peek");
  EXPECT_EQ(test::guest_recv(t.h(), fd, 8), "peek");
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockRecv, StrictFillsEveryIovec) {
  harness t;
  auto [client, fd] = t.connected_pair();
  test::client_send(client, "abcdefghij");
  wait_readable(t.h(), fd);
  char a[4], b[6];
  host_iovec iovs[] = {into(a, 4), into(nullptr, 0), into(b, 6)};
  std::size_t received = 0;
  abi::roflags out_flags = 0;
  ASSERT_EQ(t.h().sock_recv(fd, iovs, abi::recv_waitall, received, out_flags), errc::success);
  EXPECT_EQ(received, 10u);
  EXPECT_EQ(std::string_view(b, 6), "efghij");
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockRecv, WasmtimeLegacyFillsOnlyTheFirstNonEmptyIovec) {
  harness t(profile::wasmtime_legacy);
  auto [client, fd] = t.connected_pair();
  test::client_send(client, "abcdefghij");
  wait_readable(t.h(), fd);
  char a[4], b[6];
  host_iovec iovs[] = {into(nullptr, 0), into(a, 4), into(b, 6)};
  std::size_t received = 0;
  abi::roflags out_flags = 0;
  ASSERT_EQ(t.h().sock_recv(fd, iovs, 0, received, out_flags), errc::success);
  EXPECT_EQ(received, 4u);
  EXPECT_EQ(std::string_view(a, 4), "abcd");
  EXPECT_EQ(out_flags, 0);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockRecv, WaitallReadsExactlyTheBufferOnABlockingSocket) {
  for (profile p : {profile::strict, profile::wasmtime_legacy}) {
    harness t(p);
    auto [client, fd] = t.connected_pair(0);
    std::thread sender([client = client, guest = test::current_thread_id()] {
      test::client_send(client, "abc");
      test::wait_until_blocked(guest);  // the guest read "abc" and waits for the rest
      test::client_send(client, "defgh");
    });
    EXPECT_EQ(test::guest_recv(t.h(), fd, 8, abi::recv_waitall), "abcdefgh") << name(p);
    sender.join();
    EXPECT_EQ(t.h().fd_close(fd), errc::success);
  }
}

TEST(SockRecv, WaitallReturnsWhatArrivedBeforeEndOfStream) {
  harness t;
  auto [client, fd] = t.connected_pair(0);
  test::client_send(client, "abc");
  t.close_client(client);
  EXPECT_EQ(test::guest_recv(t.h(), fd, 8, abi::recv_waitall), "abc");
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockRecv, OnAListenerIsNotconn) {
  harness t;
  char buffer[4];
  host_iovec iov = into(buffer, 4);
  std::size_t received = 0;
  abi::roflags out_flags = 0;
  EXPECT_EQ(t.h().sock_recv(3, {&iov, 1}, 0, received, out_flags), errc::notconn);
}

TEST(SockRecv, OnStdioIsNotsock) {
  harness t;
  char buffer[4];
  host_iovec iov = into(buffer, 4);
  std::size_t received = 0;
  abi::roflags out_flags = 0;
  EXPECT_EQ(t.h().sock_recv(0, {&iov, 1}, 0, received, out_flags), errc::notsock);
}

TEST(SockRecvSend, WasmtimeLegacyOnStdioOrAListenerIsBadf) {
  harness t(profile::wasmtime_legacy);
  char buffer[4];
  host_iovec iov = into(buffer, 4);
  host_ciovec part = from("x");
  std::size_t count = 0;
  abi::roflags out_flags = 0;
  for (abi::fd fd : {0u, 1u, 3u}) {
    EXPECT_EQ(t.h().sock_recv(fd, {&iov, 1}, 0, count, out_flags), errc::badf) << fd;
    EXPECT_EQ(t.h().sock_send(fd, {&part, 1}, 0, count), errc::badf) << fd;
  }
}

TEST(SockRecv, OnAnUnknownFdIsBadf) {
  harness t;
  std::size_t received = 0;
  abi::roflags out_flags = 0;
  EXPECT_EQ(t.h().sock_recv(404, {}, 0, received, out_flags), errc::badf);
}

TEST(SockRecv, UnknownFlagBitsAreInval) {
  harness t;
  auto [client, fd] = t.connected_pair();
  test::client_send(client, "x");
  char buffer[4];
  host_iovec iov = into(buffer, 4);
  std::size_t received = 0;
  abi::roflags out_flags = 0;
  EXPECT_EQ(t.h().sock_recv(fd, {&iov, 1}, 4, received, out_flags), errc::inval);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockRecv, AfterAPeerResetIsConnreset) {
  harness t;
  auto [client, fd] = t.connected_pair();
  t.reset_client(client);
  wait_readable(t.h(), fd);
  char buffer[4];
  host_iovec iov = into(buffer, 4);
  std::size_t received = 0;
  abi::roflags out_flags = 0;
  EXPECT_EQ(t.h().sock_recv(fd, {&iov, 1}, 0, received, out_flags), errc::connreset);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockRecv, AResetAfterAPartialWaitallReadComesWithTheNextCallNotAsEndOfStream) {
  for (profile p : {profile::strict, profile::wasmtime_legacy}) {
    harness t(p);
    auto [client, fd] = t.connected_pair(0);  // blocking: WAITALL waits for the rest, then meets the reset
    test::client_send(client, "abc");
    t.reset_client(client);
    EXPECT_EQ(test::guest_recv(t.h(), fd, 8, abi::recv_waitall), "abc") << name(p);
    auto outcome = test::poll(t.h(), {test::read_subscription(1, fd), test::safety_clock()});
    ASSERT_FALSE(outcome.events.empty());
    EXPECT_EQ(outcome.events[0].user, 1u) << "a kept error makes the fd ready";
    char buffer[8];
    host_iovec iov = into(buffer, 8);
    std::size_t received = 99;
    abi::roflags out_flags = 0;
    EXPECT_EQ(t.h().sock_recv(fd, {&iov, 1}, 0, received, out_flags), errc::connreset) << name(p);
    EXPECT_EQ(received, 0u);
    // Reported once, like the kernel does; afterwards the dead stream reads as its end.
    EXPECT_EQ(t.h().sock_recv(fd, {&iov, 1}, 0, received, out_flags), errc::success) << name(p);
    EXPECT_EQ(received, 0u);
    EXPECT_EQ(t.h().fd_close(fd), errc::success);
  }
}

TEST(SockRecv, AResetKeptByAPartialReadIsReturnedByTheNextFdWrite) {
  harness t;
  auto [client, fd] = t.connected_pair(0);
  test::client_send(client, "abc");
  t.reset_client(client);
  EXPECT_EQ(test::guest_recv(t.h(), fd, 8, abi::recv_waitall), "abc");
  host_ciovec part = from("late");
  std::size_t written = 0;
  EXPECT_EQ(t.h().fd_write(fd, {&part, 1}, written), errc::connreset);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockSend, AResetDuringABlockingSendIsAShortSendThenConnreset) {
  harness t;
  auto [client, fd] = t.connected_pair(0);
  // More than both socket buffers hold, to a client that never reads: the guest blocks in the host.
  const std::string big(64 << 20, 'b');
  const int guest_thread = test::current_thread_id();
  std::thread resetter([&t, guest_thread, client = client] {
    test::wait_until_blocked(guest_thread);
    t.reset_client(client);
  });
  const std::size_t sent = test::guest_send(t.h(), fd, big);
  resetter.join();
  EXPECT_GT(sent, 0u);
  EXPECT_LT(sent, big.size());
  host_ciovec part = from("more");
  std::size_t more = 99;
  EXPECT_EQ(t.h().sock_send(fd, {&part, 1}, 0, more), errc::connreset) << "the reset that cut the send";
  EXPECT_EQ(more, 0u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockSend, DeliversEveryIovecToTheClient) {
  harness t;
  auto [client, fd] = t.connected_pair();
  host_ciovec parts[] = {from("hello "), from(""), from("world")};
  std::size_t sent = 0;
  ASSERT_EQ(t.h().sock_send(fd, parts, 0, sent), errc::success);
  EXPECT_EQ(sent, 11u);
  EXPECT_EQ(test::client_receive(client, 11), "hello world");
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockSend, NonZeroSiflagsAreInvalInStrictAndUvwasi) {
  for (profile p : {profile::strict, profile::uvwasi}) {
    harness t(p);
    auto [client, fd] = t.connected_pair();
    host_ciovec part = from("x");
    std::size_t sent = 0;
    EXPECT_EQ(t.h().sock_send(fd, {&part, 1}, 1, sent), errc::inval) << name(p);
    EXPECT_EQ(t.h().fd_close(fd), errc::success);
  }
}

TEST(SockSend, WasmtimeLegacyIgnoresSiflags) {
  harness t(profile::wasmtime_legacy);
  auto [client, fd] = t.connected_pair();
  EXPECT_EQ(test::guest_send(t.h(), fd, "flags", 0xffff), 5u);
  EXPECT_EQ(test::client_receive(client, 5), "flags");
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockSend, ToAResetPeerGivesAnErrorNotASignal) {
  harness t;
  auto [client, fd] = t.connected_pair();
  t.reset_client(client);
  wait_readable(t.h(), fd);
  host_ciovec part = from("anyone there?");
  std::size_t sent = 0;
  errc first = t.h().sock_send(fd, {&part, 1}, 0, sent);
  EXPECT_TRUE(first == errc::connreset || first == errc::pipe) << name(first);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockSend, IsAgainOnceTheSendBufferIsFull) {
  harness t;
  auto [client, fd] = t.connected_pair();
  const std::string chunk(1 << 16, 'z');
  host_ciovec part = from(chunk);
  std::size_t sent = 0;
  errc result = errc::success;
  for (int i = 0; i < 10000 && result == errc::success; ++i) result = t.h().sock_send(fd, {&part, 1}, 0, sent);
  EXPECT_EQ(result, errc::again);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockSend, OnABlockingSocketSendsEverythingWhileThePeerDrains) {
  harness t;
  auto [client, fd] = t.connected_pair(0);
  const std::string big(8 << 20, 'b');
  std::string drained;
  std::thread reader([&drained, client = client, size = big.size()] { drained = test::client_receive(client, size); });
  EXPECT_EQ(test::guest_send(t.h(), fd, big), big.size());
  reader.join();
  EXPECT_EQ(drained.size(), big.size());
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(SockSend, OnAListenerIsNotconnAndOnStdioIsNotsock) {
  harness t;
  host_ciovec part = from("x");
  std::size_t sent = 0;
  EXPECT_EQ(t.h().sock_send(3, {&part, 1}, 0, sent), errc::notconn);
  EXPECT_EQ(t.h().sock_send(1, {&part, 1}, 0, sent), errc::notsock);
  EXPECT_EQ(t.h().sock_send(999, {&part, 1}, 0, sent), errc::badf);
}

TEST(FdReadWriteOnSockets, WorkLikeRecvAndSend) {
  harness t;
  auto [client, fd] = t.connected_pair();
  host_ciovec part = from("ping");
  std::size_t written = 0;
  ASSERT_EQ(t.h().fd_write(fd, {&part, 1}, written), errc::success);
  EXPECT_EQ(test::client_receive(client, 4), "ping");
  test::client_send(client, "pong");
  wait_readable(t.h(), fd);
  char buffer[8];
  host_iovec iov = into(buffer, sizeof buffer);
  std::size_t read = 0;
  ASSERT_EQ(t.h().fd_read(fd, {&iov, 1}, read), errc::success);
  EXPECT_EQ(std::string_view(buffer, read), "pong");
  EXPECT_EQ(t.h().fd_read(3, {&iov, 1}, read), errc::notconn);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(FdReadWriteOnSockets, WasmtimeLegacyFdReadFillsOnlyTheFirstNonEmptyIovec) {
  harness t(profile::wasmtime_legacy);
  auto [client, fd] = t.connected_pair();
  test::client_send(client, "abcdef");
  wait_readable(t.h(), fd);
  char a[3], b[3];
  host_iovec iovs[] = {into(a, 3), into(b, 3)};
  std::size_t read = 0;
  ASSERT_EQ(t.h().fd_read(fd, iovs, read), errc::success);
  EXPECT_EQ(read, 3u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

}  // namespace
}  // namespace wasio::testbed
