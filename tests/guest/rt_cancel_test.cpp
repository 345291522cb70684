// Cancellation: stop tokens, canceled awaits that leave nothing behind, races with completion.

#include "wasio/rt/stop.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "rt_test_support.hpp"
#include "wasio/rt/tcp_stream.hpp"
#include "wasio/rt/time.hpp"

namespace wasio {
namespace {

using namespace std::chrono_literals;
using rt_test::rt_host;
using testbed::profile;

TEST(StopSource, RunsCallbacksOnceAndDetachesThem) {
  rt::stop_source stop;
  int runs = 0;
  rt::stop_callback a, b;
  EXPECT_TRUE(a.attach(stop.token(), [](void* n) { ++*static_cast<int*>(n); }, &runs));
  EXPECT_TRUE(b.attach(stop.token(), [](void* n) { ++*static_cast<int*>(n); }, &runs));
  b.reset();
  EXPECT_TRUE(stop.request_stop());
  EXPECT_FALSE(stop.request_stop());
  EXPECT_EQ(runs, 1);
  EXPECT_FALSE(a.attached());
  rt::stop_callback late;
  EXPECT_FALSE(late.attach(stop.token(), [](void* n) { ++*static_cast<int*>(n); }, &runs));
  EXPECT_EQ(runs, 2) << "attaching to a stopped token runs at once";
}

TEST(StopSource, DefaultTokenNeverStops) {
  rt::stop_token never;
  EXPECT_FALSE(never.stop_possible());
  EXPECT_FALSE(never.stop_requested());
}

TEST(Cancel, StoppedSleepCompletesWithCanceledAndDisarmsItsTimer) {
  rt_host h;
  rt::stop_source stop;
  result<void> seen;
  h.rt().spawn([](result<void>& seen) -> task<void> { seen = co_await rt::sleep_for(1h); }(seen), stop.token());
  h.rt().spawn([](rt::runtime& r, rt::stop_source& s) -> task<void> {
    co_await rt::yield();
    EXPECT_EQ(r.timer_count(), 1u);
    s.request_stop();
  }(h.rt(), stop));
  ASSERT_TRUE(h.rt().run());
  ASSERT_FALSE(seen);
  EXPECT_EQ(seen.error(), errc::canceled);
}

TEST(Cancel, AnAwaitStartedUnderAStoppedTokenCompletesAtOnce) {
  rt_host h;
  rt::stop_source stop;
  stop.request_stop();
  result<void> seen;
  h.rt().spawn([](result<void>& seen) -> task<void> { seen = co_await rt::sleep_for(1h); }(seen), stop.token());
  ASSERT_TRUE(h.rt().run());
  ASSERT_FALSE(seen);
  EXPECT_EQ(seen.error(), errc::canceled);
}

TEST(Cancel, RuntimeRequestStopReachesEverySpawnedTask) {
  rt_host h;
  int canceled = 0;
  for (int i = 0; i < 20; ++i)
    h.rt().spawn([](int& canceled) -> task<void> {
      auto r = co_await rt::sleep_for(1h);
      if (!r && r.error() == errc::canceled) ++canceled;
    }(canceled));
  h.rt().spawn([](rt::runtime& r) -> task<void> {
    co_await rt::yield();
    r.request_stop();
  }(h.rt()));
  ASSERT_TRUE(h.rt().run());
  EXPECT_EQ(canceled, 20);
}

class CancelOverSockets : public ::testing::TestWithParam<profile> {};

TEST_P(CancelOverSockets, ParkedReadCanceledLeavesNoParkedAwaitAndLosesNoData) {
  rt_host h(GetParam(), 1);
  auto listener = h.listener();
  rt_test::client c(h.port());
  auto body = [&]() -> task<result<std::string>> {
    auto stream = co_await listener.accept();
    if (!stream) co_return fail(stream.error());
    rt::stop_source stop;
    std::array<std::byte, 8> buffer{};
    result<std::size_t> first = fail(errc::inval);
    auto reader = [](rt::tcp_stream& s, std::span<std::byte> b, result<std::size_t>& out) -> task<void> {
      out = co_await s.read(b);
    };
    h.rt().spawn(reader(*stream, buffer, first), stop.token());
    co_await rt::yield();
    co_await rt::yield();
    EXPECT_EQ(h.rt().parked_count(), 1u);  // the reader is parked on the empty socket
    stop.request_stop();
    co_await rt::yield();
    co_await rt::yield();
    EXPECT_EQ(h.rt().parked_count(), 0u);
    if (first || first.error() != errc::canceled) co_return fail(errc::proto);
    EXPECT_TRUE(c.send_all("kept"));
    auto n = co_await stream->read_exact(std::span(buffer).first(4));
    if (!n) co_return fail(n.error());
    co_return rt_test::text_of(std::span(buffer).first(*n));
  };
  auto r = h.rt().block_on(body());
  ASSERT_TRUE(r) << name(r.error());
  EXPECT_EQ(*r, "kept");
  ASSERT_TRUE(h.rt().run());
  EXPECT_TRUE(listener.close());
}

TEST_P(CancelOverSockets, CancellationRacingCompletionGivesOneOutcomeAndLosesNothing) {
  // Data arrives and stop is requested before the runtime gets to either: whichever it sees first
  // wins; the other must change nothing. Either the read got the bytes, or it was canceled and the
  // bytes are still in the socket.
  rt_host h(GetParam(), 1);
  auto listener = h.listener();
  std::vector<std::unique_ptr<rt_test::client>> clients;
  for (int round = 0; round < 20; ++round) clients.push_back(std::make_unique<rt_test::client>(h.port()));
  int completed = 0, canceled = 0;
  auto body = [&]() -> task<result<void>> {
    for (int round = 0; round < 20; ++round) {
      auto stream = co_await listener.accept();
      if (!stream) co_return fail(stream.error());
      rt::stop_source stop;
      std::array<std::byte, 5> buffer{};
      result<std::size_t> got = fail(errc::inval);
      h.rt().spawn([](rt::tcp_stream& s, std::span<std::byte> b, result<std::size_t>& out) -> task<void> {
        out = co_await s.read(b);
      }(*stream, buffer, got), stop.token());
      co_await rt::yield();
      EXPECT_TRUE(clients[round]->send_all("race!"));
      if (round % 2 == 0) co_await rt::sleep_for(1ms);  // let the event in first on even rounds
      stop.request_stop();
      while (h.rt().task_count() > 0) co_await rt::yield();
      std::size_t have = 0;
      if (got) {
        ++completed;
        have = *got;
      } else {
        if (got.error() != errc::canceled) co_return fail(got.error());
        ++canceled;
      }
      auto rest = co_await stream->read_exact(std::span(buffer).subspan(have));
      if (!rest) co_return fail(rest.error());
      if (rt_test::text_of(std::span(buffer).first(have + *rest)) != "race!") co_return fail(errc::proto);
    }
    co_return result<void>();
  };
  auto r = h.rt().block_on(body());
  ASSERT_TRUE(r) << name(r.error());
  EXPECT_EQ(completed + canceled, 20);
  EXPECT_TRUE(listener.close());
}

INSTANTIATE_TEST_SUITE_P(Profiles, CancelOverSockets, ::testing::ValuesIn(rt_test::all_profiles), rt_test::profile_name);

}  // namespace
}  // namespace wasio
