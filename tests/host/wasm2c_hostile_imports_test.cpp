// Hostile arguments handed straight to the wasm2c imports, on a fake wasm_rt_memory_t: every bad
// pointer, length, count, flag and fd gives an errno, nothing outside the memory is touched, and
// results are written only on success.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "wasio/testbed/wasm2c/imports.hpp"

namespace {

using namespace wasio;
using namespace wasio::testbed;
using wasio::testbed::test::harness;
using wasio::testbed::test::harness_options;

constexpr std::uint32_t page = 65536;
constexpr std::uint32_t fault = static_cast<std::uint32_t>(errc::fault);
constexpr std::uint32_t inval = static_cast<std::uint32_t>(errc::inval);
constexpr std::uint32_t badf = static_cast<std::uint32_t>(errc::badf);
constexpr std::uint32_t ok = 0;

/// A guest memory of `pages` pages with guard bytes on both sides: a front-end that reads or
/// writes outside [data, data + size) changes a guard byte, and the test sees it.
class fake_guest {
 public:
  explicit fake_guest(harness& h, std::uint32_t pages = 1) : storage_(guard + 2 * page + guard, 0x5a) {
    memory_.data = storage_.data() + guard;
    std::fill(memory_.data, memory_.data + 2 * page, std::uint8_t{0});
    memory_.pages = pages;
    memory_.max_pages = 2;
    memory_.size = pages * page;
    env_.memory = &memory_;
    env_.host = &h.h();
  }
  ~fake_guest() {
    EXPECT_TRUE(std::all_of(storage_.begin(), storage_.begin() + guard, [](std::uint8_t b) { return b == 0x5a; }))
        << "an import wrote below the guest memory";
    EXPECT_TRUE(std::all_of(storage_.end() - guard, storage_.end(), [](std::uint8_t b) { return b == 0x5a; }))
        << "an import wrote above the guest memory";
  }

  Z_wasi_snapshot_preview1_instance_t* env() { return &env_; }
  wasm_rt_memory_t& memory() { return memory_; }
  void grow_to(std::uint32_t pages) {
    memory_.pages = pages;
    memory_.size = pages * page;
  }

  void put32(std::uint32_t at, std::uint32_t value) { std::memcpy(memory_.data + at, &value, 4); }
  std::uint32_t get32(std::uint32_t at) const {
    std::uint32_t value;
    std::memcpy(&value, memory_.data + at, 4);
    return value;
  }
  void put_bytes(std::uint32_t at, std::string_view text) { std::memcpy(memory_.data + at, text.data(), text.size()); }
  std::string get_bytes(std::uint32_t at, std::size_t size) const {
    return std::string(reinterpret_cast<const char*>(memory_.data + at), size);
  }
  void iovec(std::uint32_t at, std::uint32_t buf, std::uint32_t len) {
    put32(at, buf);
    put32(at + 4, len);
  }

 private:
  static constexpr std::size_t guard = 4096;
  std::vector<std::uint8_t> storage_;
  wasm_rt_memory_t memory_{};
  Z_wasi_snapshot_preview1_instance_t env_{};
};

/// Everything the guest wrote to its stdout so far (non-blocking read of the harness pipe).
std::string drain(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::fcntl(fd, F_SETFL, flags);
  return out;
}

TEST(Wasm2cImports, FdWriteRejectsAnIovecArrayOutsideMemory) {
  harness h;
  fake_guest g(h);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_write(g.env(), 1, 0xfffffff0, 1, 0x200), fault);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_write(g.env(), 1, page - 4, 1, 0x200), fault);
  EXPECT_EQ(drain(h.stdout_pipe.read_end), "");
}

TEST(Wasm2cImports, FdWriteRejectsAHugeIovecCountWithoutAllocating) {
  harness h;
  fake_guest g(h);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_write(g.env(), 1, 0x100, 0xffffffff, 0x200), fault);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_write(g.env(), 1, 0x100, 0x20000000, 0x200), fault);
}

TEST(Wasm2cImports, FdWriteRejectsMoreIovecsThanTheLimit) {
  harness h;
  fake_guest g(h);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_write(g.env(), 1, 0x100, wasm2c::iovec_count_limit + 1, 0x200), inval);
}

