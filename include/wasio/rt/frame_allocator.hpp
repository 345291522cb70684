#pragma once
/// wasio::rt::frame_allocator: where coroutine frames of wasio::task come from.
///
/// Every task frame is allocated through the promise's operator new, which asks the allocator set
/// here (the global operator new when none is set). Install a pool or an arena to keep frames out of
/// the general heap, or a counting allocator to measure them (tests/bench/rt does). With none set,
/// frames of up to 4 KiB freed on a thread are kept (by 64-byte size class, at most 256 per class
/// and 1 MiB in all) for the next frame of their class on that thread, so a server that awaits a
/// few helper tasks per request (with_timeout, with_stop) does not allocate per request; a
/// runtime's destructor gives them back to the heap. The cache is off under AddressSanitizer.
///
/// Errors: none; an allocator that cannot allocate must trap (frames have no failure path).
/// Notes:
/// - Set it before any task exists, and restore the previous one only after every task allocated
///   through it is gone: a frame is freed by the allocator that was current when it was freed.
/// - One per process, not per thread: the runtime is single-threaded.
///
/// Example (compiled in tests/guest/rt_task_test.cpp):
///   wasio::rt::frame_allocator counting{&state, &count_allocate, &count_deallocate};
///   auto previous = wasio::rt::set_frame_allocator(&counting);
///   ...
///   wasio::rt::set_frame_allocator(previous);

#include <cstddef>

namespace wasio::rt {

struct frame_allocator {
  void* context = nullptr;
  void* (*allocate)(void* context, std::size_t size) = nullptr;
  void (*deallocate)(void* context, void* frame, std::size_t size) = nullptr;
};

/// Installs `allocator` (nullptr: the global operator new); returns the one it replaces.
const frame_allocator* set_frame_allocator(const frame_allocator* allocator);
/// The allocator in use now (nullptr: the global operator new).
const frame_allocator* current_frame_allocator();

namespace detail {
void* allocate_frame(std::size_t size);
void deallocate_frame(void* frame, std::size_t size);
/// Gives the frames this thread's cache keeps back to the heap (runtime::~runtime calls it).
void release_cached_frames();
}  // namespace detail

}  // namespace wasio::rt
