// Task frames through a settable allocator.

#include "wasio/rt/frame_allocator.hpp"

#include <new>

namespace wasio::rt {

namespace {
const frame_allocator* current = nullptr;
}

const frame_allocator* set_frame_allocator(const frame_allocator* allocator) {
  const frame_allocator* previous = current;
  current = allocator;
  return previous;
}

const frame_allocator* current_frame_allocator() { return current; }

namespace detail {

void* allocate_frame(std::size_t size) {
  if (current != nullptr) return current->allocate(current->context, size);
  return ::operator new(size);
}

void deallocate_frame(void* frame, std::size_t size) {
  if (current != nullptr) {
    current->deallocate(current->context, frame, size);
    return;
  }
  ::operator delete(frame, size);
}

}  // namespace detail
}  // namespace wasio::rt