TEST(Wasm2cImports, FdWriteOfOverlappingIovecsBeyond4GiBReportsAtMostUint32Max) {
  // The largest memory wasm2c 1.0.32 can describe (65535 pages), mapped but untouched, and two
  // iovecs that each cover nearly all of it: 8 GiB asked, to /dev/null (never read).
  constexpr std::uint64_t pages = 65535;
  constexpr std::size_t bytes = pages * page;
  void* area = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ASSERT_NE(area, MAP_FAILED);
  int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(null, 0);
  {
    harness h(harness_options{.stdout_fd = null});
    wasm_rt_memory_t memory{};
    memory.data = static_cast<std::uint8_t*>(area);
    memory.pages = memory.max_pages = pages;
    memory.size = static_cast<std::uint32_t>(bytes);
    Z_wasi_snapshot_preview1_instance_t env{};
    env.memory = &memory;
    env.host = &h.h();
    const std::uint32_t iovecs[] = {0, static_cast<std::uint32_t>(bytes), 0, static_cast<std::uint32_t>(bytes)};
    std::memcpy(memory.data + 0x100, iovecs, sizeof iovecs);
    EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_write(&env, 1, 0x100, 2, 0x200), ok);
    std::uint32_t written = 0;
    std::memcpy(&written, memory.data + 0x200, 4);
    EXPECT_EQ(written, UINT32_MAX) << "a count above 4 GiB must be cut, not wrapped";
  }
  ::close(null);
  ::munmap(area, bytes);
}

TEST(Wasm2cImports, FdWriteRejectsAnIovecWhoseRangeWrapsAround) {
  harness h;
  fake_guest g(h);
  g.iovec(0x100, 0x1000, 0xffffffff);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_write(g.env(), 1, 0x100, 1, 0x200), fault);
  g.iovec(0x100, 0xfffffff0, 0x20);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_write(g.env(), 1, 0x100, 1, 0x200), fault);
}

TEST(Wasm2cImports, FdWriteChecksEveryIovecBeforeWritingAny) {
  harness h;
  fake_guest g(h);
  g.put_bytes(0x1000, "hello");
  g.iovec(0x100, 0x1000, 5);
  g.iovec(0x108, page - 2, 3);  // one byte past the end
  g.put32(0x200, 0xaaaaaaaa);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_write(g.env(), 1, 0x100, 2, 0x200), fault);
  EXPECT_EQ(drain(h.stdout_pipe.read_end), "");
  EXPECT_EQ(g.get32(0x200), 0xaaaaaaaau) << "nwritten written on failure";
}

TEST(Wasm2cImports, FdWriteRejectsAResultPointerOutsideMemoryBeforeWriting) {
  harness h;
  fake_guest g(h);
  g.put_bytes(0x1000, "hello");
  g.iovec(0x100, 0x1000, 5);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_write(g.env(), 1, 0x100, 1, page - 3), fault);
  EXPECT_EQ(drain(h.stdout_pipe.read_end), "") << "bytes written although the result could not be stored";
}

TEST(Wasm2cImports, FdWriteGathersUnalignedIovecsAndStoresAnUnalignedResult) {
  harness h;
  fake_guest g(h);
  g.put_bytes(0x1001, "hel");
  g.put_bytes(0x2003, "lo\n");
  g.iovec(0x101, 0x1001, 3);
  g.iovec(0x109, 0x2003, 3);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_write(g.env(), 1, 0x101, 2, 0x203), ok);
  EXPECT_EQ(g.get32(0x203), 6u);
  EXPECT_EQ(drain(h.stdout_pipe.read_end), "hello\n");
}

TEST(Wasm2cImports, UnknownFdsAreBadfAndLeaveResultsUntouched) {
  harness h;
  fake_guest g(h);
  g.iovec(0x100, 0x1000, 16);
  g.put32(0x200, 0xaaaaaaaa);
  g.put32(0x204, 0xaaaaaaaa);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_write(g.env(), 99, 0x100, 1, 0x200), badf);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_read(g.env(), 99, 0x100, 1, 0x200), badf);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_sock_recv(g.env(), 99, 0x100, 1, 0, 0x200, 0x204), badf);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_sock_send(g.env(), 99, 0x100, 1, 0, 0x200), badf);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_sock_accept(g.env(), 99, 0, 0x200), badf);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_sock_shutdown(g.env(), 99, 1), badf);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_close(g.env(), 99), badf);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_fdstat_get(g.env(), 99, 0x200), badf);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_prestat_get(g.env(), 99, 0x200), badf);
  EXPECT_EQ(g.get32(0x200), 0xaaaaaaaau);
  EXPECT_EQ(g.get32(0x204), 0xaaaaaaaau);
}

TEST(Wasm2cImports, FlagsWiderThanTheirWasiTypeAreInvalid) {
  harness h;
  fake_guest g(h);
  g.iovec(0x100, 0x1000, 16);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_fdstat_set_flags(g.env(), 1, 0x10004), inval);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_sock_accept(g.env(), h.listener(), 0x10000, 0x200), inval);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_sock_recv(g.env(), h.listener(), 0x100, 1, 0x10000, 0x200, 0x204), inval);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_sock_send(g.env(), h.listener(), 0x100, 1, 0x10000, 0x200), inval);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_sock_shutdown(g.env(), h.listener(), 0x100), inval);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_seek(g.env(), 1, 0, 3, 0x200), inval);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_advise(g.env(), 1, 0, 0, 6), inval);
}

