// The probe guest of the differential test (tests/differential): raw preview1 calls whose results it
// prints one line per case, "case-name: fields". The same module runs under Node's node:wasi (the real
// uvwasi) and under `wasio-run --profile uvwasi`, with the same stdio set-up, and the driver compares
// the two outputs line by line. argv[1] names the set-up (pipe, pipe-data, file, devnull), so cases that
// would block forever in a set-up (a read of an empty pipe) are left out of it on both hosts alike.
//
// Only values that do not depend on timing, addresses or randomness are printed: errno values, event
// counts, userdata, types, event errors, nbytes and flags; never durations or clock readings.
// It is a test guest: it calls WASI directly, which wasio's own code does only in guest/sys.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define WASI_IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

WASI_IMPORT(poll_oneoff) int32_t raw_poll_oneoff(const void* in, void* out, uint32_t n, uint32_t* nevents);
WASI_IMPORT(fd_fdstat_get) int32_t raw_fd_fdstat_get(int32_t fd, void* stat);
WASI_IMPORT(fd_fdstat_set_flags) int32_t raw_fd_fdstat_set_flags(int32_t fd, uint32_t flags);
WASI_IMPORT(fd_prestat_get) int32_t raw_fd_prestat_get(int32_t fd, void* prestat);
WASI_IMPORT(path_open) int32_t raw_path_open(int32_t fd, uint32_t dirflags, const char* path, uint32_t path_len,
                                             uint32_t oflags, uint64_t base, uint64_t inheriting, uint32_t fdflags,
                                             int32_t* opened);
WASI_IMPORT(clock_time_get) int32_t raw_clock_time_get(uint32_t id, uint64_t precision, uint64_t* time);
WASI_IMPORT(clock_res_get) int32_t raw_clock_res_get(uint32_t id, uint64_t* resolution);
WASI_IMPORT(args_sizes_get) int32_t raw_args_sizes_get(uint32_t* count, uint32_t* size);
WASI_IMPORT(args_get) int32_t raw_args_get(char** argv, char* buffer);
WASI_IMPORT(environ_sizes_get) int32_t raw_environ_sizes_get(uint32_t* count, uint32_t* size);
WASI_IMPORT(environ_get) int32_t raw_environ_get(char** environ, char* buffer);
WASI_IMPORT(random_get) int32_t raw_random_get(void* buffer, uint32_t length);
WASI_IMPORT(sched_yield) int32_t raw_sched_yield(void);
WASI_IMPORT(fd_read) int32_t raw_fd_read(int32_t fd, const void* iovs, uint32_t n, uint32_t* nread);
WASI_IMPORT(fd_write) int32_t raw_fd_write(int32_t fd, const void* iovs, uint32_t n, uint32_t* nwritten);
WASI_IMPORT(fd_close) int32_t raw_fd_close(int32_t fd);
WASI_IMPORT(sock_accept) int32_t raw_sock_accept(int32_t fd, uint32_t flags, int32_t* accepted);
WASI_IMPORT(sock_recv) int32_t raw_sock_recv(int32_t fd, const void* iovs, uint32_t n, uint32_t flags, uint32_t* nread,
                                             uint16_t* oflags);
WASI_IMPORT(sock_send) int32_t raw_sock_send(int32_t fd, const void* iovs, uint32_t n, uint32_t flags,
                                             uint32_t* nsent);
WASI_IMPORT(sock_shutdown) int32_t raw_sock_shutdown(int32_t fd, uint32_t how);
WASI_IMPORT(proc_exit) _Noreturn void raw_proc_exit(uint32_t code);

// Wire layouts (HOST-SEMANTICS.md section 1).
typedef struct {
  uint64_t user;
  uint8_t tag;
  uint8_t pad0[7];
  union {
    struct {
      uint32_t id;
      uint32_t pad1;
      uint64_t timeout;
      uint64_t precision;
      uint16_t flags;
      uint8_t pad2[6];
    } clock;
    struct {
      uint32_t fd;
    } fd;
  } u;
} subscription;
_Static_assert(sizeof(subscription) == 48, "subscription is 48 bytes");

