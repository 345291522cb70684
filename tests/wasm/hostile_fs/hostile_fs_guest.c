// The hostile-path suite through the wasm2c imports: a wasi-libc guest that hands path calls `..`,
// absolute paths, links planted by the host and made by itself, /proc magic links, NUL bytes,
// overlong and non-UTF-8 names, and out-of-bounds pointers, through raw imports (explicit
// lengths, so a NUL can sit inside a path). run_hostile_fs.py lays out the pre-open (fd 3):
//   root/d/secret "INSIDE", root/abs -> <scratch>/outside, root/up -> ../outside,
//   root/loop1 <-> root/loop2, root/proc -> /proc/self; <scratch>/outside/secret "OUTSIDE".
// `hostile_fs_guest check PROFILE`: every case gets its errno; `hostile_fs_guest race N`: N opens of
// d/secret while the driver swaps d for a link outside; never reads "OUTSIDE".
// Prints one line per failed check and exits 1 if any failed.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WASI_IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

WASI_IMPORT(path_open)
int32_t raw_path_open(int32_t fd, uint32_t lookup, uint32_t path, uint32_t len, uint32_t oflags, uint64_t base,
                      uint64_t inheriting, uint32_t fdflags, uint32_t opened);
WASI_IMPORT(path_filestat_get)
int32_t raw_path_filestat_get(int32_t fd, uint32_t lookup, uint32_t path, uint32_t len, uint32_t stat);
WASI_IMPORT(path_create_directory) int32_t raw_path_create_directory(int32_t fd, uint32_t path, uint32_t len);
WASI_IMPORT(path_unlink_file) int32_t raw_path_unlink_file(int32_t fd, uint32_t path, uint32_t len);
WASI_IMPORT(path_symlink)
int32_t raw_path_symlink(uint32_t target, uint32_t target_len, int32_t fd, uint32_t path, uint32_t len);
WASI_IMPORT(path_readlink)
int32_t raw_path_readlink(int32_t fd, uint32_t path, uint32_t len, uint32_t buf, uint32_t buf_len, uint32_t used);
WASI_IMPORT(path_rename)
int32_t raw_path_rename(int32_t fd, uint32_t old_path, uint32_t old_len, int32_t new_fd, uint32_t new_path,
                        uint32_t new_len);
WASI_IMPORT(fd_read) int32_t raw_fd_read(int32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nread);
WASI_IMPORT(fd_readdir)
int32_t raw_fd_readdir(int32_t fd, uint32_t buf, uint32_t len, uint64_t cookie, uint32_t used);
WASI_IMPORT(fd_close) int32_t raw_fd_close(int32_t fd);

enum { ok = 0, fault = 21, ilseq = 25, inval = 28, loop = 32, nametoolong = 37, noent = 44, notcapable = 76 };

static int failures = 0;
static uint32_t addr(const void* p) { return (uint32_t)(uintptr_t)p; }

static void expect(int line, const char* what, int32_t got, int32_t want) {
  if (got != want) {
    printf("hostile_fs_guest.c:%d: %s: errno %d, expected %d\n", line, what, (int)got, (int)want);
    ++failures;
  }
}
#define EXPECT(what, call, want) expect(__LINE__, what, (call), (want))

static uint32_t opened;
static uint8_t stat_buffer[64];
static char content[64];

/// Opens (path, len) read-only beneath fd 3 and reads it: the errno, with the bytes in `content`.
static int32_t open_read(const char* path, uint32_t len, uint32_t lookup) {
  memset(content, 0, sizeof content);
  int32_t e = raw_path_open(3, lookup, addr(path), len, 0, 2 /* fd_read */, 0, 0, addr(&opened));
  if (e != ok) return e;
  static uint32_t iov[2];
  static uint32_t n;
  iov[0] = addr(content);
  iov[1] = sizeof content - 1;
  e = raw_fd_read((int32_t)opened, addr(iov), 1, addr(&n));
  raw_fd_close((int32_t)opened);
  return e;
}
#define OPEN(path) open_read(path, (uint32_t)strlen(path), 1)

