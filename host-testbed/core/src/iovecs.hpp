#pragma once
// Turning front-end buffers into iovec arrays for readv/writev/recvmsg/sendmsg.

#include <sys/uio.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

namespace wasio::testbed {

/// Linux accepts at most IOV_MAX (1024) entries per call; more simply become a short transfer.
inline constexpr std::size_t max_iovecs = 1024;

/// One host call moves at most this many bytes: WASI reports sizes as u32, so a larger transfer
/// could not be reported. Longer buffer lists are cut here (Linux's MAX_RW_COUNT does the same per
/// syscall): a short transfer, never a count that wrapped.
inline constexpr std::size_t max_transfer = UINT32_MAX;

/// The bytes one call may move: the buffers' sum, at most max_transfer (no overflow on any sum).
template <class Buffer>
std::size_t total_size(std::span<const Buffer> buffers) {
  std::size_t total = 0;
  for (const Buffer& b : buffers) {
    if (b.size >= max_transfer - total) return max_transfer;
    total += b.size;
  }
  return total;
}

template <class Buffer>
std::size_t first_nonempty_size(std::span<const Buffer> buffers) {
  for (const Buffer& b : buffers) {
    if (b.size != 0) return std::min(b.size, max_transfer);
  }
  return 0;
}

/// The iovecs for one call, skipping `skip` bytes already transferred and ending at max_transfer
/// bytes from the start of the list; with `first_only`, only the first non-empty buffer
/// (wasmtime-legacy's sock_recv and fd_read). Returns the count written to `out`.
template <class Buffer>
std::size_t build_iovecs(std::span<const Buffer> buffers, std::size_t skip, bool first_only, iovec* out) {
  std::size_t count = 0;
  std::size_t budget = skip < max_transfer ? max_transfer - skip : 0;
  for (const Buffer& b : buffers) {
    if (budget == 0) break;
    if (b.size == 0) continue;
    if (skip >= b.size) {
      skip -= b.size;
      if (first_only) break;
      continue;
    }
    // Safety: the front-end bounds-checked every buffer; we only move inside [data, data + size).
    out[count].iov_base = const_cast<std::byte*>(b.data) + skip;
    out[count].iov_len = std::min(b.size - skip, budget);
    budget -= out[count].iov_len;
    skip = 0;
    if (++count == max_iovecs || first_only) break;
  }
  return count;
}

}  // namespace wasio::testbed
