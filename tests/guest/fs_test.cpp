// wasio::fs (and the sys file calls under it) through the native front-end, under every profile:
// pre-open resolution as wasi-libc does it, files, path operations, and listener discovery that
// still finds exactly the listeners when directories come first.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "wasio/fs/file.hpp"
#include "wasio/fs/operations.hpp"
#include "wasio/fs/preopens.hpp"
#include "wasio/sys/fs.hpp"
#include "wasio/sys/listeners.hpp"
#include "wasio/testbed/host.hpp"
#include "wasio/testbed/native.hpp"

namespace wasio {
inline void PrintTo(errc code, std::ostream* out) { *out << name(code); }

namespace {

using fs::open_mode;
using testbed::profile;

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

/// Two scratch directories pre-opened as "/data" and "/data/logs" (nested, so the longest prefix
/// matters), one read-only directory as "/static", and one listener, installed behind wasio::sys.
class FsGuest : public ::testing::TestWithParam<profile> {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/wasio-fsguest-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    std::filesystem::create_directories(root_ / "data");
    std::filesystem::create_directories(root_ / "logs");
    std::filesystem::create_directories(root_ / "static");
    std::ofstream(root_ / "static/index.html") << "<h1>hi</h1>";
    testbed::host_config config;
    config.semantics = GetParam();
    config.preopens = {{(root_ / "data").string(), "/data", false},
                       {(root_ / "logs").string(), "/data/logs", false},
                       {(root_ / "static").string(), "/static", true}};
    config.listeners = {testbed::listen_spec{"127.0.0.1", 0}};
    auto created = testbed::host::create(std::move(config));
    ASSERT_TRUE(created) << name(created.error());
    host_ = std::move(*created);
    installed_.emplace(*host_);
    fs::refresh_preopens();
  }
  void TearDown() override {
    if (host_) {
      EXPECT_EQ(host_->open_fd_count(), 3u + 3u + 1u) << "a file or directory fd leaked";
    }
    installed_.reset();
    host_.reset();
    fs::refresh_preopens();
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  std::string host_file(std::string_view relative) {
    std::ifstream in(root_ / relative, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  std::filesystem::path root_;
  std::unique_ptr<testbed::host> host_;
  std::optional<testbed::native::scoped_host> installed_;
};

INSTANTIATE_TEST_SUITE_P(Profiles, FsGuest, ::testing::Values(profile::strict, profile::wasmtime_legacy, profile::uvwasi),
                         [](const auto& info) {
                           std::string n(testbed::name(info.param));
                           for (char& c : n) if (c == '-') c = '_';
                           return n;
                         });

TEST_P(FsGuest, PreopensAreScannedInFdOrderAndListenersStillFound) {
  auto all = fs::preopens();
  ASSERT_TRUE(all) << name(all.error());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].fd, 3u);
  EXPECT_EQ((*all)[0].name, "/data");
  EXPECT_EQ((*all)[2].name, "/static");
  auto listeners = sys::find_listeners();
  ASSERT_TRUE(listeners) << name(listeners.error());
  EXPECT_EQ(*listeners, std::vector<sys::fd_t>{6});
}

TEST_P(FsGuest, PathsResolveToTheLongestPreopenAsWasiLibcDoes) {
  auto r = fs::resolve("/data/logs/today");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->directory, 4u);
  EXPECT_EQ(r->relative, "today");
  r = fs::resolve("data/db/x");  // relative paths start at "/", as wasi-libc's cwd
  ASSERT_TRUE(r);
  EXPECT_EQ(r->directory, 3u);
  EXPECT_EQ(r->relative, "db/x");
  r = fs::resolve("./data");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->relative, ".");
  r = fs::resolve("/data/logsX");  // a component prefix, not a string prefix
  ASSERT_TRUE(r);
  EXPECT_EQ(r->directory, 3u);
  EXPECT_EQ(r->relative, "logsX");
  EXPECT_EQ(fs::resolve("/etc/passwd").error(), errc::notcapable);
  EXPECT_EQ(fs::resolve("").error(), errc::inval);
}

TEST_P(FsGuest, FileWriteReadSeekSizeSyncClose) {
  auto f = fs::file::open("/data/wal.log", open_mode::read | open_mode::write | open_mode::create);
  ASSERT_TRUE(f) << name(f.error());
  ASSERT_TRUE(f->write_all(bytes("set a 1\n")));
  ASSERT_TRUE(f->write_all(bytes("set b 2\n")));
  ASSERT_TRUE(f->datasync());
  ASSERT_TRUE(f->sync());
  EXPECT_EQ(f->size().value(), 16u);
  EXPECT_EQ(f->seek(4).value(), 4u);
  std::string got(3, '\0');
  EXPECT_EQ(f->read(std::as_writable_bytes(std::span(got))).value(), 3u);
  EXPECT_EQ(got, "a 1");
  EXPECT_EQ(f->pread(std::as_writable_bytes(std::span(got)), 12).value(), 3u);
  EXPECT_EQ(got, "b 2");
  EXPECT_EQ(f->pwrite(bytes("B"), 12).value(), 1u);
  ASSERT_TRUE(f->resize(8));
  ASSERT_TRUE(f->close());
  EXPECT_FALSE(f->is_open());
  EXPECT_EQ(f->write(bytes("x")).error(), errc::badf);
  EXPECT_EQ(host_file("data/wal.log"), "set a 1\n");
}

