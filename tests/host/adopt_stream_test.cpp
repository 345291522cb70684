// host::adopt_stream: an embedder's connected stream socket handed to the guest.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_support.hpp"

namespace wasio::testbed {
namespace {

using test::harness;

TEST(AdoptStream, GivesTheNextFdAsANonBlockingStreamSocket) {
  harness t;
  int ends[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends), 0);
  auto adopted = t.h().adopt_stream(ends[0]);
  ASSERT_TRUE(adopted) << name(adopted.error());
  EXPECT_EQ(*adopted, 4u);
  abi::fdstat stat{};
  ASSERT_EQ(t.h().fd_fdstat_get(*adopted, stat), errc::success);
  EXPECT_EQ(stat.filetype, static_cast<std::uint8_t>(abi::filetype::socket_stream));
  EXPECT_EQ(stat.flags, abi::fdflag_nonblock);
  EXPECT_EQ(t.h().fd_close(*adopted), errc::success);
  ::close(ends[1]);
}

TEST(AdoptStream, CarriesBytesAndReadinessBothWays) {
  harness t;
  int ends[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends), 0);
  abi::fd fd = t.h().adopt_stream(ends[0]).value();
  ASSERT_EQ(::write(ends[1], "wake", 4), 4);
  auto outcome = test::poll(t.h(), {test::read_subscription(1, fd), test::safety_clock()});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 1u);
  EXPECT_EQ(outcome.events[0].fd_readwrite.nbytes, 4u);
  EXPECT_EQ(test::guest_recv(t.h(), fd, 8), "wake");
  EXPECT_EQ(test::guest_send(t.h(), fd, "ack"), 3u);
  char reply[3];
  ASSERT_EQ(::read(ends[1], reply, 3), 3);
  EXPECT_EQ(std::string_view(reply, 3), "ack");
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
  ::close(ends[1]);
}

TEST(AdoptStream, RefusesAPipeWithNotsockAndClosesIt) {
  harness t;
  int ends[2];
  ASSERT_EQ(::pipe2(ends, O_CLOEXEC), 0);
  auto adopted = t.h().adopt_stream(ends[0]);
  ASSERT_FALSE(adopted);
  EXPECT_EQ(adopted.error(), errc::notsock);
  EXPECT_EQ(::fcntl(ends[0], F_GETFD), -1) << "the host owns the descriptor even when it refuses it";
  ::close(ends[1]);
}

TEST(AdoptStream, RefusesADatagramSocketWithInval) {
  harness t;
  int datagram = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(datagram, 0);
  auto adopted = t.h().adopt_stream(datagram);
  ASSERT_FALSE(adopted);
  EXPECT_EQ(adopted.error(), errc::inval);
}

TEST(AdoptStream, BeyondMaxOpenFdsIsMfileAndTheDescriptorIsClosed) {
  harness t(test::harness_options{.max_open_fds = 4});  // stdio and the listener: full
  int ends[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends), 0);
  auto adopted = t.h().adopt_stream(ends[0]);
  ASSERT_FALSE(adopted);
  EXPECT_EQ(adopted.error(), errc::mfile);
  EXPECT_EQ(t.h().open_fd_count(), 4u);
  EXPECT_EQ(::fcntl(ends[0], F_GETFD), -1) << "the host owns the descriptor even when it refuses it";
  ::close(ends[1]);
}

TEST(AdoptStream, RefusesADescriptorThatIsNotOpenWithBadf) {
  harness t;
  auto adopted = t.h().adopt_stream(999'999);
  ASSERT_FALSE(adopted);
  EXPECT_EQ(adopted.error(), errc::badf);
}

}  // namespace
}  // namespace wasio::testbed
