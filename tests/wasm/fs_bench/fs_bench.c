// One C program, built natively and as wasm (wasi-libc), timing file I/O in a directory:
//   fs_bench DIR ROUNDS OPENS
//   write: ROUNDS x (open O_CREAT|O_TRUNC, 16 writes of 64 KiB = 1 MiB, close)
//   read:  ROUNDS x (open, read 1 MiB in 64 KiB blocks, close)
//   open_close: OPENS x (open an existing file, close)
// Prints "write_mib_s X", "read_mib_s Y", "open_close_ns Z" (medians of 5 runs each); fs_bench.py
// runs the native build against the wasm one under wasio-run and prints the ratios.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { block = 64 * 1024, blocks = 16, runs = 5 };
static char buffer[block];

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int compare(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

static double median(double* v) {
  qsort(v, runs, sizeof v[0], compare);
  return v[runs / 2];
}

static void die(const char* what) {
  perror(what);
  exit(1);
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: fs_bench DIR ROUNDS OPENS\n");
    return 2;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/fs_bench.dat", argv[1]);
  const int rounds = atoi(argv[2]), opens = atoi(argv[3]);
  memset(buffer, 'x', sizeof buffer);
  double write_rate[runs], read_rate[runs], open_ns[runs];
  for (int r = 0; r < runs; ++r) {
    double start = now();
    for (int i = 0; i < rounds; ++i) {
      int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0) die("open for writing");
      for (int b = 0; b < blocks; ++b)
        if (write(fd, buffer, block) != block) die("write");
      close(fd);
    }
    write_rate[r] = rounds / (now() - start);  // MiB per second
    start = now();
    for (int i = 0; i < rounds; ++i) {
      int fd = open(path, O_RDONLY);
      if (fd < 0) die("open for reading");
      for (int b = 0; b < blocks; ++b)
        if (read(fd, buffer, block) != block) die("read");
      close(fd);
    }
    read_rate[r] = rounds / (now() - start);
    start = now();
    for (int i = 0; i < opens; ++i) {
      int fd = open(path, O_RDONLY);
      if (fd < 0) die("open");
      close(fd);
    }
    open_ns[r] = (now() - start) * 1e9 / opens;
  }
  unlink(path);
  printf("write_mib_s %.1f\nread_mib_s %.1f\nopen_close_ns %.0f\n", median(write_rate), median(read_rate),
         median(open_ns));
  return 0;
}
