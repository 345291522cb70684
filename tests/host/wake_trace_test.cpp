// wake() from other threads, and the call trace.
#include <cstdio>
#include <string>
#include <thread>

#include "test_support.hpp"

namespace wasio::testbed {
namespace {

using test::clock_subscription;
using test::harness;
using test::poll;
using test::read_subscription;

TEST(Wake, ReturnsABlockedPollWithSuccessAndNoEvents) {
  harness t;
  std::thread waker([&t, guest = test::current_thread_id()] {
    test::wait_until_blocked(guest);
    t.h().wake();
  });
  auto outcome = poll(t.h(), {read_subscription(1, 3), test::safety_clock()});
  waker.join();
  EXPECT_EQ(outcome.result, errc::success);
  EXPECT_TRUE(outcome.events.empty());
}

TEST(Wake, BeforeAPollMakesThatPollReturnAtOnce) {
  harness t;
  t.h().wake();
  auto outcome = poll(t.h(), {read_subscription(1, 3), test::safety_clock()});
  EXPECT_EQ(outcome.result, errc::success);
  EXPECT_TRUE(outcome.events.empty());
}

TEST(Wake, ManyWakesCoalesceIntoOneEarlyReturn) {
  harness t;
  for (int i = 0; i < 5; ++i) t.h().wake();
  EXPECT_TRUE(poll(t.h(), {read_subscription(1, 3), test::safety_clock()}).events.empty());
  auto next = poll(t.h(), {read_subscription(1, 3), clock_subscription(2, abi::clockid::monotonic, 1'000'000)});
  ASSERT_EQ(next.events.size(), 1u);
  EXPECT_EQ(next.events[0].user, 2u) << "the second poll ran to its clock";
}

TEST(Wake, FromManyThreadsAtOnceIsSafe) {
  harness t;
  std::vector<std::thread> wakers;
  for (int i = 0; i < 4; ++i) {
    wakers.emplace_back([&t] {
      for (int j = 0; j < 1000; ++j) t.h().wake();
    });
  }
  for (int round = 0; round < 20; ++round) {
    auto outcome = poll(t.h(), {clock_subscription(1, abi::clockid::monotonic, 100'000)});
    EXPECT_EQ(outcome.result, errc::success);
  }
  for (auto& w : wakers) w.join();
}

TEST(Wake, DoesNotHideReadyEvents) {
  harness t;
  t.connect_client();
  t.h().wake();
  auto outcome = poll(t.h(), {read_subscription(1, 3), test::safety_clock()});
  ASSERT_EQ(outcome.events.size(), 1u);
  EXPECT_EQ(outcome.events[0].user, 1u);
  abi::fd accepted = t.accept();
  EXPECT_EQ(t.h().fd_close(accepted), errc::success);
}

std::string contents(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::string text;
  char buffer[256];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, file)) text.append(buffer, n);
  return text;
}

TEST(Trace, LogsOneLinePerCallWithArgumentsAndErrno) {
  std::FILE* log = std::tmpfile();
  ASSERT_NE(log, nullptr);
  {
    harness t(test::harness_options{.trace = log});
    EXPECT_TRUE(t.h().tracing());
    EXPECT_EQ(t.h().fd_close(99), errc::badf);
    abi::fd accepted = 0;
    EXPECT_EQ(t.h().sock_accept(3, abi::fdflag_nonblock, accepted), errc::again);
    EXPECT_EQ(t.h().sched_yield(), errc::success);
  }
  std::string text = contents(log);
  std::fclose(log);
  EXPECT_NE(text.find("wasio-trace: fd_close(fd=99) -> badf\n"), std::string::npos) << text;
  EXPECT_NE(text.find("wasio-trace: sock_accept(fd=3, flags=4, newfd=0) -> again\n"), std::string::npos) << text;
  EXPECT_NE(text.find("wasio-trace: sched_yield() -> success\n"), std::string::npos) << text;
}

TEST(Trace, FrontEndLinesGetThePrefixOnce) {
  std::FILE* log = std::tmpfile();
  ASSERT_NE(log, nullptr);
  {
    harness t(test::harness_options{.trace = log});
    t.h().trace_line("args_get() -> success");
    t.h().trace_line("wasio-trace: environ_get() -> success\n");
  }
  std::string text = contents(log);
  std::fclose(log);
  EXPECT_EQ(text, "wasio-trace: args_get() -> success\nwasio-trace: environ_get() -> success\n");
}

TEST(Trace, IsOffWithoutATraceFile) {
  harness t;
  EXPECT_FALSE(t.h().tracing());
}

}  // namespace
}  // namespace wasio::testbed