static int check(int uvwasi) {
  const uint32_t end = (uint32_t)__builtin_wasm_memory_size(0) * 65536u;
  static const char* escapes[] = {"..", "../outside/secret", "d/../../outside/secret", "/etc/passwd", "/",
                                  "abs/secret", "up/secret", "up", "d//..//..//outside/secret"};
  for (size_t i = 0; i < sizeof escapes / sizeof escapes[0]; ++i) {
    EXPECT(escapes[i], OPEN(escapes[i]), notcapable);
    EXPECT(escapes[i], raw_path_filestat_get(3, 1, addr(escapes[i]), (uint32_t)strlen(escapes[i]), addr(stat_buffer)),
           notcapable);
  }
  EXPECT("d/secret", OPEN("d/secret"), ok);
  if (strcmp(content, "INSIDE") != 0) { printf("d/secret read '%s'\n", content); ++failures; }
  EXPECT("loop1", OPEN("loop1"), loop);
  EXPECT("up without follow", open_read("up", 2, 0), loop);
  int32_t proc = OPEN("proc/root/etc/passwd");
  if (proc != notcapable && proc != loop) { printf("proc/root/etc/passwd: errno %d\n", (int)proc); ++failures; }

  // Links the guest makes: any text, but never a way out.
  EXPECT("symlink up", raw_path_symlink(addr("../../../../.."), 14, 3, addr("g1"), 2), ok);
  EXPECT("g1/etc/passwd", OPEN("g1/etc/passwd"), notcapable);
  EXPECT("symlink /etc", raw_path_symlink(addr("/etc"), 4, 3, addr("g2"), 2), notcapable);
  EXPECT("mkdir through up", raw_path_create_directory(3, addr("up/made"), 7), notcapable);
  EXPECT("rename out", raw_path_rename(3, addr("d/secret"), 8, 3, addr("up/stolen"), 9), notcapable);
  EXPECT("unlink g1", raw_path_unlink_file(3, addr("g1"), 2), ok);

  // Bytes the host must refuse before any syscall.
  EXPECT("NUL inside", open_read("d/secret\0../../outside/secret", 30, 1), inval);
  static char long_name[300];
  memset(long_name, 'n', sizeof long_name);
  EXPECT("256-byte name", open_read(long_name, 256, 1), nametoolong);
  static char long_path[5000];
  memset(long_path, 'a', sizeof long_path);
  EXPECT("5000-byte path", open_read(long_path, sizeof long_path, 1), nametoolong);
  // uvwasi hands the bytes to the kernel, which has no such name.
  EXPECT("not UTF-8", open_read("d/\xff\xfe", 4, 1), uvwasi ? noent : ilseq);
  EXPECT("empty", open_read("", 0, 1), noent);

  // Pointers: every range is checked before the call has any effect.
  EXPECT("path past the end", raw_path_open(3, 1, end - 4, 8, 0, 2, 0, 0, addr(&opened)), fault);
  EXPECT("huge length", raw_path_open(3, 1, addr("d/secret"), 0xffffffffu, 0, 2, 0, 0, addr(&opened)), fault);
  // fd numbers are not reused (a counter): a refused open that had opened something would show as
  // a gap between the fds of the opens around it.
  EXPECT("open before", raw_path_open(3, 1, addr("d/secret"), 8, 0, 2, 0, 0, addr(&opened)), ok);
  const uint32_t before = opened;
  raw_fd_close((int32_t)before);
  EXPECT("result past the end", raw_path_open(3, 1, addr("d/secret"), 8, 0, 2, 0, 0, end - 2), fault);
  EXPECT("open after", raw_path_open(3, 1, addr("d/secret"), 8, 0, 2, 0, 0, addr(&opened)), ok);
  if (opened != before + 1) { printf("the refused open used fd %u\n", (unsigned)(before + 1)); ++failures; }
  raw_fd_close((int32_t)opened);
  EXPECT("stat result past the end", raw_path_filestat_get(3, 1, addr("d"), 1, end - 8), fault);
  static char link_text[16];
  EXPECT("readlink buffer past the end", raw_path_readlink(3, addr("up"), 2, end - 4, 16, addr(&opened)), fault);
  EXPECT("readlink result past the end", raw_path_readlink(3, addr("up"), 2, addr(link_text), 16, end), fault);
  EXPECT("readdir buffer past the end", raw_fd_readdir(3, end - 10, 100, 0, addr(&opened)), fault);
  EXPECT("symlink target past the end", raw_path_symlink(end - 1, 5, 3, addr("x"), 1), fault);
  EXPECT("rename new path past the end", raw_path_rename(3, addr("d"), 1, 3, end, 1), fault);

  if (failures != 0) return 1;
  puts("hostile_fs_guest: every hostile path got its errno");
  return 0;
}

static int race(long rounds) {
  long inside = 0, refused = 0, leaked = 0;
  for (long i = 0; i < rounds; ++i) {
    int32_t e = OPEN("d/secret");
    if (e != ok) {
      ++refused;
    } else if (strcmp(content, "INSIDE") == 0) {
      ++inside;
    } else {
      ++leaked;
      printf("race: read '%s' through d/secret\n", content);
    }
  }
  printf("race: %ld inside, %ld refused, %ld leaked\n", inside, refused, leaked);
  return leaked == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "check") == 0) return check(strcmp(argv[2], "uvwasi") == 0);
  if (argc == 3 && strcmp(argv[1], "race") == 0) return race(atol(argv[2]));
  puts("usage: hostile_fs_guest check PROFILE | race N");
  return 2;
}
