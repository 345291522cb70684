// The key space: a hash map for lookups plus an ordered deadline index for active expiry.
#include "kv_store.hpp"

#include <algorithm>

namespace kv {

void kv_store::drop_deadline(slot& s) {
  if (s.data.expires_at != no_expiry) {
    deadlines_.erase(s.deadline);
    s.data.expires_at = no_expiry;
  }
}

void kv_store::erase_node(map_type::iterator it) {
  drop_deadline(it->second);
  payload_bytes_ -= it->first.size() + it->second.data.value.size();
  map_.erase(it);
}

kv_store::entry* kv_store::find(std::string_view key, std::int64_t now_ms) {
  auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  const std::int64_t at = it->second.data.expires_at;
  if (at != no_expiry && at <= now_ms) {
    erase_node(it);
    ++expired_;
    return nullptr;
  }
  it->second.data.last_access = ++access_clock_;
  return &it->second.data;
}

kv_store::entry& kv_store::set(std::string_view key, std::string_view value, std::int64_t expires_at) {
  auto it = map_.find(key);
  if (it == map_.end()) {
    it = map_.emplace(std::string(key), slot{}).first;
    payload_bytes_ += key.size();
  } else {
    payload_bytes_ -= it->second.data.value.size();
  }
  it->second.data.value.assign(value);
  it->second.data.last_access = ++access_clock_;
  payload_bytes_ += value.size();
  change_deadline(it, expires_at);
  return it->second.data;
}

bool kv_store::set_expiry(std::string_view key, std::int64_t expires_at) {
  auto it = map_.find(key);
  if (it == map_.end()) return false;
  change_deadline(it, expires_at);
  return true;
}

void kv_store::change_deadline(map_type::iterator it, std::int64_t expires_at) {
  slot& s = it->second;
  if (s.data.expires_at == expires_at) return;
  drop_deadline(s);
  if (expires_at != no_expiry) {
    s.deadline = deadlines_.emplace(expires_at, std::string_view(it->first));
    s.data.expires_at = expires_at;
  }
}

bool kv_store::erase(std::string_view key, std::int64_t now_ms) {
  auto it = map_.find(key);
  if (it == map_.end()) return false;
  const std::int64_t at = it->second.data.expires_at;
  const bool live = at == no_expiry || at > now_ms;
  erase_node(it);
  if (!live) ++expired_;
  return live;
}

void kv_store::clear() {
  deadlines_.clear();
  map_.clear();
  payload_bytes_ = 0;
}

std::optional<std::int64_t> kv_store::next_expiry() const {
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.begin()->first;
}

std::size_t kv_store::expire_due(std::int64_t now_ms, std::size_t budget) {
  std::size_t done = 0;
  while (done < budget && !deadlines_.empty() && deadlines_.begin()->first <= now_ms) {
    auto it = map_.find(deadlines_.begin()->second);
    erase_node(it);
    ++expired_;
    ++done;
  }
  return done;
}

namespace {
// What one key costs beyond its bytes: the hash node (next pointer, cached hash, key string, entry,
// deadline iterator), its bucket pointer, and two allocator headers (node, out-of-line strings).
constexpr std::size_t per_key_overhead = 2 * sizeof(void*) + 2 * sizeof(std::string) + 3 * sizeof(std::int64_t) +
                                         sizeof(void*) + sizeof(void*) + 2 * 2 * sizeof(std::size_t);
// A multimap node: three links, colour, the time and the key view, plus its allocator header.
constexpr std::size_t per_deadline_overhead = 4 * sizeof(void*) + sizeof(std::int64_t) + sizeof(std::string_view) +
                                              2 * sizeof(std::size_t);
}  // namespace

std::size_t kv_store::memory_bytes() const {
  return payload_bytes_ + map_.size() * per_key_overhead + deadlines_.size() * per_deadline_overhead;
}

std::uint64_t kv_store::next_random() {
  // xorshift64*
  random_state_ ^= random_state_ >> 12;
  random_state_ ^= random_state_ << 25;
  random_state_ ^= random_state_ >> 27;
  return random_state_ * 0x2545f4914f6cdd1dull;
}

std::optional<std::string> kv_store::evict_one(unsigned samples, bool least_recent) {
  if (map_.empty()) return std::nullopt;
  // A random bucket, then its chain: Redis's dictGetSomeKeys idea. Empty buckets are skipped by
  // walking forward, so a sample always costs a bounded walk (load factor <= 1).
  const std::size_t buckets = map_.bucket_count();
  map_type::iterator victim = map_.end();
  for (unsigned i = 0; i < samples; ++i) {
    std::size_t b = static_cast<std::size_t>(next_random() % buckets);
    while (map_.bucket_size(b) == 0) b = (b + 1) % buckets;
    const std::size_t pick = static_cast<std::size_t>(next_random() % map_.bucket_size(b));
    auto local = map_.begin(b);
    for (std::size_t k = 0; k < pick; ++k) ++local;
    auto it = map_.find(local->first);
    if (victim == map_.end() || (least_recent && it->second.data.last_access < victim->second.data.last_access))
      victim = it;
    if (!least_recent) break;
  }
  std::string key = victim->first;
  erase_node(victim);
  ++evicted_;
  return key;
}

void kv_store::for_each(std::int64_t now_ms, const std::function<void(std::string_view, const entry&)>& visit) const {
  for (const auto& [key, s] : map_) {
    if (s.data.expires_at != no_expiry && s.data.expires_at <= now_ms) continue;
    visit(key, s.data);
  }
}

std::size_t kv_store::scan(std::size_t from, std::size_t buckets, std::int64_t now_ms,
                           const std::function<void(std::string_view, const entry&)>& visit) const {
  const std::size_t end = std::min(map_.bucket_count(), from + buckets);
  for (std::size_t b = from; b < end; ++b) {
    for (auto it = map_.begin(b); it != map_.end(b); ++it) {
      const slot& s = it->second;
      if (s.data.expires_at != no_expiry && s.data.expires_at <= now_ms) continue;
      visit(it->first, s.data);
    }
  }
  return end;
}

void kv_store::pin_buckets(bool pinned) {
  if (pinned) {
    map_.max_load_factor(64.0f);
    return;
  }
  // libc++ never lowers the maximum below the current load factor: shrink that first.
  if (map_.load_factor() > 1.0f) map_.rehash(map_.size());
  map_.max_load_factor(1.0f);
}

}  // namespace kv
