// The log file sink's files, on wasio::fs.
#include "log_file_fs.hpp"

#include <span>

#include "wasio/fs/file.hpp"
#include "wasio/fs/operations.hpp"

namespace syslog {
namespace {

class fs_log_file final : public log_file {
 public:
  explicit fs_log_file(wasio::fs::file f) : file_(std::move(f)) {}
  wasio::result<std::size_t> write(std::string_view bytes) override {
    return file_.write(std::as_bytes(std::span(bytes.data(), bytes.size())));
  }
  wasio::result<void> sync() override { return file_.datasync(); }
  wasio::result<std::uint64_t> size() override { return file_.size(); }
  wasio::result<char> byte_at(std::uint64_t offset) override {
    std::byte b{};
    auto got = file_.pread(std::span(&b, 1), offset);
    if (!got) return wasio::fail(got.error());
    if (*got != 1) return wasio::fail(wasio::errc::inval);
    return static_cast<char>(b);
  }

 private:
  wasio::fs::file file_;
};

}  // namespace

wasio::result<std::unique_ptr<log_file>> fs_log_directory::open_append(std::string_view path) {
  using wasio::fs::open_mode;
  // read too: byte_at looks at the last byte of a file it reopens.
  auto f = wasio::fs::file::open(path, open_mode::read | open_mode::write | open_mode::create | open_mode::append);
  if (!f) return wasio::fail(f.error());
  return std::unique_ptr<log_file>(std::make_unique<fs_log_file>(std::move(*f)));
}

wasio::result<void> fs_log_directory::rename(std::string_view from, std::string_view to) {
  return wasio::fs::rename(from, to);
}

wasio::result<void> fs_log_directory::remove(std::string_view path) { return wasio::fs::remove(path); }

}  // namespace syslog
