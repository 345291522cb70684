// fd_close, fd_fdstat_get, fd_fdstat_set_flags, fd_prestat_*, fd_unsupported, fd numbering.
#include <fcntl.h>
#include <unistd.h>

#include "test_support.hpp"

namespace wasio::testbed {
namespace {

using test::harness;

constexpr abi::rights stream_rights = abi::right_fd_read | abi::right_fd_write | abi::right_fd_fdstat_set_flags |
                                      abi::right_poll_fd_readwrite | abi::right_sock_shutdown;

TEST(FdClose, ClosesAndForgetsAnAcceptedStream) {
  harness t;
  auto [client, fd] = t.connected_pair();
  ASSERT_EQ(t.h().fd_close(fd), errc::success);
  EXPECT_EQ(t.h().fd_close(fd), errc::badf);
  abi::fdstat stat{};
  EXPECT_EQ(t.h().fd_fdstat_get(fd, stat), errc::badf);
  EXPECT_EQ(test::client_receive(client, 1), "") << "the client sees EOF once the guest closed";
}

TEST(FdClose, OfAnUnknownFdIsBadf) {
  harness t;
  EXPECT_EQ(t.h().fd_close(99), errc::badf);
}

TEST(FdClose, OfStdioIsAllowedAndLeavesTheHostDescriptorOpen) {
  harness t;
  ASSERT_EQ(t.h().fd_close(1), errc::success);
  t.expected_open_fds -= 1;
  std::size_t written = 0;
  EXPECT_EQ(t.h().fd_write(1, {}, written), errc::badf);
  EXPECT_NE(::fcntl(t.stdout_pipe.write_end, F_GETFD), -1);
}

TEST(FdClose, OfAListenerStopsItListening) {
  harness t(test::harness_options{.listeners = 2});
  ASSERT_EQ(t.h().fd_close(4), errc::success);
  t.expected_open_fds -= 1;
  abi::fd accepted = 0;
  EXPECT_EQ(t.h().sock_accept(4, abi::fdflag_nonblock, accepted), errc::badf);
}

TEST(FdNumbers, AreNeverReused) {
  harness t;
  auto [client_a, first] = t.connected_pair();
  ASSERT_EQ(t.h().fd_close(first), errc::success);
  auto [client_b, second] = t.connected_pair();
  EXPECT_GT(second, first);
  EXPECT_EQ(t.h().fd_close(second), errc::success);
}

TEST(FdFdstatGet, StrictListenerIsANonBlockingSocketWithAcceptRights) {
  harness t;
  abi::fdstat stat{};
  ASSERT_EQ(t.h().fd_fdstat_get(3, stat), errc::success);
  EXPECT_EQ(stat.filetype, static_cast<std::uint8_t>(abi::filetype::socket_stream));
  EXPECT_EQ(stat.flags, abi::fdflag_nonblock);
  EXPECT_EQ(stat.rights_base, stream_rights | abi::right_sock_accept);
  EXPECT_EQ(stat.rights_inheriting, stream_rights);
}

TEST(FdFdstatGet, StrictStreamHasStreamRights) {
  harness t;
  auto [client, fd] = t.connected_pair();
  abi::fdstat stat{};
  ASSERT_EQ(t.h().fd_fdstat_get(fd, stat), errc::success);
  EXPECT_EQ(stat.filetype, static_cast<std::uint8_t>(abi::filetype::socket_stream));
  EXPECT_EQ(stat.rights_base, stream_rights);
  EXPECT_EQ(stat.rights_inheriting, 0u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(FdFdstatGet, WasmtimeLegacySocketHasRights0x42AndNoInheriting) {
  harness t(profile::wasmtime_legacy);
  abi::fdstat stat{};
  ASSERT_EQ(t.h().fd_fdstat_get(3, stat), errc::success);
  EXPECT_EQ(stat.filetype, 6);
  EXPECT_EQ(stat.flags, abi::fdflag_nonblock);
  EXPECT_EQ(stat.rights_base, 0x42u);
  EXPECT_EQ(stat.rights_inheriting, 0u);
}

TEST(FdFdstatGet, SocketAcceptedWithFlagsZeroIsBlocking) {
  harness t(profile::wasmtime_legacy);
  auto [client, fd] = t.connected_pair(0);
  abi::fdstat stat{};
  ASSERT_EQ(t.h().fd_fdstat_get(fd, stat), errc::success);
  EXPECT_EQ(stat.flags, 0);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(FdFdstatGet, StdioPipeHasUnknownTypeAndDirectionRights) {
  harness t;
  abi::fdstat in{}, out{};
  ASSERT_EQ(t.h().fd_fdstat_get(0, in), errc::success);
  ASSERT_EQ(t.h().fd_fdstat_get(1, out), errc::success);
  EXPECT_EQ(in.filetype, static_cast<std::uint8_t>(abi::filetype::unknown));
  EXPECT_NE(in.rights_base & abi::right_fd_read, 0u);
  EXPECT_NE(out.rights_base & abi::right_fd_write, 0u);
}

TEST(FdFdstatGet, DevNullStdoutIsACharacterDevice) {
  int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(null, 0);
  host_config config;
  config.stdout_fd = null;
  auto h = host::create(config);
  ASSERT_TRUE(h);
  abi::fdstat stat{};
  ASSERT_EQ((*h)->fd_fdstat_get(1, stat), errc::success);
  EXPECT_EQ(stat.filetype, static_cast<std::uint8_t>(abi::filetype::character_device));
  h->reset();
  ::close(null);
}

TEST(FdFdstatGet, OfAnUnknownFdIsBadf) {
  harness t;
  abi::fdstat stat{};
  EXPECT_EQ(t.h().fd_fdstat_get(0xffffffffu, stat), errc::badf);
}

TEST(FdFdstatSetFlags, TogglesNonBlockOnASocket) {
  for (profile p : {profile::strict, profile::wasmtime_legacy, profile::uvwasi}) {
    harness t(p);
    abi::fdstat stat{};
    ASSERT_EQ(t.h().fd_fdstat_set_flags(3, 0), errc::success);
    ASSERT_EQ(t.h().fd_fdstat_get(3, stat), errc::success);
    EXPECT_EQ(stat.flags, 0);
    ASSERT_EQ(t.h().fd_fdstat_set_flags(3, abi::fdflag_nonblock), errc::success);
    ASSERT_EQ(t.h().fd_fdstat_get(3, stat), errc::success);
    EXPECT_EQ(stat.flags, abi::fdflag_nonblock);
  }
}

TEST(FdFdstatSetFlags, RejectsAnyOtherSocketFlagWithInval) {
  for (profile p : {profile::strict, profile::wasmtime_legacy}) {
    harness t(p);
    for (abi::fdflags bad : {abi::fdflag_append, abi::fdflags(abi::fdflag_nonblock | abi::fdflag_sync),
                             abi::fdflags(0x8000)}) {
      EXPECT_EQ(t.h().fd_fdstat_set_flags(3, bad), errc::inval) << bad;
    }
    abi::fdstat stat{};
    ASSERT_EQ(t.h().fd_fdstat_get(3, stat), errc::success);
    EXPECT_EQ(stat.flags, abi::fdflag_nonblock) << "a rejected call changes nothing";
  }
}

TEST(FdFdstatSetFlags, OnStdioKeepsTheHostFlagsAndRefusesChanges) {
  harness t;
  EXPECT_EQ(t.h().fd_fdstat_set_flags(1, 0), errc::success);
  EXPECT_EQ(t.h().fd_fdstat_set_flags(1, abi::fdflag_nonblock), errc::notsup);
  EXPECT_EQ(t.h().fd_fdstat_set_flags(1, 0x4000), errc::inval);
  EXPECT_EQ(::fcntl(t.stdout_pipe.write_end, F_GETFL) & O_NONBLOCK, 0);
}

TEST(FdFdstatSetFlags, OfAnUnknownFdIsBadf) {
  harness t;
  EXPECT_EQ(t.h().fd_fdstat_set_flags(50, 0), errc::badf);
}

TEST(FdPrestatGet, IsBadfForEveryFd) {
  harness t;
  for (abi::fd fd : {0u, 1u, 3u, 1000u}) {
    abi::prestat stat{};
    EXPECT_EQ(t.h().fd_prestat_get(fd, stat), errc::badf) << fd;
    std::byte name[8];
    EXPECT_EQ(t.h().fd_prestat_dir_name(fd, name), errc::badf) << fd;
  }
}

TEST(FdUnsupported, SeeksOnSocketsAndStdioGiveSpipe) {
  harness t;
  for (std::string_view call : {"fd_seek", "fd_tell", "fd_pread", "fd_pwrite", "fd_advise"}) {
    EXPECT_EQ(t.h().fd_unsupported(call, 3), errc::spipe) << call;
    EXPECT_EQ(t.h().fd_unsupported(call, 1), errc::spipe) << call;
  }
}

TEST(FdUnsupported, PathCallsGiveNotdirOnOpenFdsAndBadfOnUnknownOnes) {
  harness t;
  for (std::string_view call : {"path_open", "path_filestat_get", "path_unlink_file", "path_create_directory",
                                "fd_readdir"}) {
    EXPECT_EQ(t.h().fd_unsupported(call, 3), errc::notdir) << call;
    EXPECT_EQ(t.h().fd_unsupported(call, 0), errc::notdir) << call;
    EXPECT_EQ(t.h().fd_unsupported(call, 77), errc::badf) << call;
  }
}

TEST(FdUnsupported, SyncCallsGiveInval) {
  harness t;
  EXPECT_EQ(t.h().fd_unsupported("fd_sync", 3), errc::inval);
  EXPECT_EQ(t.h().fd_unsupported("fd_datasync", 1), errc::inval);
}

TEST(FdUnsupported, CallsWithoutAResourceGiveNotsup) {
  harness t;
  for (std::string_view call : {"fd_allocate", "fd_filestat_get", "fd_renumber", "fd_fdstat_set_rights"}) {
    EXPECT_EQ(t.h().fd_unsupported(call, 3), errc::notsup) << call;
  }
}

TEST(FdUnsupported, AnyCallOnAnUnknownFdIsBadf) {
  harness t;
  EXPECT_EQ(t.h().fd_unsupported("fd_seek", 4242), errc::badf);
  EXPECT_EQ(t.h().fd_unsupported("fd_sync", 4242), errc::badf);
}

TEST(FdUnsupported, ANameThatIsNotAnUnsupportedFdCallGivesNosys) {
  harness t;
  EXPECT_EQ(t.h().fd_unsupported("fd_write", 1), errc::nosys);
  EXPECT_EQ(t.h().fd_unsupported("not_a_call", 1), errc::nosys);
}

}  // namespace
}  // namespace wasio::testbed
