// fs_wasm_test: wasio::fs inside a real .wasm under wasio-run: a pre-opened directory (--dir
// SCRATCH::/data) before a pre-opened listener, files written, read back, listed, renamed and
// removed, an escape refused, and listener discovery still finding exactly the listener.
// Exit status 0 and "fs_wasm_test: PASS" on success; it leaves the scratch directory empty.

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "wasio/fs/file.hpp"
#include "wasio/fs/operations.hpp"
#include "wasio/fs/preopens.hpp"
#include "wasio/sys/fs.hpp"
#include "wasio/sys/listeners.hpp"

using wasio::errc;
namespace fs = wasio::fs;
using fs::open_mode;

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  if (!ok) {
    ++failures;
    std::fprintf(stderr, "fs_wasm_test: FAIL %s\n", what);
  }
}

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

}  // namespace

int main() {
  auto preopens = fs::preopens();
  check(preopens && preopens->size() == 1 && (*preopens)[0].fd == 3 && (*preopens)[0].name == "/data",
        "one pre-open, fd 3, named /data");
  auto listeners = wasio::sys::find_listeners();
  check(listeners && listeners->size() == 1 && (*listeners)[0] == 4, "the listener is fd 4 and the only one found");

  check(bool(fs::create_directory("/data/db")), "create_directory");
  {
    auto f = fs::file::open("/data/db/wal.tmp", open_mode::read | open_mode::write | open_mode::create |
                                                     open_mode::truncate);
    check(bool(f), "open for writing");
    if (f) {
      // 1 MiB in 64 KiB blocks, then read back: large transfers through the wasm2c imports.
      std::string block(64 * 1024, 'w');
      bool wrote = true;
      for (int i = 0; i < 16; ++i) wrote = wrote && bool(f->write_all(bytes(block)));
      check(wrote, "write 1 MiB");
      check(bool(f->datasync()), "datasync");
      check(f->size().value_or(0) == 1024 * 1024, "size is 1 MiB");
      check(f->seek(0).value_or(1) == 0, "seek to start");
      std::string back(64 * 1024, '\0');
      std::size_t total = 0;
      for (;;) {
        auto n = f->read(std::as_writable_bytes(std::span(back)));
        if (!n || *n == 0) break;
        total += *n;
      }
      check(total == 1024 * 1024, "read 1 MiB back");
      check(f->pwrite(bytes("X"), 10).value_or(0) == 1, "pwrite");
      std::string one(1, '\0');
      check(f->pread(std::as_writable_bytes(std::span(one)), 10).value_or(0) == 1 && one == "X", "pread");
      check(bool(f->close()), "close");
    }
  }
  check(bool(fs::rename("/data/db/wal.tmp", "/data/db/wal")), "rename");
  check(bool(fs::sync_directory("/data/db")), "sync_directory");
  auto listed = fs::list_directory("/data/db");
  check(listed && listed->size() == 1 && (*listed)[0].name == "wal" && (*listed)[0].type == fs::file_type::regular,
        "list_directory shows the renamed file");
  auto st = fs::stat("/data/db/wal");
  check(st && st->size == 1024 * 1024, "stat");
  check(fs::file::open("/data/../escape", open_mode::write | open_mode::create).error() == errc::notcapable,
        "'..' out of the pre-open is notcapable");
  check(fs::file::open("/elsewhere", open_mode::read).error() == errc::notcapable, "no pre-open: notcapable");
  check(bool(fs::remove("/data/db/wal")), "remove the file");
  check(bool(fs::remove("/data/db")), "remove the directory");
  auto empty = fs::list_directory("/data");
  check(empty && empty->empty(), "the scratch directory is empty again");

  if (failures != 0) return 1;
  std::puts("fs_wasm_test: PASS");
  return 0;
}
