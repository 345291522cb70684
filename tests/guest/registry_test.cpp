// wasio::registry: O(1) registration bookkeeping over the persistent subscription array, and the
// decoding of raw poll_oneoff output (stale generations, the timeout sentinel, merging).

#include "wasio/io/registry.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace wasio {
namespace {

// Raw fds the registry is never asked to poll here: bookkeeping needs no host.
abi::event raw_event(const abi::subscription& sub, std::uint64_t nbytes = 1, std::uint16_t flags = 0) {
  abi::event e{};
  e.user = sub.user;
  e.type = sub.tag;
  e.fd_readwrite.nbytes = nbytes;
  e.fd_readwrite.flags = flags;
  return e;
}

std::set<sys::fd_t> subscribed_fds(const registry& r, abi::eventtype type) {
  std::set<sys::fd_t> fds;
  for (const abi::subscription& s : r.subscriptions())
    if (s.tag == static_cast<std::uint8_t>(type)) fds.insert(s.u.fd_readwrite.file_descriptor);
  return fds;
}

TEST(Registry, BothInterestsTakeTwoSubscriptionsAndReregisterUpdatesInPlace) {
  registry r;
  source a(10), b(11);
  auto ta = r.register_source(a, interest::readable | interest::writable);
  auto tb = r.register_source(b, interest::readable);
  ASSERT_TRUE(ta && tb);
  EXPECT_EQ(r.subscription_count(), 3u);
  EXPECT_EQ(subscribed_fds(r, abi::eventtype::fd_write), std::set<sys::fd_t>{10});

  ASSERT_TRUE(r.reregister(a, interest::readable));
  EXPECT_EQ(r.subscription_count(), 2u);
  EXPECT_TRUE(subscribed_fds(r, abi::eventtype::fd_write).empty());
  EXPECT_EQ(a.registration(), *ta) << "reregister keeps the token";

  ASSERT_TRUE(r.reregister(b, interest::writable));
  EXPECT_EQ(subscribed_fds(r, abi::eventtype::fd_read), std::set<sys::fd_t>{10});
  EXPECT_EQ(subscribed_fds(r, abi::eventtype::fd_write), std::set<sys::fd_t>{11});

  ASSERT_TRUE(r.deregister(a));
  ASSERT_TRUE(r.deregister(b));
  EXPECT_EQ(r.size(), 0u);
  EXPECT_EQ(r.subscription_count(), 0u);
}

TEST(Registry, SwapRemoveKeepsEveryOtherRegistrationReachable) {
  registry r;
  std::vector<source> sources;
  for (sys::fd_t fd = 100; fd < 110; ++fd) sources.emplace_back(fd);
  for (auto& s : sources) ASSERT_TRUE(r.register_source(s, interest::readable | interest::writable));
  // Remove from the middle, the front and the back; the rest must still decode to their own tokens.
  for (std::size_t i : {4u, 0u, 9u, 5u}) ASSERT_TRUE(r.deregister(sources[i]));
  EXPECT_EQ(r.subscription_count(), 12u);

  std::vector<abi::event> raw;
  for (const abi::subscription& s : r.subscriptions()) raw.push_back(raw_event(s));
  events out;
  r.decode(raw, out);
  ASSERT_EQ(out.size(), 6u) << "read and write events of one registration merge into one event";
  std::set<std::uint32_t> seen;
  for (const event& e : out) {
    EXPECT_TRUE(e.is_readable() && e.is_writable());
    EXPECT_TRUE(r.contains(e.token()));
    seen.insert(e.token().index());
  }
  EXPECT_EQ(seen.size(), 6u);
  for (auto& s : sources)
    if (s.is_registered()) {
      EXPECT_EQ(seen.count(s.registration().index()), 1u);
      ASSERT_TRUE(r.deregister(s));
    }
  EXPECT_EQ(r.size(), 0u);
}

TEST(Registry, ALateEventForAReusedSlotIsDropped) {
  registry r;
  source first(20), second(21);
  auto t1 = r.register_source(first, interest::readable).value();
  const abi::subscription old = r.subscriptions()[0];
  ASSERT_TRUE(r.deregister(first));
  auto t2 = r.register_source(second, interest::readable).value();
  EXPECT_EQ(t2.index(), t1.index()) << "the slot is reused";
  EXPECT_NE(t2, t1) << "with a new generation";
  EXPECT_FALSE(r.contains(t1));

  events out;
  const abi::event late[] = {raw_event(old)};
  r.decode(late, out);
  EXPECT_TRUE(out.empty());

  const abi::event current[] = {raw_event(r.subscriptions()[0])};
  r.decode(current, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].token(), t2);
  ASSERT_TRUE(r.deregister(second));
}