TEST(Wasm2cImports, SockAcceptChecksTheResultPointerBeforeAccepting) {
  harness h;
  fake_guest g(h);
  int client = h.connect_client();
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_sock_accept(g.env(), h.listener(), wasio::abi::fdflag_nonblock, page - 2), fault);
  // The pending connection was not consumed: a correct call still gets it.
  ASSERT_EQ(Z_wasi_snapshot_preview1Z_sock_accept(g.env(), h.listener(), wasio::abi::fdflag_nonblock, 0x200), ok);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_close(g.env(), g.get32(0x200)), ok);
  h.close_client(client);
}

TEST(Wasm2cImports, PollOneoffChecksBothArraysBeforeDecoding) {
  harness h;
  fake_guest g(h);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_poll_oneoff(g.env(), 0x100, 0x1000, 0x7fffffff, 0x200), fault);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_poll_oneoff(g.env(), 0x100, 0x1000, 0xffffffff, 0x200), fault);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_poll_oneoff(g.env(), page - 47, 0x1000, 1, 0x200), fault);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_poll_oneoff(g.env(), 0x100, page - 31, 1, 0x200), fault);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_poll_oneoff(g.env(), 0x100, 0x1000, 1, page - 3), fault);
}

TEST(Wasm2cImports, PollOneoffRejectsZeroSubscriptionsAndUnknownEventTypes) {
  harness h;
  fake_guest g(h);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_poll_oneoff(g.env(), 0x100, 0x1000, 0, 0x200), inval);
  g.memory().data[0x100 + 8] = 9;  // tag: no such event type
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_poll_oneoff(g.env(), 0x100, 0x1000, 1, 0x200), inval);
}

TEST(Wasm2cImports, PollOneoffRefusesMoreSubscriptionsThanTheHostCapBeforeDecoding) {
  harness h(harness_options{.max_poll_subscriptions = 2});
  fake_guest g(h);
  wasio::abi::subscription sub = test::clock_subscription(1, wasio::abi::clockid::monotonic, 0);
  for (std::uint32_t i = 0; i < 3; ++i) std::memcpy(g.memory().data + 0x100 + i * sizeof sub, &sub, sizeof sub);
  g.put32(0x200, 0xaaaaaaaa);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_poll_oneoff(g.env(), 0x100, 0x1000, 3, 0x200), inval);
  EXPECT_EQ(g.get32(0x200), 0xaaaaaaaau) << "nevents written on failure";
  ASSERT_EQ(Z_wasi_snapshot_preview1Z_poll_oneoff(g.env(), 0x100, 0x1000, 2, 0x200), ok);
  EXPECT_EQ(g.get32(0x200), 2u);
}

TEST(Wasm2cImports, PollOneoffDecodesUnalignedSubscriptionsAndWritesEvents) {
  harness h;
  fake_guest g(h);
  wasio::abi::subscription sub = test::clock_subscription(0x1122334455667788ull, wasio::abi::clockid::monotonic, 0);
  std::memcpy(g.memory().data + 0x101, &sub, sizeof sub);
  g.put32(0x203, 0xaaaaaaaa);
  ASSERT_EQ(Z_wasi_snapshot_preview1Z_poll_oneoff(g.env(), 0x101, 0x1003, 1, 0x203), ok);
  ASSERT_EQ(g.get32(0x203), 1u);
  wasio::abi::event event;
  std::memcpy(&event, g.memory().data + 0x1003, sizeof event);
  EXPECT_EQ(event.user, 0x1122334455667788ull);
  EXPECT_EQ(event.type, static_cast<std::uint8_t>(wasio::abi::eventtype::clock));
  EXPECT_EQ(event.error, 0);
}

TEST(Wasm2cImports, ClockCallsRejectUnknownClocksAndBadResultPointers) {
  harness h;
  fake_guest g(h);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_clock_time_get(g.env(), 99, 0, 0x200), inval);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_clock_res_get(g.env(), 99, 0x200), inval);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_clock_time_get(g.env(), 1, 0, page - 7), fault);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_clock_res_get(g.env(), 1, 0xfffffffc), fault);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_clock_time_get(g.env(), 1, 0, page - 8), ok);
}

