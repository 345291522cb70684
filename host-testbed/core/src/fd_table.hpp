#pragma once
// The guest's fd table: fd number -> entry, looked up on every host call that names an fd.

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "wasio/sys/abi.hpp"

namespace wasio::testbed {

/// An open-addressing hash table (linear probing, Fibonacci hashing, backward-shift deletion) of
/// owned entries keyed by fd number.
///
/// Why not a vector indexed by fd number: the host numbers fds with a counter that moves on (it
/// does not reuse the lowest free number), so after N accepts the newest connection's number is
/// about N while the listener keeps fd 3; a dense table would grow with every connection ever
/// accepted, not with the fds open. Here the capacity follows the live count (at most 1/2 full,
/// shrunk when under 1/8 full), and a lookup is a multiply, a shift and, almost always, one slot:
/// consecutive numbers land in distinct slots. std::unordered_map cost a division and a pointer
/// chase per call, about 0.6% of a keep-alive HTTP server's CPU.
///
/// Any u32 can be looked up (guests pass arbitrary numbers): a lookup never allocates.
template <class Entry>
class fd_table {
 public:
  Entry* find(abi::fd fd) const noexcept {
    if (size_ == 0) return nullptr;
    for (std::size_t i = home(fd);; i = (i + 1) & mask_) {
      const slot& s = slots_[i];
      if (!s.entry) return nullptr;
      if (s.fd == fd) return s.entry.get();
    }
  }
  bool contains(abi::fd fd) const noexcept { return find(fd) != nullptr; }
  std::size_t size() const noexcept { return size_; }
  /// Slots allocated (for the memory bound's tests).
  std::size_t capacity() const noexcept { return slots_.size(); }

  /// Adds `entry` under `fd`, which must not be in the table (a host bug otherwise: traps).
  Entry& insert(abi::fd fd, std::unique_ptr<Entry> entry) {
    if (!entry || contains(fd)) __builtin_trap();
    if ((size_ + 1) * 2 > slots_.size()) rehash(std::max(min_capacity, slots_.size() * 2));
    std::size_t i = home(fd);
    while (slots_[i].entry) i = (i + 1) & mask_;
    slots_[i].fd = fd;
    slots_[i].entry = std::move(entry);
    ++size_;
    return *slots_[i].entry;
  }

  /// Removes `fd` and hands its entry over (nullptr when it is not in the table). The table is
  /// consistent again before the caller destroys the entry, so a destructor may look fds up.
  std::unique_ptr<Entry> take(abi::fd fd) {
    if (size_ == 0) return nullptr;
    std::size_t i = home(fd);
    for (;; i = (i + 1) & mask_) {
      if (!slots_[i].entry) return nullptr;
      if (slots_[i].fd == fd) break;
    }
    std::unique_ptr<Entry> taken = std::move(slots_[i].entry);
    --size_;
    // Backward shift: pull later entries of the same probe run into the hole, so no lookup ever
    // crosses a tombstone and an emptied table is as fast as a fresh one.
    for (std::size_t j = (i + 1) & mask_; slots_[j].entry; j = (j + 1) & mask_) {
      const std::size_t h = home(slots_[j].fd);
      if (((j - h) & mask_) >= ((j - i) & mask_)) {
        slots_[i] = std::move(slots_[j]);
        i = j;
      }
    }
    if (slots_.size() > min_capacity && size_ * 8 < slots_.size()) rehash(slots_.size() / 2);
    return taken;
  }

  /// Empties the table, destroying the entries from the highest fd number down (newest first while
  /// the numbers have not wrapped: connections, then listeners and pre-opens, stdio last), after
  /// the table is already empty.
  void clear() {
    std::vector<slot> all = std::move(slots_);
    slots_.clear();
    size_ = 0;
    mask_ = 0;
    shift_ = 64;
    std::erase_if(all, [](const slot& s) { return !s.entry; });
    std::sort(all.begin(), all.end(), [](const slot& a, const slot& b) { return a.fd > b.fd; });
    for (slot& s : all) s.entry.reset();
  }

 private:
  struct slot {
    abi::fd fd = 0;
    std::unique_ptr<Entry> entry;
  };
  static constexpr std::size_t min_capacity = 16;

  std::size_t home(abi::fd fd) const noexcept {
    // Fibonacci hashing: the top bits of fd * 2^64/phi, spread evenly for consecutive numbers and
    // for strides alike (a guest or its clients cannot line fds up on one slot by choosing which
    // connections to keep, as they could with fd mod 2^k).
    return static_cast<std::size_t>((static_cast<std::uint64_t>(fd) * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  void rehash(std::size_t capacity) {  // capacity: a power of two, more than twice size_
    std::vector<slot> old = std::move(slots_);
    slots_ = std::vector<slot>(capacity);
    mask_ = capacity - 1;
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(capacity));
    for (slot& s : old) {
      if (!s.entry) continue;
      std::size_t i = home(s.fd);
      while (slots_[i].entry) i = (i + 1) & mask_;
      slots_[i] = std::move(s);
    }
  }

  std::vector<slot> slots_;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
};

}  // namespace wasio::testbed
