// The bound on every poll's wait (wasio/io/max_poll_wait.hpp): WASIO_MAX_POLL_WAIT_MS, set_max_wait,
// runtime::options::max_poll_wait, and what it is for: a host whose poll waits for every subscription.
#include <gtest/gtest.h>

#include <chrono>

#include "readiness_test_support.hpp"
#include "wasio/io/max_poll_wait.hpp"
#include "wasio/rt/runtime.hpp"

namespace wasio {
namespace {

using namespace std::chrono_literals;
using readiness_test::readiness_host;
using testbed::profile;

TEST(MaxPollWait, ParsesMillisecondsFromOneToADay) {
  EXPECT_EQ(parse_max_poll_wait("1").value(), 1ms);
  EXPECT_EQ(parse_max_poll_wait("20").value(), 20ms);
  EXPECT_EQ(parse_max_poll_wait("86400000").value(), 24h);
  for (std::string_view bad : {"", "0", "-5", "5ms", " 5", "86400001", "99999999999999999999"})
    EXPECT_EQ(parse_max_poll_wait(bad).error(), errc::inval) << bad;
}

TEST(MaxPollWait, TheEnvironmentBoundsEveryWaitOnAHostThatWaitsForEverySubscription) {
  // uvwasi returns only when every fd fired or a clock did: with an idle connection registered, an
  // unbounded wait would never end although the listener has a client waiting.
  readiness_host h(profile::uvwasi, 1, {"WASIO_MAX_POLL_WAIT_MS=5"});
  auto listener = net::tcp_listener::from_preopened(h.listener_fd(), "l").value();
  readiness_test::client idle(h.port());
  auto idle_stream = readiness_test::accept_one(h, listener).value();
  const token listener_token = h.registry().register_source(listener, interest::readable).value();
  (void)h.registry().register_source(idle_stream, interest::readable).value();
  readiness_test::client waiting(h.port());
  events got;
  bool listener_seen = false;
  // Each wait ends at the bound at the latest; the listener's event comes with one of them.
  for (int i = 0; i < 1000 && !listener_seen; ++i) {
    ASSERT_TRUE(h.poll().wait(got, std::nullopt));
    for (const event& e : got) listener_seen = listener_seen || e.token() == listener_token;
  }
  EXPECT_TRUE(listener_seen);
  EXPECT_EQ(h.registry().max_wait(), std::optional<std::chrono::nanoseconds>(5ms));
  h.registry().deregister(listener).value();
  h.registry().deregister(idle_stream).value();
  ASSERT_TRUE(idle_stream.close());
  ASSERT_TRUE(listener.close());
}

TEST(MaxPollWait, UnsetMeansNoBound) {
  readiness_host h(profile::strict);
  auto listener = net::tcp_listener::from_preopened(h.listener_fd(), "l").value();
  (void)h.registry().register_source(listener, interest::readable).value();
  events got;
  ASSERT_TRUE(h.poll().wait(got, 1ms));
  EXPECT_FALSE(h.registry().max_wait().has_value()) << "the default makes no periodic wake-ups";
  h.registry().deregister(listener).value();
  ASSERT_TRUE(listener.close());
}

TEST(MaxPollWait, SetMaxWaitWinsOverTheEnvironment) {
  readiness_host h(profile::strict, 1, {"WASIO_MAX_POLL_WAIT_MS=5"});
  h.registry().set_max_wait(std::nullopt);
  auto listener = net::tcp_listener::from_preopened(h.listener_fd(), "l").value();
  (void)h.registry().register_source(listener, interest::readable).value();
  events got;
  ASSERT_TRUE(h.poll().wait(got, 1ms));
  EXPECT_FALSE(h.registry().max_wait().has_value());
  h.registry().deregister(listener).value();
  ASSERT_TRUE(listener.close());
}

TEST(MaxPollWait, TheRuntimeOptionSetsTheBound) {
  rt::runtime::options opts;
  opts.max_poll_wait = std::chrono::milliseconds(20);
  rt::runtime rt(opts);
  EXPECT_EQ(rt.registry().max_wait(), std::optional<std::chrono::nanoseconds>(20ms));
}

}  // namespace
}  // namespace wasio
