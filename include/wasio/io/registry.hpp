#pragma once
/// wasio::registry: the set of subscriptions a poll hands to poll_oneoff.
///
/// The registry keeps one persistent array of preview1 subscriptions. Registering appends (one
/// subscription per direction: readable and writable take two), reregistering updates in place,
/// deregistering swap-removes: all O(1). A poll passes the array as it stands and does no work per
/// registration that is not ready; only the events the host returns are decoded.
///
/// Each subscription's userdata encodes slot index, generation and direction; an event whose
/// generation no longer matches its slot (a registration that ended and whose slot was reused) is
/// dropped. A poll timeout is one clock subscription kept in front of the array with a sentinel
/// userdata that never reaches the application.
///
/// Errors (register_source, reregister, deregister):
/// - inval: the source is not registered with this registry.
/// - nomem: more than 2^31 registrations at once.
/// Notes:
/// - Registering a source that is already registered is a bug and traps with a message (register
///   once, then reregister). Two sources wrapping the same fd are not detected; they would get two
///   events for one readiness.
/// - A registration whose fd went bad (closed behind the registry's back) is reported once as an
///   error event (errc::badf) and stops being polled; it stays registered until deregistered. That
///   holds whether the host reports badf in the event (strict, uvwasi) or fails the whole call
///   (wasmtime-legacy). Other per-subscription errors follow the registration's trigger.
///
/// Example (compiled in tests/guest/header_examples_test.cpp):
///   for (auto& l : *listeners) poll.registry().register_source(l, wasio::interest::readable).value();
///   ...
///   for (auto& listener : *listeners) poll.registry().deregister(listener).value();

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "wasio/io/event.hpp"
#include "wasio/io/interest.hpp"
#include "wasio/io/source.hpp"
#include "wasio/io/token.hpp"
#include "wasio/result.hpp"
#include "wasio/sys/abi.hpp"

namespace wasio {

namespace detail {
struct waker_state;
}

class registry {
 public:
  registry();
  ~registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  /// Starts watching `s` for `what`. Errors: nomem. Traps if `s` is already registered.
  result<wasio::token> register_source(source& s, interest what, trigger mode = trigger::level);
  /// Changes what a registered source is watched for; keeps its token. An edge registration is
  /// re-armed in every direction it asks for. Errors: inval.
  result<void> reregister(source& s, interest what, trigger mode = trigger::level);
  /// Stops watching `s`. Errors: inval.
  result<void> deregister(source& s);

  /// Registrations alive now (wakers included).
  std::size_t size() const { return live_; }
  /// Subscriptions the next poll hands the host, not counting its timeout clock.
  std::size_t subscription_count() const { return subs_.size() - 1; }
  /// The array the next poll hands the host (without its timeout clock), for tests and benchmarks.
  std::span<const abi::subscription> subscriptions() const { return std::span(subs_).subspan(1); }
  /// True when `tok` names a live registration of this registry.
  bool contains(wasio::token tok) const;

  /// Bounds the wait of every later poll to `bound` (nullopt: no bound); wins over
  /// WASIO_MAX_POLL_WAIT_MS, which the first poll reads otherwise (wasio/io/max_poll_wait.hpp).
  /// Notes: a poll with nothing to wait for still fails with inval rather than sleeping.
  void set_max_wait(std::optional<std::chrono::nanoseconds> bound) {
    max_wait_ = bound;
    max_wait_known_ = true;
  }
  /// The bound in force (after the first poll read the environment, if nothing set it).
  std::optional<std::chrono::nanoseconds> max_wait() const { return max_wait_; }

  /// Turns raw poll_oneoff output into `out`: drops the timeout sentinel and events whose slot or
  /// generation is stale, merges a registration's read and write events into one, disarms edge
  /// registrations. Exposed for tests; poll calls it.
  void decode(std::span<const abi::event> raw, events& out);

 private:
  friend class poll;
  friend class source;
  friend class waker;

  static constexpr std::uint32_t no_subscription = UINT32_MAX;
  static constexpr abi::userdata timeout_userdata = UINT64_MAX;
  enum direction : std::uint8_t { read_dir = 0, write_dir = 1 };

  struct slot {
    std::uint32_t generation = 0;
    bool live = false;
    bool failed = false;  // fd went bad: no longer polled
    trigger mode = trigger::level;
    std::optional<interest> wanted;
    sys::fd_t fd = 0;
    source* owner = nullptr;                    // null for wakers
    detail::waker_state* waker = nullptr;        // non-null for wakers
    std::uint32_t sub[2] = {no_subscription, no_subscription};  // index into subs_
    std::uint64_t seen_in_poll = 0;             // merges a poll's read and write events
    std::uint32_t event_index = 0;
    std::uint32_t next_free = no_subscription;
  };

  result<wasio::token> allocate(sys::fd_t fd, source* owner, detail::waker_state* waker);
  void release(std::uint32_t index);
  slot* find(wasio::token tok);
  const slot* find(wasio::token tok) const;
  void subscribe(std::uint32_t index, direction dir);
  void unsubscribe(std::uint32_t index, direction dir);
  void unsubscribe_all(std::uint32_t index);
  void apply_interest(std::uint32_t index);
  void rearm(wasio::token tok, interest direction);
  static abi::userdata encode(std::uint32_t index, std::uint32_t generation, direction dir);

  /// One poll: see poll::poll.
  result<void> poll_once(events& out, std::optional<std::chrono::nanoseconds> timeout);
  /// After a whole-call badf: finds the registrations whose fd fd_fdstat_get rejects, reports each as
  /// an error event and stops polling it. Returns how many it found.
  std::size_t drop_bad_fds(events& out);
  void collect_wakes(events& out);
  void add_waker(detail::waker_state* w);
  void remove_waker(detail::waker_state* w);

  std::vector<slot> slots_;
  std::uint32_t free_head_ = no_subscription;
  std::size_t live_ = 0;
  // subs_[0] is the timeout clock; fd subscriptions follow. A poll without timeout passes &subs_[1].
  std::vector<abi::subscription> subs_;
  std::vector<abi::event> raw_events_;
  std::uint64_t poll_count_ = 0;
  std::vector<detail::waker_state*> wakers_;
  std::optional<std::chrono::nanoseconds> wake_bound_;  // the tightest wake_strategy::max_block
  std::optional<std::chrono::nanoseconds> max_wait_;    // set_max_wait or WASIO_MAX_POLL_WAIT_MS
  bool max_wait_known_ = false;                         // the environment was read, or set_max_wait
  std::atomic<bool> wake_pending_{false};
};

}  // namespace wasio
