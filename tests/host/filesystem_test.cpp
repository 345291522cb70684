// The filesystem part of the host core: pre-open numbering, path_open and the file calls,
// fd_readdir cookies, the path calls, rights and read-only pre-opens. Every test runs with both
// resolvers (openat2 where the kernel has it, and the manual walk), so the fallback is covered on
// any kernel.

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <set>

#include "fs_test_support.hpp"

namespace wasio::testbed::test {
namespace {

class Filesystem : public ::testing::TestWithParam<path_resolver> {
 protected:
  std::unique_ptr<host> make(std::vector<preopen_spec> dirs, std::vector<listen_spec> listeners = {},
                             profile semantics = profile::strict, std::FILE* trace = nullptr) {
    host_config config;
    config.semantics = semantics;
    config.preopens = std::move(dirs);
    config.listeners = std::move(listeners);
    config.resolver = GetParam();
    config.trace = trace;
    auto created = host::create(std::move(config));
    EXPECT_TRUE(created) << name(created.error());
    return created ? std::move(*created) : nullptr;
  }
  std::unique_ptr<host> make_one(bool read_only = false) {
    return make({preopen_spec{scratch.path().string(), "/", read_only}});
  }

  abi::fd open(host& h, std::string_view path, abi::oflags oflags = 0, abi::fdflags flags = 0,
               abi::rights rights = all_rights, abi::fd dir = 3) {
    abi::fd fd = 0;
    errc e = h.path_open(dir, abi::lookup_symlink_follow, path, oflags, rights, all_rights, flags, fd);
    EXPECT_EQ(e, errc::success) << path << ": " << name(e);
    return fd;
  }
  errc open_error(host& h, std::string_view path, abi::oflags oflags = 0, abi::lookupflags lookup = 1,
                  abi::rights rights = all_rights) {
    abi::fd fd = 0;
    errc e = h.path_open(3, lookup, path, oflags, rights, all_rights, 0, fd);
    if (e == errc::success) (void)h.fd_close(fd);
    return e;
  }
  std::size_t write(host& h, abi::fd fd, std::string_view text) {
    host_ciovec one{reinterpret_cast<const std::byte*>(text.data()), text.size()};
    std::size_t n = 0;
    EXPECT_EQ(h.fd_write(fd, std::span(&one, 1), n), errc::success);
    return n;
  }
  std::string read(host& h, abi::fd fd, std::size_t max = 256) {
    std::string out(max, '\0');
    host_iovec one{reinterpret_cast<std::byte*>(out.data()), out.size()};
    std::size_t n = 0;
    EXPECT_EQ(h.fd_read(fd, std::span(&one, 1), n), errc::success);
    out.resize(n);
    return out;
  }

