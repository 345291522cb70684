#pragma once
/// kv::aof_fs_directory: kv::aof_directory on wasio::fs, for the directory `--dir` names (a guest
/// path inside a pre-opened directory, resolved as wasi-libc resolves paths).
///
/// Errors: those of wasio::fs (include/wasio/fs/file.hpp, operations.hpp): notcapable when no
/// pre-open holds the directory, noent, nospc, io ...; check() reports the first at start.
///
/// Example (compiled in examples/kv/main.cpp):
///   kv::aof_fs_directory dir(options.dir);
///   if (auto ok = dir.check(); !ok) fail(ok.error());

#include <string>

#include "aof_storage.hpp"

namespace kv {

class aof_fs_directory final : public aof_directory {
 public:
  explicit aof_fs_directory(std::string path) : path_(std::move(path)) {}
  /// The directory exists and is a directory the guest can reach.
  wasio::result<void> check() const;
  wasio::result<std::unique_ptr<aof_file>> open(std::string_view name, open_mode mode) override;
  wasio::result<void> rename(std::string_view from, std::string_view to) override;
  wasio::result<void> remove(std::string_view name) override;
  wasio::result<void> sync() override;

 private:
  std::string join(std::string_view name) const;
  std::string path_;
};

}  // namespace kv
