// The hostile-path suite of the sandbox, natively, with both resolvers: `..`, absolute paths,
// symlinks planted by the host and made by the guest, /proc/self magic links, NUL bytes, overlong
// names, and a race in which another thread keeps swapping a directory for a symlink that points
// outside while the guest opens, stats and creates through it. In every case the guest either gets
// an error or something inside its pre-open, never the file outside.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "fs_test_support.hpp"

namespace wasio::testbed::test {
namespace {

constexpr std::string_view inside_text = "INSIDE";
constexpr std::string_view outside_text = "OUTSIDE";

/// scratch/
///   outside/secret          "OUTSIDE"  (never to be reached)
///   root/                   the pre-open, fd 3
///     d/secret              "INSIDE"
///     abs -> /ABS/outside   an absolute link
///     up -> ../outside      a relative link leaving the root
///     chain -> hop1, hop1 -> hop2, hop2 -> up
///     loop1 -> loop2, loop2 -> loop1
///     proc -> /proc/self
class Sandbox : public ::testing::TestWithParam<path_resolver> {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(scratch.path() / "outside");
    std::filesystem::create_directories(scratch.path() / "root/d");
    scratch.write_file("outside/secret", outside_text);
    scratch.write_file("root/d/secret", inside_text);
    std::filesystem::create_symlink(scratch.path() / "outside", scratch.path() / "root/abs");
    std::filesystem::create_symlink("../outside", scratch.path() / "root/up");
    std::filesystem::create_symlink("hop1", scratch.path() / "root/chain");
    std::filesystem::create_symlink("hop2", scratch.path() / "root/hop1");
    std::filesystem::create_symlink("up", scratch.path() / "root/hop2");
    std::filesystem::create_symlink("loop2", scratch.path() / "root/loop1");
    std::filesystem::create_symlink("loop1", scratch.path() / "root/loop2");
    std::filesystem::create_symlink("/proc/self", scratch.path() / "root/proc");
    h = make({{(scratch.path() / "root").string(), "/", false}});
  }

  std::unique_ptr<host> make(std::vector<preopen_spec> dirs) {
    host_config config;
    config.preopens = std::move(dirs);
    config.resolver = GetParam();
    auto created = host::create(std::move(config));
    EXPECT_TRUE(created) << name(created.error());
    return created ? std::move(*created) : nullptr;
  }

  /// Opens `path` read-only (following links) and returns what it read, or the error's name.
  std::string read_through(host& hh, std::string_view path, abi::lookupflags lookup = abi::lookup_symlink_follow) {
    abi::fd fd = 0;
    errc e = hh.path_open(3, lookup, path, 0, abi::right_fd_read, 0, 0, fd);
    if (e != errc::success) return std::string(name(e));
    std::string out(64, '\0');
    host_iovec one{reinterpret_cast<std::byte*>(out.data()), out.size()};
    std::size_t n = 0;
    e = hh.fd_read(fd, std::span(&one, 1), n);
    (void)hh.fd_close(fd);
    if (e != errc::success) return std::string(name(e));
    out.resize(n);
    return out;
  }

