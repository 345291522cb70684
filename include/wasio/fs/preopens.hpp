#pragma once
/// wasio::fs pre-opens: the directories the host handed the guest, and guest paths resolved
/// against them the way wasi-libc resolves them.
///
/// A guest path is matched against every pre-open's name; the longest match (whole components)
/// wins, and the rest of the path is opened relative to that directory. Leading "/" and "./" are
/// ignored on both sides, as in wasi-libc (whose working directory is "/"): with a pre-open named
/// "/data", the paths "/data/log", "data/log" and "./data/log" all name "log" beneath it; a
/// pre-open named "/" or "." matches every path.
///
/// Errors: notcapable (no pre-open matches: the guest has no directory there).
/// Notes: the pre-opens are scanned once (fd 3 upwards until fd_prestat_get fails, as wasi-libc
/// does) on first use and cached; refresh_preopens() scans again (tests that install a new host).
/// Guest thread only.
///
/// Example (compiled in tests/guest/fs_test.cpp):
///   auto where = wasio::fs::resolve("/data/wal.log");
///   if (where) use(where->directory, where->relative);   // e.g. fd 3, "wal.log"

#include <string>
#include <string_view>
#include <vector>

#include "wasio/result.hpp"
#include "wasio/sys/sys.hpp"

namespace wasio::fs {

struct preopen {
  sys::fd_t fd;
  std::string name;  // as the host named it (fd_prestat_dir_name)
};

/// The pre-opened directories, in fd order. Errors: those of fd_prestat_dir_name (a host bug).
result<std::vector<preopen>> preopens();
/// Forgets the cached scan; the next call scans again.
void refresh_preopens();

struct resolved_path {
  sys::fd_t directory;   // a pre-opened directory fd
  std::string relative;  // the path beneath it ("." for the pre-open itself)
};
/// Errors: notcapable (no pre-open matches), inval (an empty path).
result<resolved_path> resolve(std::string_view path);

}  // namespace wasio::fs
