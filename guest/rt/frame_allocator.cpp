// Task frames through a settable allocator; by default through a small per-thread frame cache.

#include "wasio/rt/frame_allocator.hpp"

#include <array>
#include <cstdint>
#include <new>

namespace wasio::rt {

namespace {
const frame_allocator* current = nullptr;

#if defined(__SANITIZE_ADDRESS__)
#define WASIO_FRAME_CACHE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WASIO_FRAME_CACHE 0
#endif
#endif
#ifndef WASIO_FRAME_CACHE
#define WASIO_FRAME_CACHE 1
#endif

#if WASIO_FRAME_CACHE
// Why: a server's hot path awaits a few short-lived tasks per request (with_timeout, with_stop, a
// helper task): without a cache each is a malloc and a free. Freed frames of up to max_cached_size
// bytes wait here, by size class, for the next frame of their class. Bounded: at most
// max_per_class frames per class and max_cached_bytes in all; the rest goes back to the heap. Off
// under AddressSanitizer, so a use of a freed frame is still caught there.
constexpr std::size_t granule = 64;
constexpr std::size_t max_cached_size = 4096;
constexpr std::size_t classes = max_cached_size / granule;
constexpr std::size_t max_per_class = 256;
constexpr std::size_t max_cached_bytes = 1 << 20;

std::size_t class_of(std::size_t size) { return (size + granule - 1) / granule - 1; }
std::size_t class_size(std::size_t c) { return (c + 1) * granule; }

struct free_frame {
  free_frame* next;
};

struct frame_cache {
  std::array<free_frame*, classes> heads{};
  std::array<std::uint16_t, classes> counts{};
  std::size_t bytes = 0;
};

// Lifetime: per thread (a runtime and its frames belong to one thread); a frame freed on another
// thread than the one that allocated it simply joins that thread's cache. Trivially destructible
// (wasm32-wasi has no __cxa_thread_atexit): the runtime's destructor empties it instead
// (release_cached_frames), after it destroyed the frames still alive.
thread_local frame_cache cache;
#endif
}  // namespace

const frame_allocator* set_frame_allocator(const frame_allocator* allocator) {
  const frame_allocator* previous = current;
  current = allocator;
  return previous;
}

const frame_allocator* current_frame_allocator() { return current; }

namespace detail {

void* allocate_frame(std::size_t size) {
  if (current != nullptr) return current->allocate(current->context, size);
#if WASIO_FRAME_CACHE
  if (size != 0 && size <= max_cached_size) {
    const std::size_t c = class_of(size);
    if (free_frame* f = cache.heads[c]) {
      cache.heads[c] = f->next;
      --cache.counts[c];
      cache.bytes -= class_size(c);
      return f;
    }
    return ::operator new(class_size(c));
  }
#endif
  return ::operator new(size);
}

void deallocate_frame(void* frame, std::size_t size) {
  if (current != nullptr) {
    current->deallocate(current->context, frame, size);
    return;
  }
#if WASIO_FRAME_CACHE
  if (size != 0 && size <= max_cached_size) {
    const std::size_t c = class_of(size);
    if (cache.counts[c] < max_per_class && cache.bytes + class_size(c) <= max_cached_bytes) {
      auto* f = ::new (frame) free_frame{cache.heads[c]};
      cache.heads[c] = f;
      ++cache.counts[c];
      cache.bytes += class_size(c);
      return;
    }
    ::operator delete(frame, class_size(c));
    return;
  }
#endif
  ::operator delete(frame, size);
}

void release_cached_frames() {
#if WASIO_FRAME_CACHE
  for (std::size_t c = 0; c < classes; ++c) {
    while (free_frame* f = cache.heads[c]) {
      cache.heads[c] = f->next;
      ::operator delete(static_cast<void*>(f), class_size(c));
    }
    cache.counts[c] = 0;
  }
  cache.bytes = 0;
#endif
}

}  // namespace detail
}  // namespace wasio::rt
