// The AOF's files on wasio::fs (synchronous file calls: files are always ready).
#include "aof_fs_directory.hpp"

#include "wasio/fs/file.hpp"
#include "wasio/fs/operations.hpp"

namespace kv {
namespace {

class fs_file final : public aof_file {
 public:
  explicit fs_file(wasio::fs::file f) : file_(std::move(f)) {}
  wasio::result<std::size_t> write(std::span<const char> data) override { return file_.write(std::as_bytes(data)); }
  wasio::result<std::size_t> read(std::span<char> into) override { return file_.read(std::as_writable_bytes(into)); }
  wasio::result<void> sync() override { return file_.datasync(); }
  wasio::result<std::uint64_t> size() override { return file_.size(); }
  wasio::result<void> truncate(std::uint64_t length) override { return file_.resize(length); }

 private:
  wasio::fs::file file_;
};

}  // namespace

std::string aof_fs_directory::join(std::string_view name) const {
  std::string out = path_;
  if (!out.empty() && out.back() != '/') out += '/';
  out += name;
  return out;
}

wasio::result<void> aof_fs_directory::check() const {
  auto st = wasio::fs::stat(path_);
  if (!st) return wasio::fail(st.error());
  if (st->type != wasio::fs::file_type::directory) return wasio::fail(wasio::errc::notdir);
  return {};
}

wasio::result<std::unique_ptr<aof_file>> aof_fs_directory::open(std::string_view name, kv::open_mode mode) {
  using m = wasio::fs::open_mode;
  const m flags = mode == kv::open_mode::read     ? m::read
                  : mode == kv::open_mode::append ? m::write | m::create | m::append
                                                  : m::write | m::create | m::truncate;
  auto f = wasio::fs::file::open(join(name), flags);
  if (!f) return wasio::fail(f.error());
  return std::unique_ptr<aof_file>(std::make_unique<fs_file>(std::move(*f)));
}

wasio::result<void> aof_fs_directory::rename(std::string_view from, std::string_view to) {
  return wasio::fs::rename(join(from), join(to));
}

wasio::result<void> aof_fs_directory::remove(std::string_view name) { return wasio::fs::remove(join(name)); }

wasio::result<void> aof_fs_directory::sync() { return wasio::fs::sync_directory(path_); }

}  // namespace kv
