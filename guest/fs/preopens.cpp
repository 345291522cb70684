// Pre-open scan and wasi-libc's longest-prefix path resolution.
#include "wasio/fs/preopens.hpp"

#include <optional>

#include "wasio/sys/fs.hpp"
#include "wasio/sys/listeners.hpp"

namespace wasio::fs {
namespace {

// Lifetime: the one cache of the scan, for the guest thread (see preopens.hpp).
std::optional<std::vector<preopen>>& cache() {
  static std::optional<std::vector<preopen>> scanned;
  return scanned;
}

/// wasi-libc's view of a path: leading "/" and "./" (and a lone ".") do not matter.
std::string_view stripped(std::string_view path) {
  for (;;) {
    if (path.starts_with("/")) {
      path.remove_prefix(1);
    } else if (path.starts_with("./")) {
      path.remove_prefix(2);
    } else if (path == ".") {
      path = {};
    } else {
      return path;
    }
  }
}

/// True when `prefix` is `path` or a whole-component prefix of it (both stripped).
bool matches(std::string_view prefix, std::string_view path) {
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  if (prefix.empty()) return true;
  if (!path.starts_with(prefix)) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

}  // namespace

result<std::vector<preopen>> preopens() {
  if (cache()) return *cache();
  std::vector<preopen> found;
  for (sys::fd_t fd = sys::first_preopened_fd; fd < sys::first_preopened_fd + sys::max_probed_fds; ++fd) {
    auto stat = sys::fd_prestat_get(fd);
    if (!stat) break;  // badf ends the scan, as in wasi-libc
    if (stat->tag != 0) continue;
    std::string name(stat->dir_name_len, '\0');
    if (auto r = sys::fd_prestat_dir_name(fd, name); !r) return fail(r.error());
    found.push_back(preopen{fd, std::move(name)});
  }
  cache() = found;
  return found;
}

void refresh_preopens() { cache().reset(); }

result<resolved_path> resolve(std::string_view path) {
  if (path.empty()) return fail(errc::inval);
  auto all = preopens();
  if (!all) return fail(all.error());
  const std::string_view wanted = stripped(path);
  const preopen* best = nullptr;
  std::size_t best_length = 0;
  for (const preopen& p : *all) {
    std::string_view name = stripped(p.name);
    while (!name.empty() && name.back() == '/') name.remove_suffix(1);
    if (!matches(name, wanted)) continue;
    if (best == nullptr || name.size() > best_length) {
      best = &p;
      best_length = name.size();
    }
  }
  if (best == nullptr) return fail(errc::notcapable);
  std::string_view rest = wanted.substr(best_length);
  while (rest.starts_with("/")) rest.remove_prefix(1);
  return resolved_path{best->fd, rest.empty() ? std::string(".") : std::string(rest)};
}

}  // namespace wasio::fs
