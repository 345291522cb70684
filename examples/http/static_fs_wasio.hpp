#pragma once
/// http::wasio_static_fs: static_fs on the guest's pre-opened directories (wasio::fs::resolve, then
/// the sys-level path calls with no symlink following in the last component).
///
/// Errors: as static_fs (notcapable when no pre-open holds the path).
/// Example (compiled in examples/http/main.cpp):
///   http::wasio_static_fs fs;
///   http::static_files files(fs, mounts);

#include "static_fs.hpp"

namespace http {

class wasio_static_fs final : public static_fs {
 public:
  wasio::result<file_info> lstat(std::string_view path) override;
  wasio::result<std::unique_ptr<static_file>> open(std::string_view path) override;
};

}  // namespace http