  scratch_dir scratch;
};

INSTANTIATE_TEST_SUITE_P(Resolvers, Filesystem, ::testing::Values(path_resolver::automatic, path_resolver::manual),
                         [](const auto& info) {
                           return std::string(info.param == path_resolver::automatic ? "Automatic" : "Manual");
                         });

TEST_P(Filesystem, DirectoriesComeFirstFromFd3ThenListeners) {
  std::filesystem::create_directory(scratch / "a");
  std::filesystem::create_directory(scratch / "b");
  auto h = make({{scratch / "a", "/data", false}, {scratch / "b", "/logs", true}}, {listen_spec{"127.0.0.1", 0}});
  ASSERT_TRUE(h);
  ASSERT_EQ(h->directories().size(), 2u);
  EXPECT_EQ(h->directories()[0].fd, 3u);
  EXPECT_EQ(h->directories()[1].fd, 4u);
  EXPECT_TRUE(h->directories()[1].read_only);
  ASSERT_EQ(h->listeners().size(), 1u);
  EXPECT_EQ(h->listeners()[0].fd, 5u);

  abi::prestat p{};
  ASSERT_EQ(h->fd_prestat_get(3, p), errc::success);
  EXPECT_EQ(p.tag, 0);
  EXPECT_EQ(p.dir_name_len, 5u);
  std::string name(5, '\0');
  ASSERT_EQ(h->fd_prestat_dir_name(4, std::as_writable_bytes(std::span(name))), errc::success);
  EXPECT_EQ(name, "/logs");
  std::byte small[2];
  EXPECT_EQ(h->fd_prestat_dir_name(3, small), errc::nametoolong);
  // wasi-libc's scan stops at the listener: badf, as for any fd that is not a pre-open.
  EXPECT_EQ(h->fd_prestat_get(5, p), errc::badf);
  EXPECT_EQ(h->fd_prestat_get(1, p), errc::badf);
  abi::fdstat s{};
  ASSERT_EQ(h->fd_fdstat_get(3, s), errc::success);
  EXPECT_EQ(s.filetype, static_cast<std::uint8_t>(abi::filetype::directory));
  ASSERT_EQ(h->fd_fdstat_get(5, s), errc::success);
  EXPECT_EQ(s.filetype, static_cast<std::uint8_t>(abi::filetype::socket_stream));
}

TEST_P(Filesystem, AMissingHostDirectoryFailsCreate) {
  host_config config;
  config.preopens = {{scratch / "nope", "/", false}};
  auto created = host::create(std::move(config));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error(), errc::noent);
}

TEST_P(Filesystem, CreateWriteSeekReadAndStat) {
  auto h = make_one();
  abi::fd fd = open(*h, "notes.txt", abi::oflag_creat);
  EXPECT_EQ(write(*h, fd, "hello, file"), 11u);
  abi::filesize at = 0;
  ASSERT_EQ(h->fd_tell(fd, at), errc::success);
  EXPECT_EQ(at, 11u);
  ASSERT_EQ(h->fd_seek(fd, 7, abi::whence::set, at), errc::success);
  EXPECT_EQ(read(*h, fd), "file");
  ASSERT_EQ(h->fd_seek(fd, -4, abi::whence::end, at), errc::success);
  EXPECT_EQ(at, 7u);
  EXPECT_EQ(h->fd_seek(fd, -100, abi::whence::cur, at), errc::inval);
  abi::filestat st{};
  ASSERT_EQ(h->fd_filestat_get(fd, st), errc::success);
  EXPECT_EQ(st.size, 11u);
  EXPECT_EQ(st.filetype, static_cast<std::uint8_t>(abi::filetype::regular_file));
  ASSERT_EQ(h->fd_sync(fd), errc::success);
  ASSERT_EQ(h->fd_datasync(fd), errc::success);
  ASSERT_EQ(h->fd_filestat_set_size(fd, 5), errc::success);
  ASSERT_EQ(h->fd_close(fd), errc::success);
  EXPECT_EQ(scratch.read_file("notes.txt"), "hello");
  ASSERT_EQ(h->path_filestat_get(3, 0, "notes.txt", st), errc::success);
  EXPECT_EQ(st.size, 5u);
  EXPECT_EQ(h->open_fd_count(), 4u);  // stdio + the pre-open: nothing leaked
}

TEST_P(Filesystem, PreadAndPwriteLeaveTheOffsetAlone) {
  scratch.write_file("data", "0123456789");
  auto h = make_one();
  abi::fd fd = open(*h, "data");
  std::string out(4, '\0');
  host_iovec one{reinterpret_cast<std::byte*>(out.data()), out.size()};
  std::size_t n = 0;
  ASSERT_EQ(h->fd_pread(fd, std::span(&one, 1), 3, n), errc::success);
  EXPECT_EQ(out, "3456");
  host_ciovec patch{reinterpret_cast<const std::byte*>("ab"), 2};
  ASSERT_EQ(h->fd_pwrite(fd, std::span(&patch, 1), 8, n), errc::success);
  EXPECT_EQ(n, 2u);
  abi::filesize at = 99;
  ASSERT_EQ(h->fd_tell(fd, at), errc::success);
  EXPECT_EQ(at, 0u);
  EXPECT_EQ(read(*h, fd), "01234567ab");
  (void)h->fd_close(fd);
}

TEST_P(Filesystem, OflagsBehaveAsOpen) {
  scratch.write_file("there", "x");
  auto h = make_one();
  EXPECT_EQ(open_error(*h, "missing"), errc::noent);
  EXPECT_EQ(open_error(*h, "there", abi::oflag_creat | abi::oflag_excl), errc::exist);
  EXPECT_EQ(open_error(*h, "there", abi::oflag_directory, 1, abi::right_fd_readdir), errc::notdir);
  EXPECT_EQ(open_error(*h, ".", abi::oflag_directory, 1, abi::right_fd_write), errc::isdir);
  // Write-side rights without fd_write on a directory: a directory fd (what Rust's std asks).
  EXPECT_EQ(open_error(*h, ".", 0, 1, abi::right_fd_datasync | abi::right_fd_readdir), errc::success);
  EXPECT_EQ(open_error(*h, "there/"), errc::notdir);
  abi::fd fd = open(*h, "there", abi::oflag_trunc);
  (void)h->fd_close(fd);
  EXPECT_EQ(scratch.read_file("there"), "");
  fd = open(*h, "there", 0, abi::fdflag_append);
  (void)write(*h, fd, "ab");
  abi::filesize at = 0;
  ASSERT_EQ(h->fd_seek(fd, 0, abi::whence::set, at), errc::success);
  (void)write(*h, fd, "cd");  // APPEND: still at the end
  (void)h->fd_close(fd);
  EXPECT_EQ(scratch.read_file("there"), "abcd");
  // A path call on a file fd is notdir; on a closed fd badf.
  fd = open(*h, "there");
  abi::fd other = 0;
  EXPECT_EQ(h->path_open(fd, 0, "x", 0, all_rights, 0, 0, other), errc::notdir);
  (void)h->fd_close(fd);
  EXPECT_EQ(h->path_open(fd, 0, "x", 0, all_rights, 0, 0, other), errc::badf);
}

TEST_P(Filesystem, DirectoryCallsCreateListRenameAndRemove) {
  auto h = make_one();
  ASSERT_EQ(h->path_create_directory(3, "sub"), errc::success);
  EXPECT_EQ(h->path_create_directory(3, "sub"), errc::exist);
  abi::fd fd = open(*h, "sub/one", abi::oflag_creat);
  (void)h->fd_close(fd);
  scratch.write_file("sub/two", "2");
  EXPECT_EQ(h->path_remove_directory(3, "sub"), errc::notempty);
  ASSERT_EQ(h->path_rename(3, "sub/two", 3, "sub/three"), errc::success);
  EXPECT_TRUE(scratch.exists("sub/three"));
  EXPECT_FALSE(scratch.exists("sub/two"));
  EXPECT_EQ(h->path_unlink_file(3, "sub"), errc::isdir);
  ASSERT_EQ(h->path_unlink_file(3, "sub/one"), errc::success);
  ASSERT_EQ(h->path_unlink_file(3, "sub/three"), errc::success);
  EXPECT_EQ(h->path_unlink_file(3, "sub/three"), errc::noent);
  ASSERT_EQ(h->path_remove_directory(3, "sub"), errc::success);
  EXPECT_FALSE(scratch.exists("sub"));
}

/// Every entry fd_readdir gives, read with a buffer of `size` bytes (cut entries continued).
std::map<std::string, std::uint8_t> list(host& h, abi::fd dir, std::size_t size, std::size_t& calls) {
  std::map<std::string, std::uint8_t> names;
  std::vector<std::byte> buffer(size);
  abi::dircookie cookie = 0;
  calls = 0;
  for (;;) {
    std::size_t used = 0;
    EXPECT_EQ(h.fd_readdir(dir, buffer, cookie, used), errc::success);
    if (++calls > 1000) {
      ADD_FAILURE() << "fd_readdir never ends";
      break;
    }
    std::size_t at = 0;
    while (at + sizeof(abi::dirent) <= used) {
      abi::dirent d;
      std::memcpy(&d, buffer.data() + at, sizeof d);
      if (at + sizeof d + d.d_namlen > used) break;
      names[std::string(reinterpret_cast<const char*>(buffer.data() + at + sizeof d), d.d_namlen)] = d.d_type;
      at += sizeof d + d.d_namlen;
      cookie = d.d_next;
    }
    if (used < buffer.size()) break;
  }
  return names;
}

TEST_P(Filesystem, ReaddirGivesEveryEntryOnceWhateverTheBufferSize) {
  std::filesystem::create_directory(scratch / "dir");
  for (int i = 0; i < 40; ++i) scratch.write_file("f" + std::to_string(i), "x");
  std::filesystem::create_symlink("f1", scratch / "link");
  auto h = make_one();
  for (std::size_t size : {std::size_t{4096}, std::size_t{64}, std::size_t{30}}) {
    std::size_t calls = 0;
    auto names = list(*h, 3, size, calls);
    EXPECT_EQ(names.size(), 40u + 4u) << "buffer " << size;  // ., .., dir, link and the files
    EXPECT_EQ(names["."], static_cast<std::uint8_t>(abi::filetype::directory));
    EXPECT_EQ(names[".."], static_cast<std::uint8_t>(abi::filetype::directory));
    EXPECT_EQ(names["dir"], static_cast<std::uint8_t>(abi::filetype::directory));
    EXPECT_EQ(names["link"], static_cast<std::uint8_t>(abi::filetype::symbolic_link));
    EXPECT_EQ(names["f39"], static_cast<std::uint8_t>(abi::filetype::regular_file));
    if (size < 100) EXPECT_GT(calls, 10u);
  }
  abi::fd file = open(*h, "f0");
  std::byte buffer[64];
  std::size_t used = 0;
  EXPECT_EQ(h->fd_readdir(file, buffer, 0, used), errc::notdir);
  (void)h->fd_close(file);
}

TEST_P(Filesystem, PathsThatLeaveThePreopenAreNotCapable) {
  std::filesystem::create_directory(scratch / "inside");
  std::filesystem::create_directory(scratch / "inside/sub");
  scratch.write_file("secret", "outside");
  std::filesystem::create_symlink("/", scratch / "inside/root");
  std::filesystem::create_symlink("../secret", scratch / "inside/up");
  std::filesystem::create_symlink("sub/..", scratch / "inside/here");
  auto h = make({{scratch / "inside", "/", false}});
  abi::filestat st{};
  for (std::string_view path : {"..", "../secret", "sub/../../secret", "/etc/passwd", "root/etc/passwd", "up",
                                "here/../secret"}) {
    EXPECT_EQ(open_error(*h, path), errc::notcapable) << path;
    EXPECT_EQ(h->path_filestat_get(3, abi::lookup_symlink_follow, path, st), errc::notcapable) << path;
  }
  EXPECT_EQ(h->path_create_directory(3, "../made"), errc::notcapable);
  EXPECT_EQ(h->path_unlink_file(3, "../secret"), errc::notcapable);
  EXPECT_EQ(h->path_rename(3, "../secret", 3, "stolen"), errc::notcapable);
  EXPECT_EQ(h->path_symlink("/etc/passwd", 3, "abs"), errc::notcapable);
  EXPECT_TRUE(scratch.exists("secret"));
  EXPECT_FALSE(scratch.exists("made"));
  // Inside is fine, also through ".." that stays beneath.
  abi::fd fd = open(*h, "sub/../here/sub", abi::oflag_directory, 0, abi::right_fd_readdir);
  (void)h->fd_close(fd);
  // Without symlink_follow the link itself is the answer.
  ASSERT_EQ(h->path_filestat_get(3, 0, "up", st), errc::success);
  EXPECT_EQ(st.filetype, static_cast<std::uint8_t>(abi::filetype::symbolic_link));
  EXPECT_EQ(open_error(*h, "up", 0, 0), errc::loop);
}

TEST_P(Filesystem, HostilePathBytesAreRefusedBeforeAnySyscall) {
  auto h = make_one();
  EXPECT_EQ(open_error(*h, std::string_view("a\0b", 3)), errc::inval);
  EXPECT_EQ(open_error(*h, ""), errc::noent);
  EXPECT_EQ(open_error(*h, std::string(5000, 'a')), errc::nametoolong);
  EXPECT_EQ(open_error(*h, std::string(300, 'a')), errc::nametoolong);  // one name above NAME_MAX
  EXPECT_EQ(open_error(*h, "\xff\xfe"), errc::ilseq);
  EXPECT_EQ(h->path_create_directory(3, "\xc0\xaf"), errc::ilseq);  // an overlong "/"
}

TEST_P(Filesystem, ReadOnlyPreopenChangesNothing) {
  scratch.write_file("kept", "original");
  auto h = make_one(true);
  abi::fd fd = open(*h, "kept");
  EXPECT_EQ(read(*h, fd), "original");
  host_ciovec one{reinterpret_cast<const std::byte*>("x"), 1};
  std::size_t n = 0;
  EXPECT_EQ(h->fd_write(fd, std::span(&one, 1), n), errc::notcapable);
  EXPECT_EQ(h->fd_filestat_set_size(fd, 0), errc::notcapable);
  (void)h->fd_close(fd);
  EXPECT_EQ(open_error(*h, "new", abi::oflag_creat), errc::notcapable);
  EXPECT_EQ(open_error(*h, "kept", abi::oflag_trunc), errc::notcapable);
  EXPECT_EQ(h->path_unlink_file(3, "kept"), errc::notcapable);
  EXPECT_EQ(h->path_create_directory(3, "d"), errc::notcapable);
  EXPECT_EQ(h->path_rename(3, "kept", 3, "moved"), errc::notcapable);
  EXPECT_EQ(scratch.read_file("kept"), "original");
  EXPECT_FALSE(scratch.exists("new"));
}

TEST_P(Filesystem, RightsAreCheckedAndCanOnlyShrink) {
  scratch.write_file("f", "abc");
  auto h = make_one();
  abi::fd fd = open(*h, "f", 0, 0, abi::right_fd_read | abi::right_fd_seek);
  abi::fdstat s{};
  ASSERT_EQ(h->fd_fdstat_get(fd, s), errc::success);
  EXPECT_EQ(s.rights_base, abi::right_fd_read | abi::right_fd_seek);
  host_ciovec one{reinterpret_cast<const std::byte*>("x"), 1};
  std::size_t n = 0;
  EXPECT_EQ(h->fd_write(fd, std::span(&one, 1), n), errc::notcapable);
  EXPECT_EQ(h->fd_fdstat_set_rights(fd, abi::right_fd_read | abi::right_fd_write, 0), errc::notcapable);
  ASSERT_EQ(h->fd_fdstat_set_rights(fd, abi::right_fd_seek, 0), errc::success);
  std::byte byte;
  host_iovec into{&byte, 1};
  EXPECT_EQ(h->fd_read(fd, std::span(&into, 1), n), errc::notcapable);
  (void)h->fd_close(fd);
}

TEST_P(Filesystem, RenumberMovesAFileOntoAnotherFd) {
  scratch.write_file("a", "A");
  scratch.write_file("b", "B");
  auto h = make_one();
  abi::fd a = open(*h, "a");
  abi::fd b = open(*h, "b");
  ASSERT_EQ(h->fd_renumber(a, b), errc::success);
  EXPECT_EQ(read(*h, b), "A");
  abi::fdstat s{};
  EXPECT_EQ(h->fd_fdstat_get(a, s), errc::badf);
  EXPECT_EQ(h->fd_renumber(b, 1000), errc::badf);
  (void)h->fd_close(b);
  EXPECT_EQ(h->open_fd_count(), 4u);
}

TEST_P(Filesystem, SocketsAndStdioAnswerFileCallsAsBefore) {
  auto h = make_one();
  abi::filesize at = 0;
  EXPECT_EQ(h->fd_seek(1, 0, abi::whence::cur, at), errc::spipe);
  EXPECT_EQ(h->fd_sync(99), errc::badf);
  EXPECT_EQ(h->fd_sync(1), errc::inval);
  abi::fd fd = 0;
  EXPECT_EQ(h->path_open(1, 0, "x", 0, 0, 0, 0, fd), errc::notdir);
  EXPECT_EQ(h->path_open(3, 0, "x", 0x10, 0, 0, 0, fd), errc::inval);  // unknown oflags bit
}

TEST_P(Filesystem, TraceShowsPathCallsWithTheirPaths) {
  char* text = nullptr;
  std::size_t length = 0;
  std::FILE* trace = ::open_memstream(&text, &length);
  {
    auto h = make({{scratch.path().string(), "/", false}}, {}, profile::strict, trace);
    EXPECT_EQ(open_error(*h, "no\nsuch"), errc::noent);
    EXPECT_EQ(h->path_create_directory(3, "made"), errc::success);
  }
  std::fclose(trace);
  const std::string lines(text, length);
  std::free(text);
  EXPECT_NE(lines.find("wasio-trace: path_open(fd=3, lookup=1, path=\"no\\x0asuch\""), std::string::npos) << lines;
  EXPECT_NE(lines.find("-> noent"), std::string::npos) << lines;
  EXPECT_NE(lines.find("path_create_directory(fd=3, path=\"made\") -> success"), std::string::npos) << lines;
}

TEST(FilesystemResolver, ReportsWhichResolverItUses) {
  scratch_dir scratch;
  host_config config;
  config.preopens = {{scratch.path().string(), "/", false}};
  config.resolver = path_resolver::manual;
  auto manual = host::create(config);
  ASSERT_TRUE(manual);
  EXPECT_EQ((*manual)->resolver_name(), "manual");
  config.resolver = path_resolver::automatic;
  auto automatic = host::create(config);
  ASSERT_TRUE(automatic);
  // This machine's kernel decides; either answer is a resolver the suite above covered.
  EXPECT_TRUE((*automatic)->resolver_name() == "openat2" || (*automatic)->resolver_name() == "manual");
}

TEST(FilesystemParse, DirSpecs) {
  auto plain = parse_dir_spec("/srv/data");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->host_path, "/srv/data");
  EXPECT_EQ(plain->guest_path, "/srv/data");
  auto mapped = parse_dir_spec("/srv/data::/data", true);
  ASSERT_TRUE(mapped);
  EXPECT_EQ(mapped->guest_path, "/data");
  EXPECT_TRUE(mapped->read_only);
  EXPECT_FALSE(parse_dir_spec(""));
  EXPECT_FALSE(parse_dir_spec("::/x"));
  EXPECT_FALSE(parse_dir_spec("/x::"));
}

}  // namespace
}  // namespace wasio::testbed::test
