// fd_write / fd_read on stdio.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

#include <thread>

#include "test_support.hpp"

namespace wasio::testbed {
namespace {

using test::harness;

host_ciovec text_buffer(std::string_view text) {
  return host_ciovec{reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

std::string read_pipe(int fd, std::size_t count) {
  std::string data(count, '\0');
  std::size_t got = 0;
  while (got < count) {
    ssize_t n = ::read(fd, data.data() + got, count - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  data.resize(got);
  return data;
}

TEST(FdWrite, WritesEveryIovecToStdout) {
  harness t;
  host_ciovec parts[] = {text_buffer("hello "), text_buffer(""), text_buffer("world")};
  std::size_t written = 0;
  ASSERT_EQ(t.h().fd_write(1, parts, written), errc::success);
  EXPECT_EQ(written, 11u);
  EXPECT_EQ(read_pipe(t.stdout_pipe.read_end, 11), "hello world");
}

TEST(FdWrite, WritesToStderr) {
  harness t;
  host_ciovec part = text_buffer("oops");
  std::size_t written = 0;
  ASSERT_EQ(t.h().fd_write(2, {&part, 1}, written), errc::success);
  EXPECT_EQ(read_pipe(t.stderr_pipe.read_end, 4), "oops");
}

TEST(FdWrite, ToAPipeWithNoReaderGivesPipeNotASignal) {
  harness t;
  ::close(t.stdout_pipe.read_end);
  t.stdout_pipe.read_end = -1;
  host_ciovec part = text_buffer("lost?");
  std::size_t written = 99;
  EXPECT_EQ(t.h().fd_write(1, {&part, 1}, written), errc::pipe);
  EXPECT_EQ(written, 0u);
}

TEST(FdWrite, ToAFullDiskGivesNospc) {
  int full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (full < 0) GTEST_SKIP() << "no /dev/full";
  host_config config;
  config.stdout_fd = full;
  auto h = host::create(config);
  ASSERT_TRUE(h);
  host_ciovec part = text_buffer("data");
  std::size_t written = 0;
  EXPECT_EQ((*h)->fd_write(1, {&part, 1}, written), errc::nospc);
  h->reset();
  ::close(full);
}

TEST(FdWrite, WritesEverythingToANonBlockingPipeThatFillsUp) {
  harness t;
  ::fcntl(t.stdout_pipe.write_end, F_SETFL, ::fcntl(t.stdout_pipe.write_end, F_GETFL) | O_NONBLOCK);
  const std::string big(1 << 20, 'x');  // 16 pipe buffers
  std::string drained;
  std::thread reader([&] { drained = read_pipe(t.stdout_pipe.read_end, big.size()); });
  host_ciovec part = text_buffer(big);
  std::size_t written = 0;
  EXPECT_EQ(t.h().fd_write(1, {&part, 1}, written), errc::success);
  reader.join();
  EXPECT_EQ(written, big.size());
  EXPECT_EQ(drained, big);
}

TEST(FdWrite, MovesAtMostUint32MaxBytesInOneCall) {
  // Two 3 GiB buffers over one untouched mapping (writes to /dev/null never read them): 6 GiB asked.
  constexpr std::size_t three_gib = 3ull << 30;
  void* area = ::mmap(nullptr, three_gib, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ASSERT_NE(area, MAP_FAILED);
  int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(null, 0);
  {
    harness t(test::harness_options{.stdout_fd = null});
    const auto* bytes = static_cast<const std::byte*>(area);
    host_ciovec parts[] = {{bytes, three_gib}, {bytes, three_gib}};
    std::size_t written = 0;
    ASSERT_EQ(t.h().fd_write(1, parts, written), errc::success);
    EXPECT_EQ(written, std::size_t{UINT32_MAX}) << "cut at the largest count WASI can report";
  }
  ::close(null);
  ::munmap(area, three_gib);
}

TEST(FdWrite, OnAnUnknownFdIsBadf) {
  harness t;
  host_ciovec part = text_buffer("x");
  std::size_t written = 0;
  EXPECT_EQ(t.h().fd_write(77, {&part, 1}, written), errc::badf);
}

TEST(FdRead, ReadsWhatIsWaitingOnStdin) {
  harness t;
  ASSERT_EQ(::write(t.stdin_pipe.write_end, "input", 5), 5);
  char buffer[16] = {};
  host_iovec iov{reinterpret_cast<std::byte*>(buffer), sizeof buffer};
  std::size_t read = 0;
  ASSERT_EQ(t.h().fd_read(0, {&iov, 1}, read), errc::success);
  EXPECT_EQ(std::string_view(buffer, read), "input");
}

TEST(FdRead, ReturnsZeroAtEndOfStdin) {
  harness t;
  ::close(t.stdin_pipe.write_end);
  t.stdin_pipe.write_end = -1;
  char buffer[4];
  host_iovec iov{reinterpret_cast<std::byte*>(buffer), sizeof buffer};
  std::size_t read = 9;
  ASSERT_EQ(t.h().fd_read(0, {&iov, 1}, read), errc::success);
  EXPECT_EQ(read, 0u);
}

TEST(FdRead, StrictFillsEveryIovec) {
  harness t;
  ASSERT_EQ(::write(t.stdin_pipe.write_end, "abcdef", 6), 6);
  char a[2], b[4];
  host_iovec iovs[] = {{reinterpret_cast<std::byte*>(a), 2}, {reinterpret_cast<std::byte*>(b), 4}};
  std::size_t read = 0;
  ASSERT_EQ(t.h().fd_read(0, iovs, read), errc::success);
  EXPECT_EQ(read, 6u);
  EXPECT_EQ(std::string_view(b, 4), "cdef");
}

TEST(FdRead, WasmtimeLegacyFillsOnlyTheFirstNonEmptyIovec) {
  harness t(profile::wasmtime_legacy);
  ASSERT_EQ(::write(t.stdin_pipe.write_end, "abcdef", 6), 6);
  char a[2], b[4];
  host_iovec iovs[] = {{nullptr, 0}, {reinterpret_cast<std::byte*>(a), 2}, {reinterpret_cast<std::byte*>(b), 4}};
  std::size_t read = 0;
  ASSERT_EQ(t.h().fd_read(0, iovs, read), errc::success);
  EXPECT_EQ(read, 2u);
  EXPECT_EQ(std::string_view(a, 2), "ab");
}

TEST(FdRead, OnAnUnknownFdIsBadf) {
  harness t;
  char buffer[4];
  host_iovec iov{reinterpret_cast<std::byte*>(buffer), sizeof buffer};
  std::size_t read = 0;
  EXPECT_EQ(t.h().fd_read(1234, {&iov, 1}, read), errc::badf);
}

}  // namespace
}  // namespace wasio::testbed
