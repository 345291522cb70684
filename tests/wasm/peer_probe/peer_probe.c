// A wasi-libc guest that shows what a guest can know about its peers: it accepts CONNECTIONS
// connections on its first listener (fd 3), echoes each until the client's end of stream, and then
// writes its own view to stdout: its arguments, its environment, and every byte of its linear
// memory. tests/e2e/workers/guest_view_e2e.py greps that view for the peers' addresses and ports,
// which only wasio-run's --connection-log may hold.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

extern char** environ;

static int write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n <= 0) return -1;
    data += n;
    size -= (size_t)n;
  }
  return 0;
}

int main(int argc, char** argv) {
  const int connections = argc > 1 ? atoi(argv[1]) : 1;
  const __wasi_fd_t listener = 3;
  // A blocking listener: sock_accept then waits in the host, so no poll loop is needed here.
  if (__wasi_fd_fdstat_set_flags(listener, 0) != 0) {
    fputs("peer_probe: fd 3 is not a listener\n", stderr);
    return 1;
  }
  fputs("peer_probe: serving\n", stderr);
  static char buffer[65536];
  for (int i = 0; i < connections; ++i) {
    __wasi_fd_t fd = 0;
    __wasi_errno_t e = __wasi_sock_accept(listener, 0, &fd);
    if (e != 0) {
      fprintf(stderr, "peer_probe: sock_accept failed: errno %d\n", (int)e);
      return 1;
    }
    for (;;) {
      ssize_t n = read((int)fd, buffer, sizeof buffer);
      if (n <= 0) break;
      if (write_all((int)fd, buffer, (size_t)n) != 0) break;
    }
    (void)__wasi_fd_close(fd);  // nothing to do about a failed close before the next accept
  }
  printf("args %d\n", argc);
  for (int i = 0; i < argc; ++i) printf("arg %s\n", argv[i]);
  for (char** e = environ; *e != NULL; ++e) printf("env %s\n", *e);
  const size_t size = (size_t)__builtin_wasm_memory_size(0) * 65536u;
  printf("memory %zu\n", size);
  fflush(stdout);
  // Safety: [0, size) is exactly the guest's linear memory; the volatile keeps the compiler from
  // treating address 0 as a null pointer it may assume is never read.
  static volatile uintptr_t base = 0;
  const char* memory = (const char*)base;
  for (size_t at = 0; at < size; at += 65536)
    if (write_all(1, memory + at, 65536) != 0) return 1;
  return 0;
}