typedef struct {
  uint64_t user;
  uint16_t error;
  uint8_t type;
  uint8_t pad0[5];
  uint64_t nbytes;
  uint16_t flags;
  uint8_t pad1[6];
} event;
_Static_assert(sizeof(event) == 32, "event is 32 bytes");

typedef struct {
  uint8_t filetype;
  uint8_t pad0;
  uint16_t flags;
  uint8_t pad1[4];
  uint64_t base;
  uint64_t inheriting;
} fdstat;
_Static_assert(sizeof(fdstat) == 24, "fdstat is 24 bytes");

typedef struct {
  const void* buf;
  uint32_t len;
} iovec;

enum { tag_clock = 0, tag_read = 1, tag_write = 2 };
enum { clock_realtime = 0, clock_monotonic = 1, clock_process = 2, clock_thread = 3 };
enum { ms = 1000000 };

static const char* setup = "unknown";
static int is(const char* name) { return strcmp(setup, name) == 0; }
// Stdin has something to read at once (or never blocks): its read may be polled and read.
static int stdin_never_blocks(void) { return !is("pipe"); }
// Stdin and stdout are pollable (pipes): regular files and /dev/null make uvwasi's poll fail.
static int stdio_pollable(void) { return is("pipe") || is("pipe-data"); }

static subscription clock_sub(uint64_t user, uint32_t id, uint64_t timeout, uint16_t flags) {
  subscription s;
  memset(&s, 0, sizeof s);
  s.user = user;
  s.tag = tag_clock;
  s.u.clock.id = id;
  s.u.clock.timeout = timeout;
  s.u.clock.flags = flags;
  return s;
}

static subscription fd_sub(uint64_t user, uint8_t tag, uint32_t fd) {
  subscription s;
  memset(&s, 0, sizeof s);
  s.user = user;
  s.tag = tag;
  s.u.fd.fd = fd;
  return s;
}

/// Polls `n` subscriptions and prints errno, the event count and each event in host order.
static void poll_case(const char* name, const subscription* in, uint32_t n) {
  event out[8];
  memset(out, 0xab, sizeof out);
  uint32_t nevents = 12345;
  int32_t e = raw_poll_oneoff(in, out, n, &nevents);
  printf("%s: errno=%d", name, (int)e);
  if (e == 0) {
    printf(" nevents=%u", (unsigned)nevents);
    for (uint32_t i = 0; i < nevents && i < 8; ++i)
      printf(" [user=%llu type=%u error=%u nbytes=%llu flags=%u]", (unsigned long long)out[i].user,
             (unsigned)out[i].type, (unsigned)out[i].error,
             out[i].type == tag_clock ? 0ull : (unsigned long long)out[i].nbytes,
             out[i].type == tag_clock ? 0u : (unsigned)out[i].flags);
  }
  printf("\n");
}

