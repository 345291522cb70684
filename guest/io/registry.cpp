// wasio::registry: the persistent subscription array and the poll built on it.

#include "wasio/io/registry.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "wasio/io/max_poll_wait.hpp"
#include "wasio/io/waker.hpp"
#include "wasio/sys/sys.hpp"

namespace wasio {

namespace {

[[noreturn]] void trap(const char* what) {
  std::fprintf(stderr, "wasio: registry misuse: %s\n", what);
  std::abort();
}

constexpr std::uint32_t generation_mask = 0x7fffffffu;  // bit 63 of userdata is the direction
constexpr std::uint32_t max_slots = 0x7fffffffu;        // keeps the timeout sentinel's index unused

// With no fd subscription and no timeout only a waker can end the wait; preview1 needs something to
// subscribe to, so the poll sleeps on a clock this long and returns empty if it ever fires.
constexpr std::chrono::nanoseconds waker_only_wait = std::chrono::hours(24);

}  // namespace

registry::registry() {
  subs_.resize(1);  // the timeout clock's place
  subs_[0].user = timeout_userdata;
  subs_[0].tag = static_cast<std::uint8_t>(abi::eventtype::clock);
  subs_[0].u.clock.id = static_cast<std::uint32_t>(abi::clockid::monotonic);
}

registry::~registry() {
  // Sources outliving their registry is documented as a bug; detaching them keeps it from being UB.
  for (slot& s : slots_)
    if (s.live && s.owner != nullptr) {
      s.owner->registry_ = nullptr;
      s.owner->token_ = {};
    }
  for (detail::waker_state* w : wakers_) w->owner = nullptr;
}

abi::userdata registry::encode(std::uint32_t index, std::uint32_t generation, direction dir) {
  return static_cast<abi::userdata>(index) | (static_cast<abi::userdata>(generation & generation_mask) << 32) |
         (static_cast<abi::userdata>(dir) << 63);
}

result<token> registry::allocate(sys::fd_t fd, source* owner, detail::waker_state* waker) {
  std::uint32_t index;
  if (free_head_ != no_subscription) {
    index = free_head_;
    free_head_ = slots_[index].next_free;
  } else {
    if (slots_.size() >= max_slots) return fail(errc::nomem);
    index = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  slot& s = slots_[index];
  s.generation = (s.generation + 1) & generation_mask;
  if (s.generation == 0) s.generation = 1;
  s.live = true;
  s.failed = false;
  s.mode = trigger::level;
  s.wanted.reset();
  s.fd = fd;
  s.owner = owner;
  s.waker = waker;
  s.seen_in_poll = 0;
  ++live_;
  return token(index, s.generation);
}

void registry::release(std::uint32_t index) {
  unsubscribe_all(index);
  slot& s = slots_[index];
  s.live = false;
  s.owner = nullptr;
  s.waker = nullptr;
  s.wanted.reset();
  s.next_free = free_head_;
  free_head_ = index;
  --live_;
}

registry::slot* registry::find(token tok) {
  if (!tok.is_valid() || tok.index() >= slots_.size()) return nullptr;
  slot& s = slots_[tok.index()];
  return s.live && s.generation == tok.generation() ? &s : nullptr;
}

const registry::slot* registry::find(token tok) const {
  return const_cast<registry*>(this)->find(tok);
}

bool registry::contains(token tok) const { return find(tok) != nullptr; }

void registry::subscribe(std::uint32_t index, direction dir) {
  slot& s = slots_[index];
  if (s.sub[dir] != no_subscription) return;
  abi::subscription sub{};
  sub.user = encode(index, s.generation, dir);
  sub.tag = static_cast<std::uint8_t>(dir == read_dir ? abi::eventtype::fd_read : abi::eventtype::fd_write);
  sub.u.fd_readwrite.file_descriptor = s.fd;
  s.sub[dir] = static_cast<std::uint32_t>(subs_.size());
  subs_.push_back(sub);
}

void registry::unsubscribe(std::uint32_t index, direction dir) {
  slot& s = slots_[index];
  const std::uint32_t hole = s.sub[dir];
  if (hole == no_subscription) return;
  const std::uint32_t last = static_cast<std::uint32_t>(subs_.size() - 1);
  if (hole != last) {
    // Swap-remove: the last subscription fills the hole and its owner learns its new place.
    subs_[hole] = subs_[last];
    const abi::userdata moved = subs_[hole].user;
    slots_[static_cast<std::uint32_t>(moved)].sub[moved >> 63] = hole;
  }
  subs_.pop_back();
  s.sub[dir] = no_subscription;
}

void registry::unsubscribe_all(std::uint32_t index) {
  unsubscribe(index, read_dir);
  unsubscribe(index, write_dir);
}

void registry::apply_interest(std::uint32_t index) {
  slot& s = slots_[index];
  const bool polled = s.wanted.has_value() && !s.failed;
  if (polled && s.wanted->is_readable()) subscribe(index, read_dir); else unsubscribe(index, read_dir);
  if (polled && s.wanted->is_writable()) subscribe(index, write_dir); else unsubscribe(index, write_dir);
}

result<token> registry::register_source(source& src, interest what, trigger mode) {
  if (src.registry_ != nullptr) trap("register_source on a source that is already registered");
  auto tok = allocate(src.fd_, &src, nullptr);
  if (!tok) return tok;
  slot& s = slots_[tok->index()];
  s.wanted = what;
  s.mode = mode;
  apply_interest(tok->index());
  src.registry_ = this;
  src.token_ = *tok;
  return tok;
}

result<void> registry::reregister(source& src, interest what, trigger mode) {
  slot* s = src.registry_ == this ? find(src.token_) : nullptr;
  if (s == nullptr) return fail(errc::inval);
  s->wanted = what;
  s->mode = mode;
  apply_interest(src.token_.index());
  return {};
}

result<void> registry::deregister(source& src) {
  slot* s = src.registry_ == this ? find(src.token_) : nullptr;
  if (s == nullptr) return fail(errc::inval);
  release(src.token_.index());
  src.registry_ = nullptr;
  src.token_ = {};
  return {};
}

void registry::rearm(token tok, interest what) {
  slot* s = find(tok);
  if (s == nullptr || s->mode != trigger::edge || s->failed || !s->wanted) return;
  if (what.is_readable() && s->wanted->is_readable()) subscribe(tok.index(), read_dir);
  if (what.is_writable() && s->wanted->is_writable()) subscribe(tok.index(), write_dir);
}

void registry::decode(std::span<const abi::event> raw, events& out) {
  ++poll_count_;
  for (const abi::event& ev : raw) {
    if (ev.user == timeout_userdata) continue;
    const std::uint32_t index = static_cast<std::uint32_t>(ev.user);
    const std::uint32_t generation = static_cast<std::uint32_t>(ev.user >> 32) & generation_mask;
    const direction dir = static_cast<direction>(ev.user >> 63);
    if (index >= slots_.size()) continue;
    slot& s = slots_[index];
    // A stale generation is an event for a registration that has ended: its slot now belongs to
    // someone else, who must not see it.
    if (!s.live || s.generation != generation || s.waker != nullptr) continue;
    const auto expected = dir == read_dir ? abi::eventtype::fd_read : abi::eventtype::fd_write;
    if (ev.type != static_cast<std::uint8_t>(expected)) continue;

    if (s.seen_in_poll != poll_count_) {
      s.seen_in_poll = poll_count_;
      s.event_index = static_cast<std::uint32_t>(out.items_.size());
      out.items_.emplace_back();
      out.items_.back().token_ = token(index, s.generation);
    }
    event& e = out.items_[s.event_index];
    const bool hangup = (ev.fd_readwrite.flags & abi::event_fd_readwrite_hangup) != 0;
    if (dir == read_dir) {
      e.flags_ |= event::readable_bit | (hangup ? event::read_closed_bit : 0);
      e.readable_bytes_ = ev.fd_readwrite.nbytes;
    } else {
      e.flags_ |= event::writable_bit | (hangup ? event::write_closed_bit : 0);
    }
    if (ev.error != 0 && e.error_ == errc::success) e.error_ = static_cast<errc>(ev.error);
    if (ev.error == static_cast<std::uint16_t>(errc::badf)) {
      // The same outcome as a whole-call badf (drop_bad_fds), whichever way the host says it.
      s.failed = true;
      unsubscribe_all(index);
    } else if (s.mode == trigger::edge) {
      unsubscribe(index, dir);  // leaves the array until a socket reports would_block for it
    }
  }
}

std::size_t registry::drop_bad_fds(events& out) {
  std::size_t found = 0;
  for (std::uint32_t index = 0; index < slots_.size(); ++index) {
    slot& s = slots_[index];
    if (!s.live || s.failed || s.waker != nullptr) continue;
    if (s.sub[read_dir] == no_subscription && s.sub[write_dir] == no_subscription) continue;
    auto stat = sys::fd_fdstat_get(s.fd);
    if (stat || stat.error() != errc::badf) continue;
    s.failed = true;
    unsubscribe_all(index);
    out.items_.emplace_back();
    event& e = out.items_.back();
    e.token_ = token(index, s.generation);
    e.error_ = errc::badf;
    ++found;
  }
  return found;
}

void registry::add_waker(detail::waker_state* w) {
  wakers_.push_back(w);
  if (auto bound = w->strategy->max_block(); bound && (!wake_bound_ || *bound < *wake_bound_)) wake_bound_ = bound;
}

void registry::remove_waker(detail::waker_state* w) {
  wakers_.erase(std::find(wakers_.begin(), wakers_.end(), w));
  if (wakers_.empty()) wake_pending_.store(false, std::memory_order_relaxed);  // no one left to report
  wake_bound_.reset();
  for (detail::waker_state* other : wakers_)
    if (auto bound = other->strategy->max_block(); bound && (!wake_bound_ || *bound < *wake_bound_)) wake_bound_ = bound;
}

void registry::collect_wakes(events& out) {
  for (detail::waker_state* w : wakers_) {
    if (!w->pending.exchange(false, std::memory_order_acq_rel)) continue;
    out.items_.emplace_back();
    event& e = out.items_.back();
    e.token_ = w->tok;
    e.flags_ = event::readable_bit;
  }
}

result<void> registry::poll_once(events& out, std::optional<std::chrono::nanoseconds> timeout) {
  out.clear();
  if (wake_pending_.load(std::memory_order_acquire)) timeout = std::chrono::nanoseconds(0);
  if (wake_bound_ && (!timeout || *wake_bound_ < *timeout)) timeout = wake_bound_;
  if (subs_.size() == 1 && !timeout) {
    if (wakers_.empty()) return fail(errc::inval);
    timeout = waker_only_wait;
  }
  if (!max_wait_known_) {
    // Read once, at the first wait (a host surely exists by then).
    max_wait_known_ = true;
    auto bound = max_poll_wait_from_environment();
    if (bound && *bound) {
      max_wait_ = **bound;
    } else if (!bound && bound.error() == errc::inval) {
      std::fprintf(stderr, "wasio: ignoring %.*s: not a number of milliseconds from 1 to %lld\n",
                   static_cast<int>(max_poll_wait_variable.size()), max_poll_wait_variable.data(),
                   static_cast<long long>(max_poll_wait_limit.count()));
    }
  }
  if (max_wait_ && (!timeout || *max_wait_ < *timeout)) timeout = max_wait_;

  // Each round that fails with badf drops at least one registration, so this ends.
  for (;;) {
    if (subs_.size() == 1 && !timeout) break;  // every fd was dropped as bad: report that now
    if (timeout) subs_[0].u.clock.timeout = static_cast<abi::timestamp>(std::max<std::int64_t>(timeout->count(), 0));
    const std::size_t first = timeout ? 0 : 1;
    const std::size_t count = subs_.size() - first;
    if (raw_events_.size() < subs_.size()) raw_events_.resize(subs_.size());
    auto n = sys::poll_oneoff(subs_.data() + first, raw_events_.data(), count);
    if (n) {
      decode(std::span<const abi::event>(raw_events_.data(), std::min(*n, count)), out);
      break;
    }
    if (n.error() != errc::badf || subs_.size() == 1) return fail(n.error());
    if (drop_bad_fds(out) == 0) {
      if (out.empty()) return fail(errc::badf);
      break;
    }
    // Errors are waiting to be reported: collect what else is ready, but do not block.
    timeout = std::chrono::nanoseconds(0);
  }

  if (wake_pending_.exchange(false, std::memory_order_acq_rel)) collect_wakes(out);
  return {};
}

}  // namespace wasio
