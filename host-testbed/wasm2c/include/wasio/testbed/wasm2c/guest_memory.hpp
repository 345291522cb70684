#pragma once
/// wasio::testbed::wasm2c::guest_memory: bounds-checked access to a wasm2c module's linear memory.
///
/// Every guest pointer and length is checked against the memory's CURRENT size before any byte
/// is touched; sums are done in 64 bits so `ptr + len` cannot wrap. Loads and stores go through
/// memcpy because guest data may be unaligned.
///
/// Errors: errc::fault for any range outside the memory.
/// Notes: a view is built at the start of one host call and dropped at its end. The guest cannot
/// run (and so cannot grow the memory) while a host call is in progress, but the next call may
/// see a different base and size after memory.grow, so never keep a view across guest code.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

#include "wasio/errc.hpp"
#include "wasio/result.hpp"

namespace wasio::testbed::wasm2c {

/// A guest address (wasm32 pointer) as the import receives it.
using guest_ptr = std::uint32_t;

class guest_memory {
 public:
  guest_memory(std::uint8_t* data, std::uint64_t size) : data_(data), size_(size) {}

  std::uint64_t size() const { return size_; }

  /// True when [ptr, ptr + length) lies inside the memory.
  bool contains(guest_ptr ptr, std::uint64_t length) const {
    return static_cast<std::uint64_t>(ptr) <= size_ && length <= size_ - ptr;
  }
  /// True when an array of `count` elements of `element_size` bytes at `ptr` lies inside.
  /// Errors never allocate: the check is pure arithmetic (count * element_size fits in 64 bits).
  bool contains_array(guest_ptr ptr, std::uint32_t count, std::uint32_t element_size) const {
    return contains(ptr, static_cast<std::uint64_t>(count) * element_size);
  }

  /// The guest bytes [ptr, ptr + length). Errors: fault.
  result<std::span<std::byte>> bytes(guest_ptr ptr, std::uint64_t length) const {
    if (!contains(ptr, length)) return fail(errc::fault);
    // Safety: contains() proved ptr + length <= size_, the memory's current byte length.
    return std::span<std::byte>(reinterpret_cast<std::byte*>(data_) + ptr, static_cast<std::size_t>(length));
  }

  /// Reads a T stored at `ptr` (possibly unaligned). Errors: fault.
  template <class T>
  result<T> load(guest_ptr ptr) const {
    static_assert(std::is_trivially_copyable_v<T>);
    if (!contains(ptr, sizeof(T))) return fail(errc::fault);
    T value;
    // Safety: the range was checked just above; memcpy tolerates any alignment.
    std::memcpy(&value, data_ + ptr, sizeof(T));
    return value;
  }

  /// Writes `value` at `ptr` (possibly unaligned). Errors: fault (nothing written).
  template <class T>
  errc store(guest_ptr ptr, const T& value) const {
    static_assert(std::is_trivially_copyable_v<T>);
    if (!contains(ptr, sizeof(T))) return errc::fault;
    // Safety: the range was checked just above; memcpy tolerates any alignment.
    std::memcpy(data_ + ptr, &value, sizeof(T));
    return errc::success;
  }

 private:
  std::uint8_t* data_;
  std::uint64_t size_;
};

}  // namespace wasio::testbed::wasm2c
