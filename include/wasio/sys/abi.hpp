#pragma once
/// WASI preview1 wire layouts and constants (wasm32, little-endian), shared by guest and host.
///
/// The structs below are the exact bytes poll_oneoff and fd_fdstat_get exchange; static_asserts pin
/// every size and offset so a layout drift fails the build on both sides.
/// Pointer-carrying structs (iovec) differ between wasm32 and native and are not here: the guest's
/// sys layer has its own buffer type, and the host front-ends decode guest iovecs themselves.

#include <cstddef>
#include <cstdint>

namespace wasio::abi {

using fd = std::uint32_t;
using timestamp = std::uint64_t;  // nanoseconds
using userdata = std::uint64_t;
using filesize = std::uint64_t;

enum class clockid : std::uint32_t { realtime = 0, monotonic = 1, process_cputime = 2, thread_cputime = 3 };
enum class eventtype : std::uint8_t { clock = 0, fd_read = 1, fd_write = 2 };
enum class filetype : std::uint8_t {
  unknown = 0, block_device = 1, character_device = 2, directory = 3, regular_file = 4,
  socket_dgram = 5, socket_stream = 6, symbolic_link = 7,
};

// Flag sets are plain integers: hostile input arrives with arbitrary bits set, and the host must
// see and reject them rather than have them vanish in an enum conversion.
using subclockflags = std::uint16_t;
inline constexpr subclockflags subscription_clock_abstime = 1;

using eventrwflags = std::uint16_t;
inline constexpr eventrwflags event_fd_readwrite_hangup = 1;

using fdflags = std::uint16_t;
inline constexpr fdflags fdflag_append = 1, fdflag_dsync = 2, fdflag_nonblock = 4, fdflag_rsync = 8,
                         fdflag_sync = 16;

using riflags = std::uint16_t;
inline constexpr riflags recv_peek = 1, recv_waitall = 2;
using roflags = std::uint16_t;
inline constexpr roflags recv_data_truncated = 1;
using siflags = std::uint16_t;
using sdflags = std::uint8_t;
inline constexpr sdflags shut_rd = 1, shut_wr = 2;

using rights = std::uint64_t;
inline constexpr rights right_fd_read = 1ull << 1, right_fd_fdstat_set_flags = 1ull << 3,
                        right_fd_write = 1ull << 6, right_poll_fd_readwrite = 1ull << 27,
                        right_sock_shutdown = 1ull << 28, right_sock_accept = 1ull << 29;

struct subscription_clock {
  std::uint32_t id;  // clockid, validated by the host
  std::uint32_t pad0;
  timestamp timeout;
  timestamp precision;
  subclockflags flags;
  std::uint16_t pad1[3];
};
struct subscription_fd_readwrite {
  fd file_descriptor;
};

/// One entry of poll_oneoff's input array (48 bytes).
struct subscription {
  userdata user;
  std::uint8_t tag;  // eventtype, validated by the host
  std::uint8_t pad[7];
  union {
    subscription_clock clock;
    subscription_fd_readwrite fd_readwrite;
  } u;
};

struct event_fd_readwrite {
  filesize nbytes;
  eventrwflags flags;
  std::uint16_t pad[3];
};

/// One entry of poll_oneoff's output array (32 bytes).
struct event {
  userdata user;
  std::uint16_t error;  // errc value
  std::uint8_t type;    // eventtype
  std::uint8_t pad[5];
  event_fd_readwrite fd_readwrite;
};

/// fd_fdstat_get's result (24 bytes).
struct fdstat {
  std::uint8_t filetype;
  std::uint8_t pad0;
  fdflags flags;
  std::uint32_t pad1;
  rights rights_base;
  rights rights_inheriting;
};

/// fd_prestat_get's result (8 bytes): tag 0 = dir, then the name length.
struct prestat {
  std::uint8_t tag;
  std::uint8_t pad[3];
  std::uint32_t dir_name_len;
};

inline constexpr std::size_t subscription_size = 48, event_size = 32, fdstat_size = 24,
                             prestat_size = 8, guest_iovec_size = 8;

static_assert(sizeof(subscription) == subscription_size && alignof(subscription) == 8);
static_assert(offsetof(subscription, user) == 0 && offsetof(subscription, tag) == 8);
static_assert(offsetof(subscription, u) == 16);
static_assert(offsetof(subscription_clock, id) == 0 && offsetof(subscription_clock, timeout) == 8 &&
              offsetof(subscription_clock, precision) == 16 && offsetof(subscription_clock, flags) == 24);
static_assert(sizeof(event) == event_size && alignof(event) == 8);
static_assert(offsetof(event, user) == 0 && offsetof(event, error) == 8 && offsetof(event, type) == 10 &&
              offsetof(event, fd_readwrite) == 16);
static_assert(offsetof(event_fd_readwrite, nbytes) == 0 && offsetof(event_fd_readwrite, flags) == 8);
static_assert(sizeof(fdstat) == fdstat_size && offsetof(fdstat, flags) == 2 &&
              offsetof(fdstat, rights_base) == 8 && offsetof(fdstat, rights_inheriting) == 16);
static_assert(sizeof(prestat) == prestat_size && offsetof(prestat, dir_name_len) == 4);

}  // namespace wasio::abi
