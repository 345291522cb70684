// wasio::poll over the testbed under every profile: level and edge readiness, spurious events,
// per-subscription errors and whole-call badf after a close.

#include "wasio/io/poll.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "readiness_test_support.hpp"
#include "wasio/net/tcp_listener.hpp"

namespace wasio {
namespace {

using namespace std::chrono_literals;
using readiness_test::accept_one;
using readiness_test::bytes_of;
using readiness_test::client;
using readiness_test::readiness_host;
using testbed::profile;

class Poll : public ::testing::TestWithParam<profile> {};

bool has_event_for(const events& got, token tok) {
  for (const event& e : got)
    if (e.token() == tok) return true;
  return false;
}

TEST_P(Poll, WaitingOnNothingFailsAtOnceInsteadOfCallingPollOneoffWithNoSubscription) {
  readiness_host h(GetParam());
  events got;
  auto r = h.poll().wait(got, std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::inval);
}

TEST_P(Poll, ATimeoutAloneIsOneClockAndReturnsNoEvents) {
  readiness_host h(GetParam());
  events got;
  ASSERT_TRUE(h.poll().wait(got, 1ms));
  EXPECT_TRUE(got.empty());
}

TEST_P(Poll, ListenerIsReadableWhenAClientConnects) {
  readiness_host h(GetParam());
  auto listener = net::tcp_listener::from_preopened(h.listener_fd()).value();
  auto tok = h.registry().register_source(listener, interest::readable).value();
  client c(h.port());
  ASSERT_TRUE(c.connected());
  auto ev = h.wait_for(tok);
  ASSERT_TRUE(ev.has_value());
  EXPECT_TRUE(ev->is_readable());
  EXPECT_FALSE(ev->is_error());
  auto stream = listener.accept();
  ASSERT_TRUE(stream) << name(stream.error());
  ASSERT_TRUE(stream->close());
  ASSERT_TRUE(h.registry().deregister(listener));
  ASSERT_TRUE(listener.close());
}

TEST_P(Poll, LevelTriggeredReportsAgainWhileDataIsUnread) {
  readiness_host h(GetParam());
  auto listener = net::tcp_listener::from_preopened(h.listener_fd()).value();
  client c(h.port());
  auto stream = accept_one(h, listener).value();
  auto tok = h.registry().register_source(stream, interest::readable).value();
  ASSERT_TRUE(c.send_all("level"));
  ASSERT_TRUE(h.wait_for(tok).has_value());
  ASSERT_TRUE(h.wait_for(tok).has_value()) << "nothing was read, so the stream is still readable";
  std::array<std::byte, 16> buffer{};
  auto n = stream.read(buffer);
  ASSERT_TRUE(n);
  EXPECT_EQ(readiness_test::text_of(std::span(buffer).first(*n)), "level");
  ASSERT_TRUE(stream.close());
  EXPECT_FALSE(h.registry().contains(tok)) << "close deregisters";
}

TEST_P(Poll, EdgeTriggeredReportsOnceThenAgainOnlyAfterWouldBlock) {
  readiness_host h(GetParam());
  auto listener = net::tcp_listener::from_preopened(h.listener_fd()).value();
  client c(h.port());
  auto stream = accept_one(h, listener).value();
  auto tok = h.registry().register_source(stream, interest::readable, trigger::edge).value();
  ASSERT_TRUE(c.send_all("edge"));
  ASSERT_TRUE(h.wait_for(tok).has_value());
  EXPECT_EQ(h.registry().subscription_count(), 0u) << "reported: out of the array until would_block";
  events got;
  ASSERT_TRUE(h.poll().wait(got, 1ms));
  EXPECT_FALSE(has_event_for(got, tok)) << "the unread data is not reported twice";

  std::array<std::byte, 16> buffer{};
  ASSERT_TRUE(stream.read(buffer));
  EXPECT_EQ(h.registry().subscription_count(), 0u) << "a successful read does not re-arm";
  auto empty = stream.read(buffer);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error(), would_block);
  EXPECT_EQ(h.registry().subscription_count(), 1u) << "would_block re-arms the read direction";

