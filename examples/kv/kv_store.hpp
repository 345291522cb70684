#pragma once
/// kv::kv_store: the key space: string keys to string values, each with an optional expiry time.
///
/// Time is never read here: every call that can see an expired key takes `now_ms` (Unix time in
/// milliseconds) from its caller, so tests drive expiry with a fake clock. Expiry is both lazy (a
/// lookup finds an expired key gone) and active (expire_due() reclaims keys whose time has passed,
/// in deadline order, so a runtime timer set to next_expiry() frees memory of keys nobody reads).
///
/// Notes: lookups take std::string_view (heterogeneous lookup): a request's arguments are views into
/// the connection's input buffer, and reading a key copies nothing.
///
/// Example (compiled in tests/e2e/kv/kv_store_test.cpp):
///   kv::kv_store store;
///   store.set("k", "v", 1000 + 500);          // expires at t = 1500 ms
///   store.find("k", 1200);                    // the entry
///   store.find("k", 1600);                    // nullptr: expired, and now deleted

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace kv {

/// "No expiry" as an expiry time.
inline constexpr std::int64_t no_expiry = -1;

class kv_store {
 public:
  struct entry {
    std::string value;
    std::int64_t expires_at = no_expiry;  // Unix ms, or no_expiry
    std::uint64_t last_access = 0;        // the store's access clock at the last find() or set()
  };

  kv_store() = default;
  kv_store(const kv_store&) = delete;
  kv_store& operator=(const kv_store&) = delete;

  /// The live entry for `key`, or nullptr (an expired one is deleted first). The pointer is valid
  /// until the next call that changes the store.
  entry* find(std::string_view key, std::int64_t now_ms);
  /// Sets `key` to `value` with expiry `expires_at` (no_expiry: none). Returns the entry.
  entry& set(std::string_view key, std::string_view value, std::int64_t expires_at);
  /// Changes the expiry of `key`, which must exist (no_expiry removes it). False when it does not.
  bool set_expiry(std::string_view key, std::int64_t expires_at);
  /// Deletes `key`; true when it existed and was live.
  bool erase(std::string_view key, std::int64_t now_ms);
  void clear();

  /// Entries held, expired-but-not-yet-reclaimed ones included (what Redis's DBSIZE counts too).
  std::size_t size() const { return map_.size(); }
  /// Entries that have an expiry time.
  std::size_t expiring() const { return deadlines_.size(); }
  /// The earliest expiry time, if any key has one.
  std::optional<std::int64_t> next_expiry() const;
  /// Deletes up to `budget` keys whose time is <= now_ms, earliest first. Returns how many.
  std::size_t expire_due(std::int64_t now_ms, std::size_t budget);
  /// Keys expired so far, lazily or actively.
  std::uint64_t expired_count() const { return expired_; }
  /// Bytes of keys and values held (payload only, for INFO).
  std::size_t payload_bytes() const { return payload_bytes_; }
  /// An estimate of the heap the key space holds: payload plus a fixed per-key cost for the hash
  /// node, the bucket, the entry and the allocator's headers, plus a deadline-index node per expiring
  /// key. kv's maxmemory compares this (plus client buffers), not the allocator's own figure, so
  /// the same data weighs the same in every build and every run.
  std::size_t memory_bytes() const;

  /// Deletes one key picked by sampling `samples` random keys: the least recently used of them
  /// (`least_recent`) or the first one drawn (otherwise), as Redis's allkeys-lru and allkeys-random
  /// approximate. Returns the key deleted; nullopt when the store is empty.
  std::optional<std::string> evict_one(unsigned samples, bool least_recent);
  /// Keys deleted by evict_one so far.
  std::uint64_t evicted_count() const { return evicted_; }

  /// Calls `visit(key, entry)` for every live entry.
  void for_each(std::int64_t now_ms, const std::function<void(std::string_view, const entry&)>& visit) const;

  /// Incremental scan (the AOF rewrite): visits the live entries of up to `buckets` hash buckets
  /// from bucket `from`; returns the bucket to continue from, scan_buckets() once done. Every key
  /// live during the whole scan is visited at least once, as long as the bucket count stayed the
  /// same (pin_buckets keeps it; scan_buckets() changing means: start again from 0).
  std::size_t scan(std::size_t from, std::size_t buckets, std::int64_t now_ms,
                   const std::function<void(std::string_view, const entry&)>& visit) const;
  std::size_t scan_buckets() const { return map_.bucket_count(); }
  /// While pinned, inserts do not rehash (up to 64 keys a bucket), so a scan's buckets stay put.
  /// Unpinning rehashes once if the table grew past one key a bucket meanwhile.
  void pin_buckets(bool pinned);

 private:
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Lifetime: deadlines_ holds views of keys owned by map_'s nodes, which never move on rehash;
  // every erase from map_ erases the entry's deadline first.
  using deadline_index = std::multimap<std::int64_t, std::string_view>;
  struct slot {
    entry data;
    deadline_index::iterator deadline;
  };
  using map_type = std::unordered_map<std::string, slot, string_hash, std::equal_to<>>;

  void drop_deadline(slot& s);
  void change_deadline(map_type::iterator it, std::int64_t expires_at);
  void erase_node(map_type::iterator it);

  std::uint64_t next_random();

  map_type map_;
  deadline_index deadlines_;
  std::uint64_t expired_ = 0;
  std::uint64_t evicted_ = 0;
  std::size_t payload_bytes_ = 0;
  std::uint64_t access_clock_ = 0;
  std::uint64_t random_state_ = 0x9e3779b97f4a7c15u;  // sampling needs spread, not unpredictability
};

}  // namespace kv
