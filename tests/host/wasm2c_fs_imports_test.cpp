// The wasm2c front-end's filesystem imports on a fake guest memory (with guard bytes): hostile
// paths and pointers get their errno, nothing outside the memory is touched, results are stored
// only on success, and a refused call leaves no fd open. Part of the ASan/UBSan stage.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "fs_test_support.hpp"
#include "wasio/testbed/wasm2c/imports.hpp"

namespace {

using namespace wasio;
using namespace wasio::testbed;
using wasio::testbed::test::scratch_dir;

constexpr std::uint32_t page = 65536;
constexpr std::uint32_t guard = 4096;
constexpr std::uint32_t code(errc e) { return static_cast<std::uint32_t>(e); }

class Wasm2cFs : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(scratch.path() / "root");
    scratch.write_file("outside", "OUTSIDE");
    scratch.write_file("root/inside", "INSIDE");
    std::filesystem::create_symlink("../outside", scratch.path() / "root/up");
    host_config config;
    config.preopens = {{(scratch.path() / "root").string(), "/", false}};
    host_ = std::move(host::create(std::move(config)).value());
    storage_.assign(guard + page + guard, 0x5a);
    memory_.data = storage_.data() + guard;
    std::fill(memory_.data, memory_.data + page, std::uint8_t{0});
    memory_.pages = 1;
    memory_.max_pages = 1;
    memory_.size = page;
    env_.memory = &memory_;
    env_.host = host_.get();
  }
  void TearDown() override {
    EXPECT_TRUE(std::all_of(storage_.begin(), storage_.begin() + guard, [](std::uint8_t b) { return b == 0x5a; }))
        << "an import wrote below the guest memory";
    EXPECT_TRUE(std::all_of(storage_.end() - guard, storage_.end(), [](std::uint8_t b) { return b == 0x5a; }))
        << "an import wrote above the guest memory";
    EXPECT_EQ(host_->open_fd_count(), 4u) << "a file fd leaked";
  }
  /// Puts `text` at guest address `at`; returns its length.
  std::uint32_t put(std::uint32_t at, std::string_view text) {
    std::memcpy(memory_.data + at, text.data(), text.size());
    return static_cast<std::uint32_t>(text.size());
  }
  std::uint32_t get32(std::uint32_t at) const {
    std::uint32_t v;
    std::memcpy(&v, memory_.data + at, 4);
    return v;
  }
  std::uint32_t open(std::uint32_t path, std::uint32_t len, std::uint32_t out, std::uint32_t oflags = 0) {
    return Z_wasi_snapshot_preview1Z_path_open(&env_, 3, 1, path, len, oflags, wasio::abi::rights_all, 0, 0, out);
  }

  scratch_dir scratch;
  std::unique_ptr<host> host_;
  std::vector<std::uint8_t> storage_;
  wasm_rt_memory_t memory_{};
  Z_wasi_snapshot_preview1_instance_t env_{};
};

TEST_F(Wasm2cFs, PathsOutsideThePreopenAndHostileBytesGetTheirErrno) {
  const std::uint32_t out = 0x100;
  std::memset(memory_.data + out, 0xee, 4);
  EXPECT_EQ(open(0x200, put(0x200, "../outside"), out), code(errc::notcapable));
  EXPECT_EQ(open(0x200, put(0x200, "up"), out), code(errc::notcapable));
  EXPECT_EQ(open(0x200, put(0x200, "/etc/passwd"), out), code(errc::notcapable));
  EXPECT_EQ(open(0x200, put(0x200, std::string_view("inside\0x", 8)), out), code(errc::inval));
  EXPECT_EQ(get32(out), 0xeeeeeeeeu) << "a refused open stored a result";
  EXPECT_EQ(open(0x200, put(0x200, "inside"), out), 0u);
  const std::uint32_t fd = get32(out);
  EXPECT_EQ(fd, 4u);
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_close(&env_, fd), 0u);
}

