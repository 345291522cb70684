#pragma once
// Helpers for the filesystem tests of the host core: a scratch directory tree removed at the end,
// and hosts whose pre-opens point into it.

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wasio/testbed/host.hpp"

namespace wasio::testbed::test {

/// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class scratch_dir {
 public:
  scratch_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/wasio-fs-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~scratch_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string operator/(std::string_view child) const { return (path_ / child).string(); }

  void write_file(std::string_view child, std::string_view content) const {
    std::ofstream out(path_ / child, std::ios::binary);
    out << content;
  }
  std::string read_file(std::string_view child) const {
    std::ifstream in(path_ / child, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  bool exists(std::string_view child) const {
    std::error_code ignored;
    return std::filesystem::symlink_status(path_ / child, ignored).type() != std::filesystem::file_type::not_found;
  }

 private:
  std::filesystem::path path_;
};

inline std::span<const std::byte> bytes(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

/// All rights a test asks for when it wants a file it can read and write.
inline constexpr abi::rights all_rights = abi::rights_all;

}  // namespace wasio::testbed::test

namespace wasio {
/// gtest prints errc values by name ("notcapable"), not as two raw bytes.
inline void PrintTo(errc code, std::ostream* out) { *out << name(code); }
}  // namespace wasio
