// The preview1 fd and path calls this host has no resource for: which errno each gives.
#include <array>
#include <utility>

#include "host_impl.hpp"

namespace wasio::testbed {

namespace {

/// The errno for an OPEN fd (an fd that is not open always gets badf). Sockets and stdio are the
/// only open fds: they cannot seek (spipe, as lseek(2) on a pipe or socket), cannot sync (inval, as
/// fsync(2) on a socket), are not directories (notdir for every path_* call and fd_readdir), and
/// the rest is simply not offered by this host (notsup).
constexpr std::array<std::pair<std::string_view, errc>, 27> unsupported_calls = {{
    {"fd_advise", errc::spipe},
    {"fd_pread", errc::spipe},
    {"fd_pwrite", errc::spipe},
    {"fd_seek", errc::spipe},
    {"fd_tell", errc::spipe},
    {"fd_datasync", errc::inval},
    {"fd_sync", errc::inval},
    {"fd_filestat_set_size", errc::inval},
    {"fd_allocate", errc::notsup},
    {"fd_fdstat_set_rights", errc::notsup},
    {"fd_filestat_get", errc::notsup},
    {"fd_filestat_set_times", errc::notsup},
    {"fd_renumber", errc::notsup},
    {"fd_readdir", errc::notdir},
    {"path_create_directory", errc::notdir},
    {"path_filestat_get", errc::notdir},
    {"path_filestat_set_times", errc::notdir},
    {"path_link", errc::notdir},
    {"path_open", errc::notdir},
    {"path_readlink", errc::notdir},
    {"path_remove_directory", errc::notdir},
    {"path_rename", errc::notdir},
    {"path_symlink", errc::notdir},
    {"path_unlink_file", errc::notdir},
    {"proc_raise", errc::notsup},
    {"fd_prestat_get", errc::badf},
    {"fd_prestat_dir_name", errc::badf},
}};

}  // namespace

errc host::impl::fd_unsupported(std::string_view function, abi::fd fd) {
  for (const auto& [call, on_open_fd] : unsupported_calls) {
    if (call != function) continue;
    open_fd* f = find(fd);
    if (f == nullptr) return errc::badf;
    if (config.semantics == profile::uvwasi && f->kind == fd_kind::stdio) {
      // uvwasi checks rights first: stdio has no pre-open, and a path call is notcapable there.
      if (function.starts_with("path_")) return uvwasi_path_on_stdio(function, *f);
      if (function == "fd_prestat_get" || function == "fd_prestat_dir_name") return errc::inval;
    }
    return on_open_fd;
  }
  return errc::nosys;  // not an fd call this host lacks: a front-end bug, reported, not trusted
}

}  // namespace wasio::testbed
