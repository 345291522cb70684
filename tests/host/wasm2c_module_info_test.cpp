// The module reader wasio-run uses to refuse modules before translating them.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "wasio/testbed/host.hpp"
#include "wasio/testbed/wasm2c/module_info.hpp"

namespace {

using namespace wasio;
using namespace wasio::testbed::wasm2c;

/// Assembles a module from (section id, payload) pairs; payloads are written byte by byte.
class module_bytes {
 public:
  module_bytes() { bytes_ = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}; }
  module_bytes& section(std::uint8_t id, std::vector<std::uint8_t> payload) {
    bytes_.push_back(id);
    bytes_.push_back(static_cast<std::uint8_t>(payload.size()));  // sections here stay < 128 bytes
    bytes_.insert(bytes_.end(), payload.begin(), payload.end());
    return *this;
  }
  std::vector<std::byte> bytes() const {
    std::vector<std::byte> out;
    for (std::uint8_t b : bytes_) out.push_back(static_cast<std::byte>(b));
    return out;
  }

 private:
  std::vector<std::uint8_t> bytes_;
};

std::vector<std::uint8_t> name(std::string_view text) {
  std::vector<std::uint8_t> out{static_cast<std::uint8_t>(text.size())};
  out.insert(out.end(), text.begin(), text.end());
  return out;
}

std::vector<std::uint8_t> concat(std::initializer_list<std::vector<std::uint8_t>> parts) {
  std::vector<std::uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Types: 0 = (i32 i32 i32 i32) -> i32, 1 = (i32) -> i32, 2 = () -> ().
const std::vector<std::uint8_t> three_types = {3, 0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f,
                                               0x60, 1, 0x7f, 1, 0x7f, 0x60, 0, 0};

TEST(ModuleInfo, RejectsBytesThatAreNotWasm) {
  std::vector<std::byte> text(16, std::byte{'x'});
  EXPECT_FALSE(read_module_info(text));
  EXPECT_FALSE(read_module_info({}));
}

TEST(ModuleInfo, RejectsASectionRunningPastTheEnd) {
  auto bytes = module_bytes().section(1, three_types).bytes();
  bytes.pop_back();
  EXPECT_FALSE(read_module_info(bytes));
}

TEST(ModuleInfo, ReadsImportSignaturesAndExports) {
  auto bytes = module_bytes()
                   .section(1, three_types)
                   .section(2, concat({{1}, name("wasi_snapshot_preview1"), name("fd_write"), {0x00, 0}}))
                   .section(7, concat({{2}, name("_start"), {0x00, 1}, name("memory"), {0x02, 0}}))
                   .bytes();
  auto info = read_module_info(bytes);
  ASSERT_TRUE(info);
  ASSERT_EQ(info->imports.size(), 1u);
  EXPECT_EQ(info->imports[0].module, "wasi_snapshot_preview1");
  EXPECT_EQ(info->imports[0].name, "fd_write");
  EXPECT_EQ(info->imports[0].params, "iiii");
  EXPECT_EQ(info->imports[0].results, "i");
  EXPECT_TRUE(info->exports_function("_start"));
  EXPECT_TRUE(info->exports_memory("memory"));
  EXPECT_FALSE(info->exports_function("memory"));
  EXPECT_TRUE(info->unsupported_features.empty());
  EXPECT_TRUE(unresolved_imports(*info, wasio::testbed::preview1_function_names()).empty());
}

TEST(ModuleInfo, ListsEveryImportTheHostLacks) {
  auto bytes = module_bytes()
                   .section(1, three_types)
                   .section(2, concat({{4},
                                       name("env"), name("frobnicate"), {0x00, 1},
                                       name("wasi_snapshot_preview1"), name("sock_open"), {0x00, 1},
                                       name("wasi_snapshot_preview1"), name("fd_write"), {0x00, 1},
                                       name("wasi_snapshot_preview1"), name("memory"), {0x02, 0x00, 1}}))
                   .bytes();
  auto info = read_module_info(bytes);
  ASSERT_TRUE(info);
  auto missing = unresolved_imports(*info, wasio::testbed::preview1_function_names());
  ASSERT_EQ(missing.size(), 4u);
  EXPECT_EQ(missing[0], "env.frobnicate (function, not from wasi_snapshot_preview1)");
  EXPECT_EQ(missing[1], "wasi_snapshot_preview1.sock_open (function, not a preview1 function this host provides)");
  EXPECT_EQ(missing[2], "wasi_snapshot_preview1.fd_write (function (i32) -> (i32), preview1 has (i32, i32, i32, i32) -> (i32))");
  EXPECT_EQ(missing[3], "wasi_snapshot_preview1.memory (memory, preview1 exports only functions)");
}

TEST(ModuleInfo, NamesSharedMemoryAsThreads) {
  auto bytes = module_bytes().section(5, {1, 0x03, 1, 1}).bytes();
  auto info = read_module_info(bytes);
  ASSERT_TRUE(info);
  ASSERT_EQ(info->unsupported_features.size(), 1u);
  EXPECT_EQ(info->unsupported_features[0], "threads (shared memory)");
}

TEST(ModuleInfo, NamesV128LocalsAsSimd) {
  // One function body: one local group of one v128, then `end`.
  auto bytes = module_bytes()
                   .section(1, {1, 0x60, 0, 0})
                   .section(3, {1, 0})
                   .section(10, {1, 4, 1, 1, 0x7b, 0x0b})
                   .bytes();
  auto info = read_module_info(bytes);
  ASSERT_TRUE(info);
  ASSERT_EQ(info->unsupported_features.size(), 1u);
  EXPECT_EQ(info->unsupported_features[0], "SIMD (v128 values)");
}

TEST(ModuleInfo, RejectsAnImportOfAnUndeclaredType) {
  auto bytes = module_bytes()
                   .section(1, {1, 0x60, 0, 0})
                   .section(2, concat({{1}, name("wasi_snapshot_preview1"), name("sched_yield"), {0x00, 5}}))
                   .bytes();
  EXPECT_FALSE(read_module_info(bytes));
}

}  // namespace