TEST_P(FsGuest, OpenModesAppendTruncateExclusive) {
  {
    auto f = fs::file::open("/data/log", open_mode::append | open_mode::create);
    ASSERT_TRUE(f);
    ASSERT_TRUE(f->write_all(bytes("one\n")));
  }
  {
    auto f = fs::file::open("/data/log", open_mode::append);
    ASSERT_TRUE(f);
    ASSERT_TRUE(f->seek(0));
    ASSERT_TRUE(f->write_all(bytes("two\n")));
  }
  EXPECT_EQ(host_file("data/log"), "one\ntwo\n");
  EXPECT_EQ(fs::file::open("/data/log", open_mode::write | open_mode::create | open_mode::exclusive).error(), errc::exist);
  {
    auto f = fs::file::open("/data/log", open_mode::write | open_mode::truncate);
    ASSERT_TRUE(f);
  }
  EXPECT_EQ(host_file("data/log"), "");
  EXPECT_EQ(fs::file::open("/data/missing", open_mode::read).error(), errc::noent);
  // Moving a file keeps one owner: the moved-from one is closed and harmless.
  auto a = fs::file::open("/data/log", open_mode::read);
  ASSERT_TRUE(a);
  fs::file b = std::move(*a);
  EXPECT_FALSE(a->is_open());
  EXPECT_TRUE(b.is_open());
}

TEST_P(FsGuest, RenameRemoveCreateStatListSync) {
  ASSERT_TRUE(fs::create_directory("/data/db"));
  EXPECT_EQ(fs::create_directory("/data/db").error(), errc::exist);
  {
    auto f = fs::file::open("/data/db/tmp", open_mode::write | open_mode::create);
    ASSERT_TRUE(f);
    ASSERT_TRUE(f->write_all(bytes("snapshot")));
  }
  ASSERT_TRUE(fs::rename("/data/db/tmp", "/data/db/snap"));
  ASSERT_TRUE(fs::sync_directory("/data/db"));
  auto st = fs::stat("/data/db/snap");
  ASSERT_TRUE(st) << name(st.error());
  EXPECT_EQ(st->type, fs::file_type::regular);
  EXPECT_EQ(st->size, 8u);
  EXPECT_EQ(fs::stat("/data/db")->type, fs::file_type::directory);
  auto listed = fs::list_directory("/data/db");
  ASSERT_TRUE(listed) << name(listed.error());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name, "snap");
  EXPECT_EQ((*listed)[0].type, fs::file_type::regular);
  EXPECT_EQ(fs::remove("/data/db").error(), errc::notempty);
  ASSERT_TRUE(fs::remove("/data/db/snap"));
  ASSERT_TRUE(fs::remove("/data/db"));
  EXPECT_EQ(fs::stat("/data/db").error(), errc::noent);
}

TEST_P(FsGuest, ListingAManyEntryDirectoryNeedsSeveralReaddirCalls) {
  std::set<std::string> made;
  for (int i = 0; i < 300; ++i) {
    std::string name = "/data/logs/entry-with-a-longish-name-" + std::to_string(i);
    auto f = fs::file::open(name, open_mode::write | open_mode::create);
    ASSERT_TRUE(f);
    made.insert(name.substr(11));
  }
  auto listed = fs::list_directory("/data/logs");
  ASSERT_TRUE(listed) << name(listed.error());
  std::set<std::string> seen;
  for (const auto& e : *listed) seen.insert(e.name);
  EXPECT_EQ(seen, made);
  EXPECT_EQ(fs::list_directory("/data/logs", 10).error(), errc::nomem);
}

TEST_P(FsGuest, ReadOnlyPreopenServesButNeverChanges) {
  auto f = fs::file::open("/static/index.html", open_mode::read);
  ASSERT_TRUE(f) << name(f.error());
  std::string got(64, '\0');
  auto n = f->read(std::as_writable_bytes(std::span(got)));
  ASSERT_TRUE(n);
  got.resize(*n);
  EXPECT_EQ(got, "<h1>hi</h1>");
  EXPECT_EQ(fs::file::open("/static/new", open_mode::write | open_mode::create).error(), errc::notcapable);
  EXPECT_EQ(fs::remove("/static/index.html").error(), errc::notcapable);
  EXPECT_EQ(fs::rename("/static/index.html", "/data/stolen").error(), errc::notcapable);
  EXPECT_EQ(host_file("static/index.html"), "<h1>hi</h1>");
}

TEST_P(FsGuest, EscapesAreRefusedThroughTheGuestApi) {
  EXPECT_EQ(fs::file::open("/data/../logs/x", open_mode::write | open_mode::create).error(), errc::notcapable);
  // A link the guest makes may say anything; following it out is what the host refuses.
  ASSERT_TRUE(sys::path_symlink("../../../../../../etc", 3, "out"));
  EXPECT_EQ(fs::file::open("/data/out/passwd", open_mode::read).error(), errc::notcapable);
  EXPECT_EQ(fs::stat("/data/out").error(), errc::notcapable);
  EXPECT_EQ(sys::path_symlink("/etc", 3, "abs").error(), errc::notcapable);
  std::string text(64, '\0');
  auto n = sys::path_readlink(3, "out", text);
  ASSERT_TRUE(n);
  EXPECT_EQ(text.substr(0, *n), "../../../../../../etc");
  ASSERT_TRUE(fs::remove("/data/out"));
}

}  // namespace
}  // namespace wasio