static void poll_cases(void) {
  subscription s[4];
  uint64_t now = 0;

  poll_case("poll.none", s, 0);
  s[0] = clock_sub(1, clock_monotonic, 1 * ms, 0);
  poll_case("poll.clock.monotonic", s, 1);
  s[0] = clock_sub(2, clock_realtime, 1 * ms, 0);
  poll_case("poll.clock.realtime", s, 1);
  s[0] = clock_sub(3, clock_process, 1 * ms, 0);
  poll_case("poll.clock.process-cputime", s, 1);
  s[0] = clock_sub(4, clock_thread, 1 * ms, 0);
  poll_case("poll.clock.thread-cputime", s, 1);
  s[0] = clock_sub(5, 7, 1 * ms, 0);
  poll_case("poll.clock.unknown-id", s, 1);
  s[0] = clock_sub(6, clock_monotonic, 1 * ms, 2);
  poll_case("poll.clock.flags-2", s, 1);
  s[0] = clock_sub(7, clock_monotonic, 1 * ms, 3);
  poll_case("poll.clock.flags-3", s, 1);
  raw_clock_time_get(clock_realtime, 0, &now);
  s[0] = clock_sub(8, clock_realtime, now + 5 * ms, 1);
  poll_case("poll.clock.realtime-abstime-future", s, 1);
  s[0] = clock_sub(9, clock_monotonic, 0, 0);
  s[1] = clock_sub(10, clock_monotonic, 0, 0);
  poll_case("poll.two-clocks-due", s, 2);
  s[0] = clock_sub(11, clock_monotonic, 40 * ms, 0);
  s[1] = clock_sub(12, clock_monotonic, 1 * ms, 0);
  poll_case("poll.two-clocks-second-first", s, 2);
  s[0] = clock_sub(13, clock_monotonic, 1 * ms, 0);
  s[1] = clock_sub(14, clock_monotonic, 1 * ms, 0);
  s[2] = clock_sub(15, clock_monotonic, 1 * ms, 0);
  poll_case("poll.three-clocks-equal", s, 3);
  s[0] = fd_sub(16, 3, 1);
  poll_case("poll.unknown-tag", s, 1);
  s[0] = clock_sub(17, clock_monotonic, 1 * ms, 0);
  s[1] = fd_sub(18, 7, 1);
  poll_case("poll.clock-then-unknown-tag", s, 2);

  s[0] = fd_sub(19, tag_read, 99);
  poll_case("poll.bad-fd-alone", s, 1);
  s[0] = fd_sub(20, tag_write, 99);
  s[1] = clock_sub(21, clock_monotonic, 5 * ms, 0);
  poll_case("poll.bad-fd-and-clock", s, 2);
  s[0] = clock_sub(22, clock_monotonic, 5 * ms, 0);
  s[1] = fd_sub(23, tag_read, 99);
  poll_case("poll.clock-and-bad-fd", s, 2);

  // stdout (fd 1) is writable in every set-up; stdin's readiness depends on it.
  s[0] = fd_sub(24, tag_write, 1);
  s[1] = clock_sub(25, clock_monotonic, 2000 * ms, 0);
  poll_case("poll.stdout-write", s, 2);
  s[0] = fd_sub(26, tag_write, 1);
  s[1] = fd_sub(27, tag_write, 1);
  s[2] = clock_sub(28, clock_monotonic, 2000 * ms, 0);
  poll_case("poll.same-fd-twice", s, 3);
  s[0] = clock_sub(29, clock_monotonic, 0, 0);
  s[1] = fd_sub(30, tag_write, 1);
  poll_case("poll.expired-clock-and-ready-fd", s, 2);
  s[0] = fd_sub(31, tag_write, 1);
  s[1] = clock_sub(32, clock_monotonic, 0, 0);
  poll_case("poll.ready-fd-and-expired-clock", s, 2);
  s[0] = fd_sub(33, tag_write, 1);
  s[1] = fd_sub(34, tag_write, 2);
  s[2] = clock_sub(35, clock_monotonic, 2000 * ms, 0);
  poll_case("poll.stdout-and-stderr-write", s, 3);
  s[0] = fd_sub(36, tag_write, 1);
  s[1] = fd_sub(37, tag_read, 99);
  s[2] = clock_sub(38, clock_monotonic, 20 * ms, 0);
  poll_case("poll.ready-fd-then-bad-fd", s, 3);
  if (stdin_never_blocks() || stdio_pollable()) {
    // pipe: stdin never becomes readable, so the poll waits for the clock.
    s[0] = fd_sub(39, tag_read, 0);
    s[1] = clock_sub(40, clock_monotonic, 30 * ms, 0);
    poll_case("poll.stdin-read", s, 2);
    s[0] = fd_sub(41, tag_read, 0);
    s[1] = fd_sub(42, tag_write, 1);
    s[2] = clock_sub(43, clock_monotonic, 30 * ms, 0);
    poll_case("poll.stdin-read-and-stdout-write", s, 3);
    s[0] = fd_sub(44, tag_write, 1);
    s[1] = fd_sub(45, tag_read, 0);
    s[2] = clock_sub(46, clock_monotonic, 30 * ms, 0);
    poll_case("poll.stdout-write-and-stdin-read", s, 3);
  }
  if (stdin_never_blocks()) {
    s[0] = fd_sub(47, tag_read, 0);
    poll_case("poll.stdin-read-no-clock", s, 1);
  }
}

