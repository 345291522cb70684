// Static files on wasio::fs: lstat and open without following a final link, pread, fstat.
#include "static_fs_wasio.hpp"

#include "wasio/fs/preopens.hpp"
#include "wasio/sys/fs.hpp"

namespace http {
namespace {

namespace abi = wasio::abi;
namespace sys = wasio::sys;

// WASI filetype values (preview1): 3 directory, 4 regular_file, 7 symbolic_link.
file_info info_of(const abi::filestat& st) {
  file_info info;
  info.kind = st.filetype == 3 ? file_kind::directory
              : st.filetype == 4 ? file_kind::regular
              : st.filetype == 7 ? file_kind::symlink
                                 : file_kind::other;
  info.size = st.size;
  info.mtime_ns = static_cast<std::int64_t>(st.mtim);
  return info;
}

class wasio_static_file final : public static_file {
 public:
  explicit wasio_static_file(sys::fd_t fd) : fd_(fd) {}
  ~wasio_static_file() override { (void)sys::fd_close(fd_); }
  wasio_static_file(const wasio_static_file&) = delete;
  wasio_static_file& operator=(const wasio_static_file&) = delete;

  wasio::result<std::size_t> pread(std::span<char> into, std::uint64_t offset) override {
    const sys::buffer b{reinterpret_cast<std::byte*>(into.data()), into.size()};
    return sys::fd_pread(fd_, std::span(&b, 1), offset);
  }
  wasio::result<file_info> info() override {
    auto st = sys::fd_filestat_get(fd_);
    if (!st) return wasio::fail(st.error());
    return info_of(*st);
  }

 private:
  sys::fd_t fd_;
};

}  // namespace

wasio::result<file_info> wasio_static_fs::lstat(std::string_view path) {
  auto where = wasio::fs::resolve(path);
  if (!where) return wasio::fail(where.error());
  auto st = sys::path_filestat_get(where->directory, 0, where->relative);
  if (!st) return wasio::fail(st.error());
  return info_of(*st);
}

wasio::result<std::unique_ptr<static_file>> wasio_static_fs::open(std::string_view path) {
  auto where = wasio::fs::resolve(path);
  if (!where) return wasio::fail(where.error());
  constexpr abi::rights rights = abi::right_fd_read | abi::right_fd_seek | abi::right_fd_tell |
                                 abi::right_fd_filestat_get | abi::right_fd_advise;
  // lookupflags 0: a link in the last component is not followed (the host answers loop).
  auto fd = sys::path_open(where->directory, 0, where->relative, 0, rights, 0, 0);
  if (!fd) return wasio::fail(fd.error());
  return std::unique_ptr<static_file>(std::make_unique<wasio_static_file>(*fd));
}

}  // namespace http
