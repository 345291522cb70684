// rt::service over the host core's control channel (docs/shutdown.md): signals delivered with
// control_channel::deliver (the path a real signal's handler takes after its write to the pipe),
// the process ending replaced by a recorder.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "test_host.hpp"
#include "wasio/io/control_stream.hpp"
#include "wasio/rt/accept_loop.hpp"
#include "wasio/rt/service.hpp"
#include "wasio/rt/task_group.hpp"
#include "wasio/rt/time.hpp"
#include "wasio/sys/listeners.hpp"
#include "wasio/testbed/control_channel.hpp"

namespace wasio {
namespace {

using namespace std::chrono_literals;

/// Waits (bounded: a guard against hangs, never a timing assertion) for a condition another thread makes true.
template <class Predicate>
bool eventually(Predicate p) {
  const auto until = std::chrono::steady_clock::now() + 60s;
  while (!p()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

/// A host with `listeners` listeners and a control channel announced in its environment, as
/// wasio-run makes them; the channel's "end the process" only records the status.
class control_fixture {
 public:
  explicit control_fixture(testbed::profile semantics = testbed::profile::strict, std::size_t listeners = 0,
                           std::chrono::milliseconds timeout = 2000ms) {
    const auto control_fd = 3 + listeners;
    host_.emplace(semantics, listeners, std::vector<std::string>{"service_test"},
                  std::vector<std::string>{"WASIO_CONTROL_FD=" + std::to_string(control_fd),
                                           "WASIO_SHUTDOWN_TIMEOUT_MS=" + std::to_string(timeout.count())});
    testbed::control_channel::options options;
    options.shutdown_timeout = timeout;
    options.program = "service_test";
    options.end_process = [this](int status) { ended_.store(status); };
    channel_ = testbed::control_channel::create(host_->host(), std::move(options)).value();
    EXPECT_EQ(channel_->guest_fd(), control_fd);
  }
  ~control_fixture() {
    channel_.reset();
    // The guest end of the channel is the guest's: a test that never opened a service closes it here.
    abi::fdstat stat{};
    if (host_->host().fd_fdstat_get(static_cast<abi::fd>(3 + host_->host().listeners().size()), stat) == errc::success)
      (void)host_->host().fd_close(static_cast<abi::fd>(3 + host_->host().listeners().size()));
  }

  testbed::control_channel& channel() { return *channel_; }
  testbed::host& host() { return host_->host(); }
  /// The status the channel ended the process with, once it did (-1 before).
  int ended() const { return ended_.load(); }

 private:
  std::optional<guest_test::test_host> host_;
  std::unique_ptr<testbed::control_channel> channel_;
  std::atomic<int> ended_{-1};
};

TEST(RtService, ShutdownRequestStopsTheTokenAndTheServiceDrainsToo) {
  for (auto semantics : {testbed::profile::strict, testbed::profile::wasmtime_legacy, testbed::profile::uvwasi}) {
    control_fixture fixture(semantics);
    {
      rt::runtime rt;
      auto svc = rt::service::open(rt).value();
      EXPECT_TRUE(svc->has_host_channel());
      EXPECT_FALSE(svc->shutdown_requested());
      ASSERT_TRUE(eventually([&] { return fixture.channel().guest_drains(); }));
      std::thread signaller([&] { fixture.channel().deliver(SIGTERM); });
      auto waited = rt.block_on([](rt::service& s) -> task<result<void>> { co_return co_await s.wait_shutdown(); }(*svc));
      signaller.join();
      EXPECT_TRUE(waited);
      EXPECT_TRUE(svc->shutdown_requested());
      EXPECT_TRUE(svc->shutdown_token().stop_requested());
      // The reader ended with the request: a run() has nothing left to wait for.
      EXPECT_TRUE(rt.run());
      EXPECT_TRUE(fixture.channel().shutdown_started());
    }
    EXPECT_EQ(fixture.ended(), -1) << "a guest that drains is not ended";
  }
}

TEST(RtService, AGuestThatDoesNotListenIsEndedAtOnce) {
  control_fixture fixture;
  fixture.channel().deliver(SIGTERM);
  ASSERT_TRUE(eventually([&] { return fixture.ended() != -1; }));
  EXPECT_EQ(fixture.ended(), 128 + SIGTERM);
}

TEST(RtService, ASecondSignalEndsTheDrainAtOnce) {
  control_fixture fixture(testbed::profile::strict, 0, 3600'000ms);
  rt::runtime rt;
  auto svc = rt::service::open(rt).value();
  ASSERT_TRUE(eventually([&] { return fixture.channel().guest_drains(); }));
  fixture.channel().deliver(SIGINT);
  ASSERT_TRUE(eventually([&] { return fixture.channel().shutdown_started(); }));
  EXPECT_EQ(fixture.ended(), -1);
  fixture.channel().deliver(SIGTERM);
  ASSERT_TRUE(eventually([&] { return fixture.ended() != -1; }));
  EXPECT_EQ(fixture.ended(), 128 + SIGINT) << "the status names the first signal";
  EXPECT_TRUE(rt.block_on([](rt::service& s) -> task<result<void>> { co_return co_await s.wait_shutdown(); }(*svc)));
}

TEST(RtService, TheGracePeriodEndsADrainThatNeverFinishes) {
  control_fixture fixture(testbed::profile::strict, 0, 20ms);
  rt::runtime rt;
  auto svc = rt::service::open(rt).value();
  ASSERT_TRUE(eventually([&] { return fixture.channel().guest_drains(); }));
  fixture.channel().deliver(SIGTERM);
  ASSERT_TRUE(eventually([&] { return fixture.ended() != -1; }));
  EXPECT_EQ(fixture.ended(), 128 + SIGTERM);
}

TEST(RtService, ReopenResumesEveryWaiterOnlyAfterTheGuestSubscribed) {
  control_fixture fixture;
  rt::runtime rt;
  auto svc = rt::service::open(rt).value();
  ASSERT_TRUE(eventually([&] { return fixture.channel().guest_drains(); }));
  EXPECT_FALSE(fixture.channel().guest_reopens()) << "nobody awaits a reopen yet";
  std::thread signaller([&] {
    if (eventually([&] { return fixture.channel().guest_reopens(); })) fixture.channel().deliver(SIGHUP);
  });
  int resumed = 0;
  auto waiter = [](rt::service& s, int& count) -> task<void> {
    if (co_await s.next_reopen()) ++count;
  };
  auto both = [&]() -> task<void> {
    rt::task_group group(rt);
    group.spawn(waiter(*svc, resumed));
    group.spawn(waiter(*svc, resumed));
    co_await group.join();
  };
  EXPECT_TRUE(rt.block_on(both()));
  signaller.join();
  EXPECT_EQ(resumed, 2);
  EXPECT_EQ(svc->reopen_count(), 1u);
  EXPECT_FALSE(svc->shutdown_requested()) << "a reopen is not a shutdown";
  svc->request_shutdown();
  EXPECT_TRUE(rt.run()) << "the reader ends with a shutdown from inside too";
  EXPECT_EQ(fixture.ended(), -1);
}

TEST(RtService, AReopenAwaitEndsWithCanceledWhenItsTaskIsStopped) {
  control_fixture fixture;
  rt::runtime rt;
  auto svc = rt::service::open(rt).value();
  auto waited = rt.block_on(rt::with_timeout(5ms, svc->next_reopen()));
  ASSERT_FALSE(waited);
  EXPECT_EQ(waited.error(), errc::timedout);
  rt.request_stop();
  EXPECT_TRUE(rt.run()) << "a stopped runtime stops the service's reader";
}

TEST(RtService, TheDrainTimeoutLeavesTheHostAMargin) {
  control_fixture fixture(testbed::profile::strict, 0, 2000ms);
  rt::runtime rt;
  auto svc = rt::service::open(rt).value();
  ASSERT_TRUE(svc->host_timeout());
  EXPECT_EQ(*svc->host_timeout(), std::chrono::milliseconds(2000));
  EXPECT_EQ(svc->drain_timeout(), std::chrono::milliseconds(1800));
  svc->request_shutdown();
}

TEST(RtService, WithoutAControlStreamOnlyRequestShutdownStopsIt) {
  guest_test::test_host host(testbed::profile::strict, 0, {"service_test"});
  rt::runtime rt;
  auto svc = rt::service::open(rt).value();
  EXPECT_FALSE(svc->has_host_channel());
  EXPECT_EQ(svc->drain_timeout(), std::chrono::milliseconds(9000));
  EXPECT_TRUE(rt.run()) << "no reader task without a stream";
  svc->request_shutdown();
  EXPECT_TRUE(svc->shutdown_token().stop_requested());
}

TEST(RtService, AMalformedControlFdIsInval) {
  guest_test::test_host host(testbed::profile::strict, 0, {"service_test"}, {"WASIO_CONTROL_FD=three"});
  rt::runtime rt;
  auto svc = rt::service::open(rt);
  ASSERT_FALSE(svc);
  EXPECT_EQ(svc.error(), errc::inval);
}

TEST(RtService, AnAcceptLoopUnderTheShutdownTokenEndsWhenShutdownIsRequested) {
  control_fixture fixture(testbed::profile::strict, 1);
  rt::runtime rt;
  auto svc = rt::service::open(rt).value();
  auto listener = rt::tcp_listener::adopt(rt, net::tcp_listener::from_preopened(3).value()).value();
  int accepted = 0, errors = 0;
  auto serve = [&]() -> task<void> {
    rt::task_group acceptors(rt);
    acceptors.spawn(rt::accept_loop(
        listener, [&](rt::tcp_stream) { ++accepted; }, [&](errc) { ++errors; }, svc->shutdown_token()));
    rt::task_group stopper(rt);
    stopper.spawn([](rt::service& s) -> task<void> {
      (void)co_await rt::sleep_for(1ms);
      s.request_shutdown();
    }(*svc));
    co_await acceptors.join();
    co_await stopper.join();
  };
  EXPECT_TRUE(rt.block_on(serve()));
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(accepted, 0);
  (void)listener.close();
}

TEST(RtService, ListenerDiscoveryNeverReturnsTheControlStream) {
  for (auto semantics : {testbed::profile::strict, testbed::profile::wasmtime_legacy, testbed::profile::uvwasi}) {
    control_fixture fixture(semantics, 2);
    auto found = sys::find_listeners().value();
    EXPECT_EQ(found, (std::vector<sys::fd_t>{3, 4})) << testbed::name(semantics);
  }
}

TEST(ControlStream, DecodesRequestsAndIgnoresOtherBytes) {
  const char text[] = "TxHH?T";
  const auto got = decode_control_bytes(std::as_bytes(std::span(text, sizeof text - 1)));
  EXPECT_EQ(got.shutdown, 2u);
  EXPECT_EQ(got.reopen, 2u);
  EXPECT_FALSE(got.ended);
}

TEST(ControlStream, ShutdownTimeoutSyntax) {
  EXPECT_EQ(testbed::parse_shutdown_timeout("10").value(), 10'000ms);
  EXPECT_EQ(testbed::parse_shutdown_timeout("3s").value(), 3'000ms);
  EXPECT_EQ(testbed::parse_shutdown_timeout("250ms").value(), 250ms);
  EXPECT_EQ(testbed::parse_shutdown_timeout("0").value(), 0ms);
  for (const char* bad : {"", "s", "-1", "1m", "10 s", "86401", "999999999999999999999"})
    EXPECT_FALSE(testbed::parse_shutdown_timeout(bad)) << bad;
}

}  // namespace
}  // namespace wasio