static void fdstat_cases(void) {
  static const int32_t fds[] = {0, 1, 2, 3, 99};
  for (unsigned i = 0; i < sizeof fds / sizeof fds[0]; ++i) {
    fdstat st;
    memset(&st, 0, sizeof st);
    int32_t e = raw_fd_fdstat_get(fds[i], &st);
    printf("fdstat.%d: errno=%d", (int)fds[i], (int)e);
    if (e == 0)
      printf(" filetype=%u flags=%u base=0x%llx inheriting=0x%llx", (unsigned)st.filetype, (unsigned)st.flags,
             (unsigned long long)st.base, (unsigned long long)st.inheriting);
    printf("\n");
  }
  printf("fdstat-set-flags.0-to-0: errno=%d\n", (int)raw_fd_fdstat_set_flags(0, 0));
  printf("fdstat-set-flags.99: errno=%d\n", (int)raw_fd_fdstat_set_flags(99, 0));
  for (int32_t fd = 0; fd <= 3; ++fd) {
    uint8_t prestat[8];
    printf("prestat.%d: errno=%d\n", (int)fd, (int)raw_fd_prestat_get(fd, prestat));
  }
  printf("prestat.99: errno=%d\n", (int)raw_fd_prestat_get(99, (uint8_t[8]){0}));
  static const int32_t dirs[] = {0, 1, 2, 3, 99};
  for (unsigned i = 0; i < sizeof dirs / sizeof dirs[0]; ++i) {
    int32_t opened = -1;
    int32_t e = raw_path_open(dirs[i], 0, "probe.txt", 9, 0, 0x3, 0, 0, &opened);
    printf("path-open.dirfd-%d: errno=%d\n", (int)dirs[i], (int)e);
  }
}

static void clock_cases(void) {
  static const uint32_t ids[] = {clock_realtime, clock_monotonic, clock_process, clock_thread, 7};
  for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; ++i) {
    uint64_t t = 0, r = 0;
    int32_t e = raw_clock_time_get(ids[i], 1, &t);
    printf("clock-time-get.%u: errno=%d nonzero=%d\n", (unsigned)ids[i], (int)e, t != 0);
    e = raw_clock_res_get(ids[i], &r);
    printf("clock-res-get.%u: errno=%d nonzero=%d\n", (unsigned)ids[i], (int)e, r != 0);
  }
  uint64_t a = 0, b = 0;
  raw_clock_time_get(clock_monotonic, 0, &a);
  raw_clock_time_get(clock_monotonic, 0, &b);
  printf("clock-time-get.monotonic-never-back: %d\n", b >= a);
}

static void args_environ_cases(void) {
  uint32_t count = 0, size = 0;
  int32_t e = raw_args_sizes_get(&count, &size);
  printf("args-sizes-get: errno=%d count=%u size=%u\n", (int)e, (unsigned)count, (unsigned)size);
  static char* argv[16];
  static char buffer[1024];
  if (e == 0 && count <= 16 && size <= sizeof buffer) {
    e = raw_args_get(argv, buffer);
    printf("args-get: errno=%d", (int)e);
    // argv[0] is the program path each host was given: print its length-independent tail only.
    for (uint32_t i = 1; e == 0 && i < count; ++i) printf(" [%s]", argv[i]);
    printf("\n");
  }
  e = raw_environ_sizes_get(&count, &size);
  printf("environ-sizes-get: errno=%d count=%u size=%u\n", (int)e, (unsigned)count, (unsigned)size);
  static char* env[16];
  if (e == 0 && count <= 16 && size <= sizeof buffer) {
    e = raw_environ_get(env, buffer);
    printf("environ-get: errno=%d", (int)e);
    for (uint32_t i = 0; e == 0 && i < count; ++i) printf(" [%s]", env[i]);
    printf("\n");
  }
}

