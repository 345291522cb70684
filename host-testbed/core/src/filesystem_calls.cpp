// host's public filesystem methods: forward to the filesystem part, trace every call.
#include <cstdio>
#include <string>

#include "filesystem.hpp"
#include "trace.hpp"

namespace wasio::testbed {

namespace {

/// A guest path as the trace shows it: quoted, bytes outside printable ASCII escaped, long paths
/// cut (a hostile path must not make the trace line huge).
std::string quoted(std::string_view path) {
  constexpr std::size_t shown = 200;
  std::string out = "\"";
  for (std::size_t i = 0; i < path.size() && i < shown; ++i) {
    const auto c = static_cast<unsigned char>(path[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    }
  }
  out += '"';
  if (path.size() > shown) out += "...(" + std::to_string(path.size()) + " bytes)";
  return out;
}

std::string hex(std::uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

}  // namespace

result<preopen_spec> parse_dir_spec(std::string_view text, bool read_only) {
  preopen_spec spec;
  spec.read_only = read_only;
  const std::size_t separator = text.find("::");
  spec.host_path = std::string(text.substr(0, separator));
  spec.guest_path = separator == std::string_view::npos ? spec.host_path : std::string(text.substr(separator + 2));
  if (spec.host_path.empty() || spec.guest_path.empty()) return fail(errc::inval);
  if (spec.host_path.find('\0') != std::string::npos || spec.guest_path.find('\0') != std::string::npos)
    return fail(errc::inval);
  return spec;
}

const std::vector<bound_directory>& host::directories() const { return impl_->directories; }
std::string_view host::resolver_name() const { return impl_->use_openat2 ? "openat2" : "manual"; }

errc host::fd_prestat_get(abi::fd fd, abi::prestat& out) {
  errc result = filesystem(*impl_).fd_prestat_get(fd, out);
  impl_->trace_call("fd_prestat_get", result, "fd=", fd, ", name_len=", out.dir_name_len);
  return result;
}

errc host::fd_prestat_dir_name(abi::fd fd, std::span<std::byte> out) {
  errc result = filesystem(*impl_).fd_prestat_dir_name(fd, out);
  impl_->trace_call("fd_prestat_dir_name", result, "fd=", fd, ", len=", out.size());
  return result;
}

errc host::fd_seek(abi::fd fd, abi::filedelta offset, abi::whence whence, abi::filesize& new_offset) {
  errc result = filesystem(*impl_).fd_seek(fd, offset, whence, new_offset);
  impl_->trace_call("fd_seek", result, "fd=", fd, ", offset=", offset, ", whence=", whence, ", newoffset=",
                    new_offset);
  return result;
}

errc host::fd_tell(abi::fd fd, abi::filesize& offset) {
  errc result = filesystem(*impl_).fd_tell(fd, offset);
  impl_->trace_call("fd_tell", result, "fd=", fd, ", offset=", offset);
  return result;
}

errc host::fd_pread(abi::fd fd, std::span<const host_iovec> buffers, abi::filesize offset, std::size_t& read) {
  errc result = filesystem(*impl_).fd_pread(fd, buffers, offset, read);
  impl_->trace_call("fd_pread", result, "fd=", fd, ", iovs=", buffers.size(), ", offset=", offset, ", read=", read);
  return result;
}

errc host::fd_pwrite(abi::fd fd, std::span<const host_ciovec> buffers, abi::filesize offset, std::size_t& written) {
  errc result = filesystem(*impl_).fd_pwrite(fd, buffers, offset, written);
  impl_->trace_call("fd_pwrite", result, "fd=", fd, ", iovs=", buffers.size(), ", offset=", offset, ", written=",
                    written);
  return result;
}

errc host::fd_sync(abi::fd fd) {
  errc result = filesystem(*impl_).fd_sync(fd, false);
  impl_->trace_call("fd_sync", result, "fd=", fd);
  return result;
}

errc host::fd_datasync(abi::fd fd) {
  errc result = filesystem(*impl_).fd_sync(fd, true);
  impl_->trace_call("fd_datasync", result, "fd=", fd);
  return result;
}

errc host::fd_filestat_get(abi::fd fd, abi::filestat& out) {
  errc result = filesystem(*impl_).fd_filestat_get(fd, out);
  impl_->trace_call("fd_filestat_get", result, "fd=", fd, ", size=", out.size);
  return result;
}

errc host::fd_filestat_set_size(abi::fd fd, abi::filesize size) {
  errc result = filesystem(*impl_).fd_filestat_set_size(fd, size);
  impl_->trace_call("fd_filestat_set_size", result, "fd=", fd, ", size=", size);
  return result;
}

errc host::fd_filestat_set_times(abi::fd fd, abi::timestamp atim, abi::timestamp mtim, abi::fstflags flags) {
  errc result = filesystem(*impl_).fd_filestat_set_times(fd, atim, mtim, flags);
  impl_->trace_call("fd_filestat_set_times", result, "fd=", fd, ", atim=", atim, ", mtim=", mtim, ", fstflags=",
                    flags);
  return result;
}

errc host::fd_allocate(abi::fd fd, abi::filesize offset, abi::filesize len) {
  errc result = filesystem(*impl_).fd_allocate(fd, offset, len);
  impl_->trace_call("fd_allocate", result, "fd=", fd, ", offset=", offset, ", len=", len);
  return result;
}

errc host::fd_advise(abi::fd fd, abi::filesize offset, abi::filesize len, abi::advice advice) {
  errc result = filesystem(*impl_).fd_advise(fd, offset, len, advice);
  impl_->trace_call("fd_advise", result, "fd=", fd, ", offset=", offset, ", len=", len, ", advice=", advice);
  return result;
}

errc host::fd_readdir(abi::fd fd, std::span<std::byte> out, abi::dircookie cookie, std::size_t& used) {
  errc result = filesystem(*impl_).fd_readdir(fd, out, cookie, used);
  impl_->trace_call("fd_readdir", result, "fd=", fd, ", len=", out.size(), ", cookie=", cookie, ", used=", used);
  return result;
}

errc host::fd_renumber(abi::fd from, abi::fd to) {
  errc result = filesystem(*impl_).fd_renumber(from, to);
  impl_->trace_call("fd_renumber", result, "fd=", from, ", to=", to);
  return result;
}

errc host::fd_fdstat_set_rights(abi::fd fd, abi::rights base, abi::rights inheriting) {
  errc result = filesystem(*impl_).fd_fdstat_set_rights(fd, base, inheriting);
  impl_->trace_call("fd_fdstat_set_rights", result, "fd=", fd, ", base=", hex(base), ", inheriting=", hex(inheriting));
  return result;
}

errc host::path_open(abi::fd dir, abi::lookupflags lookup, std::string_view path, abi::oflags oflags,
                     abi::rights base, abi::rights inheriting, abi::fdflags flags, abi::fd& opened) {
  errc result = filesystem(*impl_).path_open(dir, lookup, path, oflags, base, inheriting, flags, opened);
  impl_->trace_call("path_open", result, "fd=", dir, ", lookup=", lookup, ", path=", quoted(path), ", oflags=",
                    oflags, ", rights=", hex(base), "/", hex(inheriting), ", fdflags=", flags,
                    ", opened=", opened);
  return result;
}

errc host::path_create_directory(abi::fd dir, std::string_view path) {
  errc result = filesystem(*impl_).path_create_directory(dir, path);
  impl_->trace_call("path_create_directory", result, "fd=", dir, ", path=", quoted(path));
  return result;
}

errc host::path_remove_directory(abi::fd dir, std::string_view path) {
  errc result = filesystem(*impl_).path_remove_directory(dir, path);
  impl_->trace_call("path_remove_directory", result, "fd=", dir, ", path=", quoted(path));
  return result;
}

errc host::path_unlink_file(abi::fd dir, std::string_view path) {
  errc result = filesystem(*impl_).path_unlink_file(dir, path);
  impl_->trace_call("path_unlink_file", result, "fd=", dir, ", path=", quoted(path));
  return result;
}

errc host::path_rename(abi::fd old_dir, std::string_view old_path, abi::fd new_dir, std::string_view new_path) {
  errc result = filesystem(*impl_).path_rename(old_dir, old_path, new_dir, new_path);
  impl_->trace_call("path_rename", result, "fd=", old_dir, ", path=", quoted(old_path), ", new_fd=", new_dir,
                    ", new_path=", quoted(new_path));
  return result;
}

errc host::path_filestat_get(abi::fd dir, abi::lookupflags lookup, std::string_view path, abi::filestat& out) {
  errc result = filesystem(*impl_).path_filestat_get(dir, lookup, path, out);
  impl_->trace_call("path_filestat_get", result, "fd=", dir, ", lookup=", lookup, ", path=", quoted(path));
  return result;
}

errc host::path_filestat_set_times(abi::fd dir, abi::lookupflags lookup, std::string_view path, abi::timestamp atim,
                                   abi::timestamp mtim, abi::fstflags flags) {
  errc result = filesystem(*impl_).path_filestat_set_times(dir, lookup, path, atim, mtim, flags);
  impl_->trace_call("path_filestat_set_times", result, "fd=", dir, ", lookup=", lookup, ", path=", quoted(path),
                    ", fstflags=", flags);
  return result;
}

errc host::path_link(abi::fd old_dir, abi::lookupflags lookup, std::string_view old_path, abi::fd new_dir,
                     std::string_view new_path) {
  errc result = filesystem(*impl_).path_link(old_dir, lookup, old_path, new_dir, new_path);
  impl_->trace_call("path_link", result, "fd=", old_dir, ", lookup=", lookup, ", path=", quoted(old_path),
                    ", new_fd=", new_dir, ", new_path=", quoted(new_path));
  return result;
}

errc host::path_symlink(std::string_view target, abi::fd dir, std::string_view path) {
  errc result = filesystem(*impl_).path_symlink(target, dir, path);
  impl_->trace_call("path_symlink", result, "target=", quoted(target), ", fd=", dir, ", path=", quoted(path));
  return result;
}

errc host::path_readlink(abi::fd dir, std::string_view path, std::span<std::byte> out, std::size_t& used) {
  errc result = filesystem(*impl_).path_readlink(dir, path, out, used);
  impl_->trace_call("path_readlink", result, "fd=", dir, ", path=", quoted(path), ", len=", out.size(), ", used=",
                    used);
  return result;
}

}  // namespace wasio::testbed
