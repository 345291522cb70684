#pragma once
// An in-memory http::static_fs: files, directories and symbolic links by full guest path, and a
// record of every path looked at (so tests can check nothing outside a mount was touched).

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "static_fs.hpp"

namespace http_test {

struct fake_node {
  http::file_kind kind = http::file_kind::regular;
  std::shared_ptr<std::string> contents = std::make_shared<std::string>();
  std::int64_t mtime_ns = 784111777'000000000;  // Sun, 06 Nov 1994 08:49:37 GMT
};

class fake_static_fs final : public http::static_fs {
 public:
  std::map<std::string, fake_node> nodes;
  std::vector<std::string> touched;

  void file(const std::string& path, std::string contents, std::int64_t mtime_ns = 784111777'000000000) {
    nodes[path] = fake_node{http::file_kind::regular, std::make_shared<std::string>(std::move(contents)), mtime_ns};
  }
  void directory(const std::string& path) { nodes[path] = fake_node{http::file_kind::directory, nullptr, 0}; }
  void symlink(const std::string& path) { nodes[path] = fake_node{http::file_kind::symlink, nullptr, 0}; }

  wasio::result<http::file_info> lstat(std::string_view path) override {
    touched.emplace_back(path);
    auto it = nodes.find(std::string(path));
    if (it == nodes.end()) return wasio::fail(wasio::errc::noent);
    return info_of(it->second);
  }

  wasio::result<std::unique_ptr<http::static_file>> open(std::string_view path) override {
    touched.emplace_back(path);
    auto it = nodes.find(std::string(path));
    if (it == nodes.end()) return wasio::fail(wasio::errc::noent);
    if (it->second.kind == http::file_kind::symlink) return wasio::fail(wasio::errc::loop);
    return std::unique_ptr<http::static_file>(std::make_unique<open_file>(it->second));
  }

 private:
  static http::file_info info_of(const fake_node& n) {
    return http::file_info{n.kind, n.contents ? n.contents->size() : 0, n.mtime_ns};
  }
  class open_file final : public http::static_file {
   public:
    explicit open_file(fake_node node) : node_(std::move(node)) {}
    wasio::result<std::size_t> pread(std::span<char> into, std::uint64_t offset) override {
      const std::string& c = *node_.contents;
      if (offset >= c.size()) return std::size_t{0};
      const std::size_t n = std::min<std::size_t>(into.size(), c.size() - offset);
      std::copy_n(c.data() + offset, n, into.data());
      return n;
    }
    wasio::result<http::file_info> info() override { return info_of(node_); }

   private:
    fake_node node_;  // shares the contents: a test can shrink the file while it is "open"
  };
};

}  // namespace http_test