static void misc_cases(void) {
  uint8_t bytes[32];
  memset(bytes, 0, sizeof bytes);
  int32_t e = raw_random_get(bytes, sizeof bytes);
  int any = 0;
  for (unsigned i = 0; i < sizeof bytes; ++i) any |= bytes[i];
  printf("random-get.32: errno=%d nonzero=%d\n", (int)e, any != 0);
  printf("random-get.0: errno=%d\n", (int)raw_random_get(bytes, 0));
  printf("sched-yield: errno=%d\n", (int)raw_sched_yield());

  char data[64];
  iovec iov = {data, sizeof data};
  uint32_t n = 0;
  printf("fd-read.99: errno=%d\n", (int)raw_fd_read(99, &iov, 1, &n));
  printf("fd-write.99: errno=%d\n", (int)raw_fd_write(99, &iov, 1, &n));
  printf("fd-close.99: errno=%d\n", (int)raw_fd_close(99));
  iovec empty = {data, 0};
  n = 777;
  int32_t e1 = raw_fd_write(1, &empty, 1, &n);
  printf("fd-write.stdout-empty: errno=%d n=%u\n", (int)e1, (unsigned)n);
  if (stdin_never_blocks()) {
    memset(data, 0, sizeof data);
    iovec two[2] = {{data, 4}, {data + 4, sizeof data - 5}};
    n = 0;
    int32_t e2 = raw_fd_read(0, two, 2, &n);
    printf("fd-read.stdin: errno=%d n=%u text=%.*s\n", (int)e2, (unsigned)n, (int)(n < 60 ? n : 60), data);
  }
}

static void sock_cases(void) {
  // Every sock_* case uses fd 99 (never open): sock_* on stdio crashes Node (HOST-SEMANTICS.md 4).
  int32_t accepted = -1;
  static const uint32_t accept_flags[] = {0, 1, 4, 5, 16};
  for (unsigned i = 0; i < sizeof accept_flags / sizeof accept_flags[0]; ++i)
    printf("sock-accept.99-flags-%u: errno=%d\n", (unsigned)accept_flags[i],
           (int)raw_sock_accept(99, accept_flags[i], &accepted));
  char data[8];
  iovec iov = {data, sizeof data};
  uint32_t n = 0;
  uint16_t oflags = 0;
  static const uint32_t recv_flags[] = {0, 1, 2, 3, 4};
  for (unsigned i = 0; i < sizeof recv_flags / sizeof recv_flags[0]; ++i)
    printf("sock-recv.99-flags-%u: errno=%d\n", (unsigned)recv_flags[i],
           (int)raw_sock_recv(99, &iov, 1, recv_flags[i], &n, &oflags));
  static const uint32_t send_flags[] = {0, 1, 2};
  for (unsigned i = 0; i < sizeof send_flags / sizeof send_flags[0]; ++i)
    printf("sock-send.99-flags-%u: errno=%d\n", (unsigned)send_flags[i],
           (int)raw_sock_send(99, &iov, 1, send_flags[i], &n));
  static const uint32_t how[] = {0, 1, 2, 3, 4};
  for (unsigned i = 0; i < sizeof how / sizeof how[0]; ++i)
    printf("sock-shutdown.99-how-%u: errno=%d\n", (unsigned)how[i], (int)raw_sock_shutdown(99, how[i]));
}

int main(int argc, char** argv) {
  if (argc > 1) setup = argv[1];
  printf("setup: %s\n", setup);
  poll_cases();
  fdstat_cases();
  clock_cases();
  args_environ_cases();
  misc_cases();
  sock_cases();
  printf("end: ok\n");
  fflush(stdout);
  raw_proc_exit(7);
}