TEST(Registry, TheTimeoutSentinelNeverReachesTheApplication) {
  registry r;
  abi::event clock{};
  clock.user = UINT64_MAX;
  clock.type = static_cast<std::uint8_t>(abi::eventtype::clock);
  events out;
  const abi::event raw[] = {clock};
  r.decode(raw, out);
  EXPECT_TRUE(out.empty());
}

TEST(Registry, HangupAndErrorFlagsBecomeEventProperties) {
  registry r;
  source a(30), b(31);
  ASSERT_TRUE(r.register_source(a, interest::readable | interest::writable));
  ASSERT_TRUE(r.register_source(b, interest::readable));
  std::vector<abi::event> raw;
  for (const abi::subscription& s : r.subscriptions()) {
    abi::event e = raw_event(s, 0, abi::event_fd_readwrite_hangup);
    if (s.u.fd_readwrite.file_descriptor == 31) e.error = static_cast<std::uint16_t>(errc::connreset);
    raw.push_back(e);
  }
  events out;
  r.decode(raw, out);
  ASSERT_EQ(out.size(), 2u);
  for (const event& e : out) {
    if (e.token() == a.registration()) {
      EXPECT_TRUE(e.is_read_closed() && e.is_write_closed());
      EXPECT_FALSE(e.is_error());
    } else {
      EXPECT_TRUE(e.is_error());
      EXPECT_EQ(e.error(), errc::connreset);
    }
  }
  ASSERT_TRUE(r.deregister(a));
  ASSERT_TRUE(r.deregister(b));
}

TEST(Registry, EdgeRegistrationLeavesTheArrayOnceReported) {
  registry r;
  source a(40);
  ASSERT_TRUE(r.register_source(a, interest::readable | interest::writable, trigger::edge));
  const abi::event raw[] = {raw_event(r.subscriptions()[0])};
  events out;
  r.decode(raw, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(r.subscription_count(), 1u) << "the reported direction waits for would_block";
  ASSERT_TRUE(r.reregister(a, interest::readable | interest::writable, trigger::edge));
  EXPECT_EQ(r.subscription_count(), 2u) << "reregister re-arms";
  ASSERT_TRUE(r.deregister(a));
}

TEST(Registry, ForeignOrUnregisteredSourcesAreRejected) {
  registry r, other;
  source a(50);
  EXPECT_EQ(r.deregister(a).error(), errc::inval);
  EXPECT_EQ(r.reregister(a, interest::readable).error(), errc::inval);
  ASSERT_TRUE(other.register_source(a, interest::readable));
  EXPECT_EQ(r.deregister(a).error(), errc::inval);
  ASSERT_TRUE(other.deregister(a));
}

TEST(Registry, MovingARegisteredSourceMovesItsRegistration) {
  registry r;
  source a(60);
  auto tok = r.register_source(a, interest::readable).value();
  source moved(std::move(a));
  EXPECT_FALSE(a.is_registered());
  EXPECT_EQ(moved.registration(), tok);
  {
    source temporary(std::move(moved));
    EXPECT_EQ(r.size(), 1u);
  }  // destroying a registered source deregisters it
  EXPECT_EQ(r.size(), 0u);
  EXPECT_EQ(r.subscription_count(), 0u);
}

TEST(RegistryDeathTest, RegisteringASourceTwiceTraps) {
  EXPECT_DEATH(
      {
        registry r;
        source a(70);
        (void)r.register_source(a, interest::readable);
        (void)r.register_source(a, interest::writable);
      },
      "already registered");
}

}  // namespace
}  // namespace wasio