TEST_F(Wasm2cFs, EveryPointerIsCheckedBeforeTheCallHasAnEffect) {
  const std::uint32_t len = put(0x200, "inside");
  EXPECT_EQ(open(page - 3, 6, 0x100), code(errc::fault));
  EXPECT_EQ(open(0x200, 0xffffffffu, 0x100), code(errc::fault));
  // The file must not be opened when its fd cannot be stored (the guest could never close it).
  EXPECT_EQ(open(0x200, len, page - 2), code(errc::fault));
  EXPECT_EQ(host_->open_fd_count(), 4u);
  EXPECT_EQ(open(0x200, put(0x200, "made"), page, wasio::abi::oflag_creat), code(errc::fault));
  EXPECT_FALSE(scratch.exists("root/made"));
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_path_filestat_get(&env_, 3, 1, 0x200, len, page - 63), code(errc::fault));
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_readdir(&env_, 3, page - 10, 11, 0, 0x100), code(errc::fault));
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_readdir(&env_, 3, 0x400, 64, 0, page), code(errc::fault));
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_path_readlink(&env_, 3, 0x200, put(0x200, "up"), page - 4, 8, 0x100),
            code(errc::fault));
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_path_symlink(&env_, page - 1, 2, 3, 0x200, 1), code(errc::fault));
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_path_rename(&env_, 3, 0x200, 2, 3, page, 1), code(errc::fault));
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_path_create_directory(&env_, 3, 0xfffffff0u, 32), code(errc::fault));
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_seek(&env_, 3, 0, 3, 0x100), code(errc::inval));
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_filestat_get(&env_, 3, page - 8), code(errc::fault));
}

TEST_F(Wasm2cFs, ResultsAreStoredOnSuccess) {
  ASSERT_EQ(open(0x200, put(0x200, "inside"), 0x100), 0u);
  const std::uint32_t fd = get32(0x100);
  // One iovec at 0x300 pointing at 0x400, 6 bytes.
  std::uint32_t iov[2] = {0x400, 6};
  std::memcpy(memory_.data + 0x300, iov, sizeof iov);
  ASSERT_EQ(Z_wasi_snapshot_preview1Z_fd_pread(&env_, fd, 0x300, 1, 0, 0x104), 0u);
  EXPECT_EQ(get32(0x104), 6u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(memory_.data + 0x400), 6), "INSIDE");
  ASSERT_EQ(Z_wasi_snapshot_preview1Z_fd_seek(&env_, fd, static_cast<std::uint64_t>(-2), 2, 0x108), 0u);
  EXPECT_EQ(get32(0x108), 4u);
  ASSERT_EQ(Z_wasi_snapshot_preview1Z_fd_filestat_get(&env_, fd, 0x500), 0u);
  wasio::abi::filestat st;
  std::memcpy(&st, memory_.data + 0x500, sizeof st);
  EXPECT_EQ(st.size, 6u);
  EXPECT_EQ(st.filetype, static_cast<std::uint8_t>(wasio::abi::filetype::regular_file));
  EXPECT_EQ(Z_wasi_snapshot_preview1Z_fd_close(&env_, fd), 0u);
  // readlink cuts at the buffer and says how much it used.
  ASSERT_EQ(Z_wasi_snapshot_preview1Z_path_readlink(&env_, 3, 0x200, put(0x200, "up"), 0x600, 4, 0x10c), 0u);
  EXPECT_EQ(get32(0x10c), 4u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(memory_.data + 0x600), 4), "../o");
  std::uint32_t used = 0;
  ASSERT_EQ(Z_wasi_snapshot_preview1Z_fd_readdir(&env_, 3, 0x1000, 4096, 0, 0x110), 0u);
  used = get32(0x110);
  EXPECT_GT(used, 3 * sizeof(wasio::abi::dirent));
  EXPECT_LT(used, 4096u);
}

}  // namespace
