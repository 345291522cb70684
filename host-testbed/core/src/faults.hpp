#pragma once
// The fault layer's state in one host (wasio/testbed/faults.hpp says what it injects): a seeded
// generator, the counts, and the realtime offset of the clock jumps. The socket, poll and clock code
// asks it at each point where a fault may go; nothing else knows about faults.

#include <cstddef>
#include <cstdint>
#include <random>

#include "wasio/testbed/faults.hpp"

namespace wasio::testbed {

class fault_injector {
 public:
  explicit fault_injector(const fault_config& config)
      : rate_(config.rate), kinds_(config.kinds), random_(config.seed) {}

  /// True (and counted) with the configured rate, for a kind that is on: this call gets `kind`.
  bool roll(fault_kind kind) {
    if ((kinds_ & fault_bit(kind)) == 0 || chance_(random_) >= rate_) return false;
    ++counts_.by_kind[static_cast<std::size_t>(kind)];
    return true;
  }
  /// A length in 1..wanted-1 for a short transfer (wanted >= 2).
  std::size_t short_length(std::size_t wanted) {
    return 1 + static_cast<std::size_t>(random_() % static_cast<std::uint64_t>(wanted - 1));
  }
  /// One index in 0..count-1.
  std::size_t pick(std::size_t count) { return static_cast<std::size_t>(random_() % count); }
  /// A realtime read by the guest: now and then the clock steps (a clock_jump) to a new offset
  /// within +/- 2 s of the host's, which later reads keep.
  void maybe_jump_realtime() {
    if (!roll(fault_kind::clock_jump)) return;
    constexpr std::int64_t two_seconds = 2'000'000'000;
    offset_ns_ = static_cast<std::int64_t>(random_() % (2 * two_seconds + 1)) - two_seconds;
  }
  /// The realtime clock's offset from the host's now.
  std::int64_t realtime_offset_ns() const { return offset_ns_; }
  const fault_counts& counts() const { return counts_; }

 private:
  double rate_;
  std::uint32_t kinds_;
  std::mt19937_64 random_;
  std::uniform_real_distribution<double> chance_{0.0, 1.0};
  fault_counts counts_;
  std::int64_t offset_ns_ = 0;
};

/// host_ns moved by offset_ns, never below 0.
std::uint64_t offset_realtime(std::uint64_t host_ns, std::int64_t offset_ns);

}  // namespace wasio::testbed
