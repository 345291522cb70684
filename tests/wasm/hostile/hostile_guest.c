// A wasi-libc guest that calls preview1 imports directly with hostile arguments (pointers past
// the end of memory, wrapping lengths, huge counts, bad flags, unknown fds) and checks each errno.
// Prints one line per failed check and exits 1 if any failed; wasio-run must never crash.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define WASI_IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

// Raw signatures: every pointer is a plain i32 so the test can pass any address at all.
WASI_IMPORT(fd_write) int32_t raw_fd_write(int32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nwritten);
WASI_IMPORT(fd_read) int32_t raw_fd_read(int32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nread);
WASI_IMPORT(poll_oneoff) int32_t raw_poll_oneoff(uint32_t in, uint32_t out, uint32_t n, uint32_t nevents);
WASI_IMPORT(clock_time_get) int32_t raw_clock_time_get(uint32_t id, uint64_t precision, uint32_t time);
WASI_IMPORT(args_get) int32_t raw_args_get(uint32_t argv, uint32_t argv_buf);
WASI_IMPORT(environ_sizes_get) int32_t raw_environ_sizes_get(uint32_t count, uint32_t size);
WASI_IMPORT(random_get) int32_t raw_random_get(uint32_t buf, uint32_t len);
WASI_IMPORT(fd_fdstat_get) int32_t raw_fd_fdstat_get(int32_t fd, uint32_t stat);
WASI_IMPORT(sock_accept) int32_t raw_sock_accept(int32_t fd, uint32_t flags, uint32_t out);
WASI_IMPORT(sock_recv) int32_t raw_sock_recv(int32_t fd, uint32_t iovs, uint32_t n, uint32_t flags, uint32_t nread, uint32_t oflags);
WASI_IMPORT(sock_send) int32_t raw_sock_send(int32_t fd, uint32_t iovs, uint32_t n, uint32_t flags, uint32_t nsent);
WASI_IMPORT(sock_shutdown) int32_t raw_sock_shutdown(int32_t fd, uint32_t how);
WASI_IMPORT(fd_close) int32_t raw_fd_close(int32_t fd);

enum { ok = 0, badf = 8, fault = 21, inval = 28 };

static int failures = 0;

static void expect(int line, int32_t got, int32_t want) {
  if (got != want) {
    printf("hostile_guest.c:%d: errno %d, expected %d\n", line, (int)got, (int)want);
    ++failures;
  }
}
#define EXPECT(call, want) expect(__LINE__, (call), (want))

static uint32_t addr(const void* p) { return (uint32_t)(uintptr_t)p; }

int main(void) {
  const uint32_t end = (uint32_t)__builtin_wasm_memory_size(0) * 65536u;  // one past the last byte
  static uint32_t iov[4];
  static uint32_t result;
  static char text[16] = "unused";
  static uint8_t subscriptions[48 * 2];
  static uint8_t events[32 * 2];

  // fd_write: the array, each iovec, and the result pointer are checked before any effect.
  EXPECT(raw_fd_write(1, end - 4, 1, addr(&result)), fault);
  EXPECT(raw_fd_write(1, addr(iov), 0x20000000u, addr(&result)), fault);
  iov[0] = addr(text); iov[1] = 0xffffffffu;
  EXPECT(raw_fd_write(1, addr(iov), 1, addr(&result)), fault);
  iov[0] = end - 2; iov[1] = 3;
  EXPECT(raw_fd_write(1, addr(iov), 1, addr(&result)), fault);
  iov[0] = addr(text); iov[1] = 0;
  EXPECT(raw_fd_write(1, addr(iov), 1, end - 3), fault);
  EXPECT(raw_fd_write(1, addr(iov), 1025, addr(&result)), inval);
  result = 0xaaaaaaaau;
  EXPECT(raw_fd_write(99, addr(iov), 1, addr(&result)), badf);
  if (result != 0xaaaaaaaau) { puts("fd_write wrote its result on failure"); ++failures; }
  EXPECT(raw_fd_read(0, 0xfffffff8u, 2, addr(&result)), fault);

  // poll_oneoff: both arrays and the count are checked before decoding anything.
  EXPECT(raw_poll_oneoff(addr(subscriptions), addr(events), 0x7fffffffu, addr(&result)), fault);
  EXPECT(raw_poll_oneoff(end - 47, addr(events), 1, addr(&result)), fault);
  EXPECT(raw_poll_oneoff(addr(subscriptions), end - 31, 1, addr(&result)), fault);
  EXPECT(raw_poll_oneoff(addr(subscriptions), addr(events), 0, addr(&result)), inval);
  memset(subscriptions, 0, sizeof subscriptions);
  subscriptions[8] = 42;  // no such event type
  EXPECT(raw_poll_oneoff(addr(subscriptions), addr(events), 1, addr(&result)), inval);

  // Clocks, args, environ, random.
  EXPECT(raw_clock_time_get(1234, 0, addr(&result)), inval);
  EXPECT(raw_clock_time_get(1, 0, end - 4), fault);
  EXPECT(raw_args_get(end - 2, addr(text)), fault);
  EXPECT(raw_environ_sizes_get(addr(&result), 0xffffffffu), fault);
  EXPECT(raw_random_get(end, 0), ok);
  EXPECT(raw_random_get(end - 1, 2), fault);
  EXPECT(raw_random_get(addr(text), 0xfffffff0u), fault);

  // Descriptors and sockets.
  EXPECT(raw_fd_fdstat_get(1, end - 8), fault);
  EXPECT(raw_fd_fdstat_get(1000, addr(events)), badf);
  EXPECT(raw_sock_accept(1000, 0, addr(&result)), badf);
  EXPECT(raw_sock_accept(1000, 0x10000, addr(&result)), inval);
  EXPECT(raw_sock_accept(1000, 0, end - 1), fault);
  iov[0] = addr(text); iov[1] = sizeof text;
  EXPECT(raw_sock_recv(1000, addr(iov), 1, 0, addr(&result), addr(&result) + 4), badf);
  EXPECT(raw_sock_recv(1000, addr(iov), 1, 0x10000, addr(&result), addr(&result) + 4), inval);
  EXPECT(raw_sock_send(1000, end - 8, 2, 0, addr(&result)), fault);
  EXPECT(raw_sock_shutdown(1000, 2), badf);
  EXPECT(raw_sock_shutdown(1, 0x1ff), inval);
  EXPECT(raw_fd_close(1000), badf);

  if (failures != 0) {
    printf("hostile_guest: %d checks failed\n", failures);
    return 1;
  }
  puts("hostile_guest: every hostile call got its errno");
  return 0;
}