TEST(Wasm2cImports, ArgsAndEnvironSizesMatchTheirLayoutExactly) {
  harness_options options;
  options.args = {"prog", "", "two words"};
  options.env = {"A=1", "EMPTY="};
  harness h(options);
  fake_guest g(h);
  ASSERT_EQ(Z_wasi_snapshot_preview1Z_args_sizes_get(g.env(), 0x100, 0x104), ok);
  EXPECT_EQ(g.get32(0x100), 3u);
  EXPECT_EQ(g.get32(0x104), 5u + 1u + 10u);
  // A buffer exactly that big at the very end of memory is enough; one byte less is a fault.
  std::uint32_t buf = page - 16;
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_args_get(g.env(), 0x200, buf + 1), fault);
  ASSERT_EQ(Z_wasi_snapshot_preview1Z_args_get(g.env(), 0x200, buf), ok);
  EXPECT_EQ(g.get32(0x200), buf);
  EXPECT_EQ(g.get32(0x204), buf + 5);
  EXPECT_EQ(g.get32(0x208), buf + 6);
  EXPECT_EQ(g.get_bytes(buf, 16), std::string("prog\0\0two words\0", 16));

  ASSERT_EQ(Z_wasi_snapshot_preview1Z_environ_sizes_get(g.env(), 0x100, 0x104), ok);
  EXPECT_EQ(g.get32(0x100), 2u);
  EXPECT_EQ(g.get32(0x104), 4u + 7u);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_environ_get(g.env(), page - 4, 0x400), fault);
  ASSERT_EQ(Z_wasi_snapshot_preview1Z_environ_get(g.env(), 0x300, 0x400), ok);
  EXPECT_EQ(g.get_bytes(0x400, 11), std::string("A=1\0EMPTY=\0", 11));
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_args_sizes_get(g.env(), 0xffffffff, 0x104), fault);
}

TEST(Wasm2cImports, RandomGetAcceptsAnEmptyRangeAtTheEndAndNothingBeyond) {
  harness h;
  fake_guest g(h);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_random_get(g.env(), page, 0), ok);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_random_get(g.env(), page + 1, 0), fault);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_random_get(g.env(), page - 1, 2), fault);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_random_get(g.env(), 16, 0xffffffff), fault);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_random_get(g.env(), page - 32, 32), ok);
}

TEST(Wasm2cImports, BoundsFollowMemoryGrowthBetweenCalls) {
  harness h;
  fake_guest g(h);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_clock_time_get(g.env(), 1, 0, page + 8), fault);
  g.grow_to(2);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_clock_time_get(g.env(), 1, 0, page + 8), ok);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_clock_time_get(g.env(), 1, 0, 2 * page - 7), fault);
}

TEST(Wasm2cImports, WithoutMemoryEveryPointerIsAFault) {
  harness h;
  fake_guest g(h);
  g.env()->memory = nullptr;
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_clock_time_get(g.env(), 1, 0, 0), fault);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_write(g.env(), 1, 0, 1, 0), fault);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_random_get(g.env(), 0, 0), ok);
}

TEST(Wasm2cImports, CallsWithoutACoreResourceCheckPointersThenAnswerLikeTheHost) {
  harness h;
  fake_guest g(h);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_path_open(g.env(), 3, 0, 0xfffffff0, 32, 0, 0, 0, 0, 0x200), fault);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_filestat_get(g.env(), 1, page - 63), fault);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_tell(g.env(), 99, 0x200), badf);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_seek(g.env(), 99, 0, 0, 0x200), badf);
  EXPECT_NE(Z_wasi_snapshot_preview1Z_fd_seek(g.env(), 1, 0, 0, 0x200), ok);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_proc_raise(g.env(), 6), static_cast<std::uint32_t>(errc::notsup));
}

TEST(Wasm2cImports, ProcExitRecordsTheCodeForTheRunner) {
  harness h;
  fake_guest g(h);
  Z_wasi_snapshot_preview1Z_proc_exit(g.env(), 7);
  EXPECT_TRUE(g.env()->exited);
  EXPECT_EQ(g.env()->exit_code, 7u);
}

TEST(Wasm2cImports, EveryPreview1FunctionHasAnImportAndNothingElseDoes) {
  std::vector<std::string_view> host_names(preview1_function_names().begin(), preview1_function_names().end());
  std::vector<std::string_view> import_names;
  for (const wasm2c::import_signature& s : wasm2c::preview1_imports()) {
    import_names.push_back(s.name);
    EXPECT_NE(s.function, nullptr) << s.name;
  }
  std::sort(host_names.begin(), host_names.end());
  std::sort(import_names.begin(), import_names.end());
  EXPECT_EQ(host_names, import_names);
}

TEST(Wasm2cImports, InsideHostCallIsFalseOutsideImports) {
  EXPECT_FALSE(wasm2c::inside_host_call());
}

}  // namespace
