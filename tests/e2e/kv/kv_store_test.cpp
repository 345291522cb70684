#include "kv_store.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace {

TEST(KvStore, SetThenFindReturnsTheValue) {
  kv::kv_store store;
  store.set("k", "v", kv::no_expiry);
  const auto* e = store.find("k", 0);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->value, "v");
  EXPECT_EQ(store.size(), 1u);
}

TEST(KvStore, ExpiredKeyIsGoneOnLookupAndCounted) {
  kv::kv_store store;
  store.set("k", "v", 1500);
  EXPECT_NE(store.find("k", 1499), nullptr);
  EXPECT_EQ(store.find("k", 1500), nullptr);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.expiring(), 0u);
  EXPECT_EQ(store.expired_count(), 1u);
}

TEST(KvStore, ExpireDueReclaimsInDeadlineOrderWithinBudget) {
  kv::kv_store store;
  store.set("late", "x", 300);
  store.set("early", "x", 100);
  store.set("middle", "x", 200);
  store.set("forever", "x", kv::no_expiry);
  ASSERT_EQ(store.next_expiry(), 100);
  EXPECT_EQ(store.expire_due(250, 1), 1u);
  EXPECT_EQ(store.find("early", 0), nullptr);
  EXPECT_NE(store.find("middle", 0), nullptr);
  EXPECT_EQ(store.expire_due(250, 10), 1u);
  EXPECT_EQ(store.next_expiry(), 300);
  EXPECT_EQ(store.size(), 2u);
}

TEST(KvStore, OverwritingAKeyReplacesItsDeadline) {
  kv::kv_store store;
  store.set("k", "a", 100);
  store.set("k", "b", kv::no_expiry);
  EXPECT_EQ(store.expiring(), 0u);
  EXPECT_FALSE(store.next_expiry().has_value());
  EXPECT_EQ(store.expire_due(1000, 10), 0u);
  EXPECT_NE(store.find("k", 1000), nullptr);
}

TEST(KvStore, SetExpiryOnMissingKeyFails) {
  kv::kv_store store;
  EXPECT_FALSE(store.set_expiry("nope", 10));
  store.set("k", "v", kv::no_expiry);
  EXPECT_TRUE(store.set_expiry("k", 10));
  EXPECT_EQ(store.next_expiry(), 10);
}

TEST(KvStore, EraseReportsOnlyLiveKeys) {
  kv::kv_store store;
  store.set("live", "v", kv::no_expiry);
  store.set("dead", "v", 5);
  EXPECT_TRUE(store.erase("live", 10));
  EXPECT_FALSE(store.erase("dead", 10));
  EXPECT_FALSE(store.erase("never", 10));
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.payload_bytes(), 0u);
}

TEST(KvStore, ForEachSkipsExpiredKeys) {
  kv::kv_store store;
  store.set("a", "1", kv::no_expiry);
  store.set("b", "2", 50);
  std::set<std::string> seen;
  store.for_each(60, [&](std::string_view k, const kv::kv_store::entry&) { seen.emplace(k); });
  EXPECT_EQ(seen, (std::set<std::string>{"a"}));
}

TEST(KvStore, ManyRehashesKeepDeadlinesValid) {
  kv::kv_store store;
  for (int i = 0; i < 5000; ++i) store.set("key" + std::to_string(i), "v", 1000 + i);
  EXPECT_EQ(store.expire_due(1000 + 4999, 10000), 5000u);
  EXPECT_EQ(store.size(), 0u);
}

}  // namespace