  scratch_dir scratch;
  std::unique_ptr<host> h;
};

INSTANTIATE_TEST_SUITE_P(Resolvers, Sandbox, ::testing::Values(path_resolver::automatic, path_resolver::manual),
                         [](const auto& info) {
                           return std::string(info.param == path_resolver::automatic ? "Automatic" : "Manual");
                         });

TEST_P(Sandbox, DotDotNeverRisesAboveThePreopen) {
  for (std::string_view path : {"..", "../outside/secret", "d/../../outside/secret", "d/../d/../../outside/secret",
                                "./../outside/secret", "d/./../..", "d//..//..//outside/secret"}) {
    EXPECT_EQ(read_through(*h, path), "notcapable") << path;
  }
  EXPECT_EQ(read_through(*h, "d/../d/secret"), inside_text);
  EXPECT_EQ(read_through(*h, "d/./secret"), inside_text);
}

TEST_P(Sandbox, AbsolutePathsNameNothing) {
  const std::string outside = scratch / "outside/secret";
  for (std::string_view path : {std::string_view("/"), std::string_view("/etc/passwd"), std::string_view(outside),
                                std::string_view("//d/secret")}) {
    EXPECT_EQ(read_through(*h, path), "notcapable") << path;
  }
}

TEST_P(Sandbox, HostPlantedSymlinksOutAreRefused) {
  for (std::string_view path : {"abs/secret", "up/secret", "chain/secret", "abs", "up"}) {
    EXPECT_EQ(read_through(*h, path), "notcapable") << path;
  }
  EXPECT_EQ(read_through(*h, "loop1"), "loop");
  EXPECT_EQ(read_through(*h, "loop1/x"), "loop");
  // Not following the last component: the link is named, not entered.
  EXPECT_EQ(read_through(*h, "up", 0), "loop");
  abi::filestat st{};
  ASSERT_EQ(h->path_filestat_get(3, 0, "abs", st), errc::success);
  EXPECT_EQ(st.filetype, static_cast<std::uint8_t>(abi::filetype::symbolic_link));
  // Mutations through an escaping link are refused and leave the outside alone.
  EXPECT_EQ(h->path_create_directory(3, "up/made"), errc::notcapable);
  EXPECT_EQ(h->path_unlink_file(3, "up/secret"), errc::notcapable);
  EXPECT_EQ(h->path_rename(3, "up/secret", 3, "stolen"), errc::notcapable);
  EXPECT_EQ(h->path_link(3, abi::lookup_symlink_follow, "up", 3, "hard"), errc::notcapable);
  EXPECT_EQ(h->path_filestat_set_times(3, abi::lookup_symlink_follow, "abs", 0, 0, abi::fstflag_mtim_now),
            errc::notcapable);
  abi::fd fd = 0;
  EXPECT_EQ(h->path_open(3, abi::lookup_symlink_follow, "up/new", abi::oflag_creat, abi::right_fd_write, 0, 0, fd),
            errc::notcapable);
  EXPECT_TRUE(scratch.exists("outside/secret"));
  EXPECT_FALSE(scratch.exists("outside/made"));
  EXPECT_FALSE(scratch.exists("outside/new"));
  EXPECT_FALSE(scratch.exists("root/stolen"));
  EXPECT_FALSE(scratch.exists("root/hard"));
}

TEST_P(Sandbox, GuestMadeSymlinksOutAreRefusedToo) {
  ASSERT_EQ(h->path_symlink("../../../../../../../..", 3, "g1"), errc::success);  // the text is free
  ASSERT_EQ(h->path_symlink("d/../..", 3, "g2"), errc::success);
  ASSERT_EQ(h->path_symlink("g1/outside", 3, "g3"), errc::success);
  EXPECT_EQ(h->path_symlink("/etc", 3, "g4"), errc::notcapable);
  for (std::string_view path : {"g1", "g1/etc/passwd", "g2/outside/secret", "g3/secret"}) {
    EXPECT_EQ(read_through(*h, path), "notcapable") << path;
  }
  // A link that stays inside works.
  ASSERT_EQ(h->path_symlink("d/secret", 3, "fine"), errc::success);
  EXPECT_EQ(read_through(*h, "fine"), inside_text);
  // Renaming an escaping link into a directory does not make it reachable either.
  ASSERT_EQ(h->path_rename(3, "g1", 3, "d/g1"), errc::success);
  EXPECT_EQ(read_through(*h, "d/g1/etc/passwd"), "notcapable");
}

TEST_P(Sandbox, ProcMagicLinksDoNotLeadOut) {
  for (std::string_view path : {"proc/root/etc/passwd", "proc/cwd", "proc/exe", "proc/fd/3/..", "proc"}) {
    const std::string got = read_through(*h, path);
    EXPECT_TRUE(got == "notcapable" || got == "loop") << path << ": " << got;
  }
  // Even a pre-open OF /proc/self (a host's mistake) gives no way through its magic links.
  auto proc = make({{"/proc/self", "/proc", false}});
  ASSERT_TRUE(proc);
  for (std::string_view path : {"root/etc/passwd", "cwd/x", "exe", "fd/0", "fd/3/secret", "root"}) {
    const std::string got = read_through(*proc, path);
    EXPECT_TRUE(got == "notcapable" || got == "loop" || got == "noent" || got == "notdir") << path << ": " << got;
  }
}

TEST_P(Sandbox, HostileBytesAreRefused) {
  EXPECT_EQ(read_through(*h, std::string_view("d/secret\0../../outside/secret", 30)), "inval");
  EXPECT_EQ(read_through(*h, std::string_view("\0", 1)), "inval");
  EXPECT_EQ(read_through(*h, std::string(256, 'n')), "nametoolong");  // NAME_MAX is 255
  EXPECT_EQ(read_through(*h, std::string(4096, 'a')), "nametoolong");
  std::string deep;
  for (int i = 0; i < 2100; ++i) deep += "d/";
  EXPECT_EQ(read_through(*h, deep + "secret"), "nametoolong");
  std::string many_dots;
  for (int i = 0; i < 1000; ++i) many_dots += "./";
  EXPECT_EQ(read_through(*h, many_dots + "d/secret"), inside_text);
  EXPECT_EQ(read_through(*h, "d/\xed\xa0\x80"), "ilseq");  // a UTF-16 surrogate
  EXPECT_EQ(h->path_create_directory(3, std::string_view("x\0y", 3)), errc::inval);
  EXPECT_EQ(h->path_symlink(std::string_view("a\0b", 3), 3, "s"), errc::inval);
}

TEST_P(Sandbox, SwappingADirectoryForAnOutsideLinkDuringCallsNeverLeaks) {
  // Another thread exchanges root/d with a symlink to outside/ as fast as it can
  // (renameat2(RENAME_EXCHANGE): at every instant one of the two is there), while this thread
  // opens, stats and creates through "d". Counts, not time, bound both loops.
  std::filesystem::create_symlink(scratch.path() / "outside", scratch.path() / "root/swap");
  const int root = ::open((scratch.path() / "root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(root, 0);
  std::atomic<bool> stop{false};
  std::atomic<long> swaps{0};
  std::thread swapper([&] {
    while (!stop.load(std::memory_order_relaxed) && swaps.load(std::memory_order_relaxed) < 2'000'000) {
      if (::renameat2(root, "d", root, "swap", RENAME_EXCHANGE) == 0) swaps.fetch_add(1, std::memory_order_relaxed);
    }
  });
  long inside = 0, refused = 0, leaked = 0, created_outside = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string got = read_through(*h, "d/secret");
    if (got == inside_text) {
      ++inside;
    } else if (got == outside_text) {
      ++leaked;
    } else {
      ++refused;
    }
    abi::filestat st{};
    if (h->path_filestat_get(3, abi::lookup_symlink_follow, "d/secret", st) == errc::success &&
        st.size == outside_text.size())
      ++leaked;
    if (i % 50 == 0) {
      const std::string made = "d/made" + std::to_string(i);
      (void)h->path_create_directory(3, made);
    }
  }
  stop = true;
  swapper.join();
  ::close(root);
  for (const auto& entry : std::filesystem::directory_iterator(scratch.path() / "outside"))
    if (entry.path().filename().string().starts_with("made")) ++created_outside;
  EXPECT_EQ(leaked, 0) << "inside " << inside << ", refused " << refused << ", swaps " << swaps.load();
  EXPECT_EQ(created_outside, 0);
  EXPECT_EQ(scratch.read_file("outside/secret"), outside_text);
  // Both states were seen by the guest only if the race was hit; the counts are reported, not required.
  std::fprintf(stderr, "race: %ld inside, %ld refused, %ld swaps\n", inside, refused, swaps.load());
}

}  // namespace
}  // namespace wasio::testbed::test
