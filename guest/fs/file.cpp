// wasio::fs::file over wasio::sys's file calls.
#include "wasio/fs/file.hpp"

#include "wasio/fs/preopens.hpp"
#include "wasio/sys/fs.hpp"

namespace wasio::fs {
namespace {

constexpr abi::rights read_rights = abi::right_fd_read | abi::right_fd_seek | abi::right_fd_tell |
                                    abi::right_fd_filestat_get | abi::right_fd_advise | abi::right_poll_fd_readwrite |
                                    abi::right_fd_fdstat_set_flags;
constexpr abi::rights write_rights = abi::right_fd_write | abi::right_fd_datasync | abi::right_fd_sync |
                                     abi::right_fd_allocate | abi::right_fd_filestat_set_size |
                                     abi::right_fd_filestat_set_times;

}  // namespace

result<file> file::open(std::string_view path, open_mode mode) {
  auto where = resolve(path);
  if (!where) return fail(where.error());
  return open_at(where->directory, where->relative, mode);
}

result<file> file::open_at(sys::fd_t directory, std::string_view relative, open_mode mode) {
  abi::oflags oflags = 0;
  if (has(mode, open_mode::create)) oflags |= abi::oflag_creat;
  if (has(mode, open_mode::truncate)) oflags |= abi::oflag_trunc;
  if (has(mode, open_mode::exclusive)) oflags |= abi::oflag_excl;
  const bool writes = has(mode, open_mode::write) || has(mode, open_mode::append);
  // Reading rights come with every file: size() and seek() need them, and a write-only host
  // descriptor still refuses fd_read.
  abi::rights rights = abi::right_fd_seek | abi::right_fd_tell | abi::right_fd_filestat_get;
  if (has(mode, open_mode::read)) rights |= read_rights;
  if (writes) rights |= write_rights;
  abi::fdflags flags = has(mode, open_mode::append) ? abi::fdflag_append : 0;
  auto fd = sys::path_open(directory, abi::lookup_symlink_follow, relative, oflags, rights, 0, flags);
  if (!fd) return fail(fd.error());
  return file(*fd);
}

file& file::operator=(file&& other) noexcept {
  if (this != &other) {
    if (is_open()) (void)sys::fd_close(fd_);
    fd_ = other.fd_;
    other.fd_ = closed;
  }
  return *this;
}

file::~file() {
  if (is_open()) (void)sys::fd_close(fd_);
}

result<std::size_t> file::read(std::span<std::byte> out) {
  if (!is_open()) return fail(errc::badf);
  const sys::buffer buffer{out.data(), out.size()};
  return sys::fd_read(fd_, std::span(&buffer, 1));
}

result<std::size_t> file::write(std::span<const std::byte> data) {
  if (!is_open()) return fail(errc::badf);
  const sys::const_buffer buffer{data.data(), data.size()};
  return sys::fd_write(fd_, std::span(&buffer, 1));
}

result<void> file::write_all(std::span<const std::byte> data) {
  while (!data.empty()) {
    auto n = write(data);
    if (!n) return fail(n.error());
    if (*n == 0) return fail(errc::io);  // a host that takes nothing would make this spin
    data = data.subspan(*n);
  }
  return {};
}

result<std::size_t> file::pread(std::span<std::byte> out, std::uint64_t offset) {
  if (!is_open()) return fail(errc::badf);
  const sys::buffer buffer{out.data(), out.size()};
  return sys::fd_pread(fd_, std::span(&buffer, 1), offset);
}

result<std::size_t> file::pwrite(std::span<const std::byte> data, std::uint64_t offset) {
  if (!is_open()) return fail(errc::badf);
  const sys::const_buffer buffer{data.data(), data.size()};
  return sys::fd_pwrite(fd_, std::span(&buffer, 1), offset);
}

result<std::uint64_t> file::seek(std::int64_t offset, seek_from from) {
  if (!is_open()) return fail(errc::badf);
  return sys::fd_seek(fd_, offset, static_cast<abi::whence>(from));
}

result<std::uint64_t> file::size() {
  if (!is_open()) return fail(errc::badf);
  auto stat = sys::fd_filestat_get(fd_);
  if (!stat) return fail(stat.error());
  return stat->size;
}

result<void> file::resize(std::uint64_t length) {
  if (!is_open()) return fail(errc::badf);
  return sys::fd_filestat_set_size(fd_, length);
}

result<void> file::sync() {
  if (!is_open()) return fail(errc::badf);
  return sys::fd_sync(fd_);
}

result<void> file::datasync() {
  if (!is_open()) return fail(errc::badf);
  return sys::fd_datasync(fd_);
}

result<void> file::close() {
  if (!is_open()) return fail(errc::badf);
  const sys::fd_t fd = fd_;
  fd_ = closed;
  return sys::fd_close(fd);
}

}  // namespace wasio::fs