  ASSERT_TRUE(c.send_all("again"));
  ASSERT_TRUE(h.wait_for(tok).has_value());
  ASSERT_TRUE(stream.close());
}

TEST_P(Poll, EveryEventIsOnlyAHintAndTheSocketCallDecides) {
  // wasmtime-legacy reports the idle stream too once the busy one is ready; both must be handled.
  readiness_host h(GetParam());
  auto listener = net::tcp_listener::from_preopened(h.listener_fd()).value();
  client busy_client(h.port()), idle_client(h.port());
  auto busy = accept_one(h, listener).value();
  auto idle = accept_one(h, listener).value();
  auto busy_tok = h.registry().register_source(busy, interest::readable).value();
  (void)h.registry().register_source(idle, interest::readable).value();
  ASSERT_TRUE(busy_client.send_all("data"));
  ASSERT_TRUE(h.wait_for(busy_tok).has_value());
  events got;
  ASSERT_TRUE(h.poll().wait(got, 0ms));
  std::array<std::byte, 16> buffer{};
  for (const event& e : got) {
    auto& stream = e.token() == busy_tok ? busy : idle;
    auto n = stream.read(buffer);
    if (&stream == &idle) {
      ASSERT_FALSE(n) << "the idle stream has nothing";
      EXPECT_EQ(n.error(), would_block);
    } else {
      ASSERT_TRUE(n);
      EXPECT_EQ(*n, 4u);
    }
  }
  ASSERT_TRUE(busy.close());
  ASSERT_TRUE(idle.close());
}

TEST_P(Poll, AFdClosedBehindTheRegistryBecomesAnErrorEventAndThePollGoesOn) {
  readiness_host h(GetParam());
  auto listener = net::tcp_listener::from_preopened(h.listener_fd()).value();
  client c(h.port());
  auto accepted = accept_one(h, listener).value();
  const sys::fd_t fd = accepted.raw_fd();

  wasio::source raw(fd);  // the source.hpp example: an fd owned elsewhere
  auto tok = h.registry().register_source(raw, wasio::interest::readable).value();
  auto listener_tok = h.registry().register_source(listener, interest::readable).value();
  ASSERT_TRUE(sys::fd_close(fd));  // behind the registry's back
  client second(h.port());

  auto ev = h.wait_for(tok);
  ASSERT_TRUE(ev.has_value()) << "the bad registration is reported, not the whole poll failed";
  EXPECT_TRUE(ev->is_error());
  EXPECT_EQ(ev->error(), errc::badf);
  ASSERT_TRUE(h.wait_for(listener_tok).has_value()) << "the other registrations are still polled";

  ASSERT_TRUE(h.registry().deregister(raw));
  ASSERT_TRUE(h.registry().deregister(listener));
  EXPECT_EQ(accepted.close().error(), errc::badf) << "closed already";
}

TEST_P(Poll, PeerFinIsReadableAndTheReadReturnsZero) {
  readiness_host h(GetParam());
  auto listener = net::tcp_listener::from_preopened(h.listener_fd()).value();
  client c(h.port());
  auto stream = accept_one(h, listener).value();
  auto tok = h.registry().register_source(stream, interest::readable).value();
  c.shutdown_sending();
  auto ev = h.wait_for(tok);
  ASSERT_TRUE(ev.has_value());
  EXPECT_TRUE(ev->is_readable());
  std::array<std::byte, 16> buffer{};
  auto n = stream.read(buffer);
  ASSERT_TRUE(n) << name(n.error());
  EXPECT_EQ(*n, 0u);
  ASSERT_TRUE(stream.close());
}

TEST_P(Poll, ConnectedStreamIsWritable) {
  readiness_host h(GetParam());
  auto listener = net::tcp_listener::from_preopened(h.listener_fd()).value();
  client c(h.port());
  auto stream = accept_one(h, listener).value();
  auto tok = h.registry().register_source(stream, interest::readable | interest::writable).value();
  auto ev = h.wait_for(tok);
  ASSERT_TRUE(ev.has_value());
  EXPECT_TRUE(ev->is_writable());
  ASSERT_TRUE(stream.close());
}

INSTANTIATE_TEST_SUITE_P(Profiles, Poll, ::testing::ValuesIn(readiness_test::all_profiles), readiness_test::profile_name);

}  // namespace
}  // namespace wasio
