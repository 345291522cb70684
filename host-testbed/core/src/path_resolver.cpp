// The one sandboxed path resolver (filesystem.hpp): openat2(RESOLVE_BENEATH |
// RESOLVE_NO_MAGICLINKS) where the kernel has it, else a component-by-component walk.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <deque>
#include <string>
#include <vector>

#include "errno_map.hpp"
#include "filesystem.hpp"

namespace wasio::testbed {

namespace {

/// How many symlinks one resolution may expand (Linux's own limit, MAXSYMLINKS).
constexpr int max_symlinks = 40;
/// openat2 answers EAGAIN when a rename raced a `..` step; it is retried this often, then reported.
constexpr int openat2_retries = 64;

long raw_openat2(int base, const char* path, int flags, mode_t mode, std::uint64_t resolve) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags);
  // O_TMPFILE contains O_DIRECTORY's bit: test it whole, or every directory open gets a mode (EINVAL).
  how.mode = (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE ? mode : 0;
  how.resolve = resolve;
  return ::syscall(SYS_openat2, base, path, &how, sizeof how);
}

/// Splits on '/', dropping empty components (a//b) but remembering a trailing slash.
std::deque<std::string> components_of(std::string_view path) {
  std::deque<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) parts.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

bool ends_with_slash(std::string_view path) { return !path.empty() && path.back() == '/'; }

}  // namespace

unique_fd& unique_fd::operator=(unique_fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

unique_fd::~unique_fd() {
  if (fd_ >= 0) ::close(fd_);
}

bool path_resolver_impl::kernel_has_openat2() {
  long fd = raw_openat2(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
  if (fd < 0) return false;  // ENOSYS (before 5.6), EPERM/ENOSYS from a seccomp filter
  ::close(static_cast<int>(fd));
  return true;
}

errc check_path(std::string_view path, bool require_utf8) {
  if (path.empty()) return errc::noent;
  if (path.size() >= PATH_MAX) return errc::nametoolong;
  if (path.find('\0') != std::string_view::npos) return errc::inval;
  if (!require_utf8) return errc::success;
  // UTF-8 as Rust's str::from_utf8 accepts it (wasmtime's paths are Rust strings): no overlong
  // forms, no surrogates, nothing above U+10FFFF.
  for (std::size_t i = 0; i < path.size();) {
    const auto c = static_cast<unsigned char>(path[i]);
    std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (length == 0 || i + length > path.size()) return errc::ilseq;
    std::uint32_t code = length == 1 ? c : c & (0x7f >> length);
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(path[i + k]);
      if ((next & 0xc0) != 0x80) return errc::ilseq;
      code = (code << 6) | (next & 0x3f);
    }
    static constexpr std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return errc::ilseq;
    i += length;
  }
  return errc::success;
}

result<unique_fd> path_resolver_impl::open_beneath(int base, std::string_view path, int flags, mode_t mode,
                                                   bool follow_last) const {
  if (path.empty()) return fail(errc::noent);
  // An absolute path names the host's root, never something beneath the pre-open.
  if (path.front() == '/') return fail(errc::notcapable);
  flags |= O_CLOEXEC;
  return openat2_ ? open_kernel(base, path, flags, mode, follow_last) : open_manual(base, path, flags, mode, follow_last);
}

result<unique_fd> path_resolver_impl::open_kernel(int base, std::string_view path, int flags, mode_t mode,
                                                  bool follow_last) const {
  const std::string text(path);  // NUL-terminated; check_path refused embedded NULs
  if (!follow_last) flags |= O_NOFOLLOW;
  for (int attempt = 0;; ++attempt) {
    long fd = raw_openat2(base, text.c_str(), flags, mode, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
    if (fd >= 0) return unique_fd(static_cast<int>(fd));
    if (errno == EAGAIN && attempt < openat2_retries) continue;
    if (errno == EINTR) continue;
    // RESOLVE_BENEATH's "this would leave the directory" (an absolute symlink, `..` too far).
    if (errno == EXDEV) return fail(errc::notcapable);
    return fail(from_errno(errno));
  }
}

result<unique_fd> path_resolver_impl::open_manual(int base, std::string_view path, int flags, mode_t mode,
                                                  bool follow_last) const {
  // Lifetime: stack[0] is the caller's base (borrowed, never closed); every deeper entry is a
  // directory this walk opened and owns.
  std::vector<unique_fd> owned;
  std::vector<int> stack{base};
  std::deque<std::string> pending = components_of(path);
  bool trailing = ends_with_slash(path);
  int symlinks = 0;

  auto pop = [&] {
    if (stack.size() > 1) {
      stack.pop_back();
      owned.pop_back();
    }
  };
  auto expand = [&](int dir, const std::string& name, bool last_had_slash) -> errc {
    if (++symlinks > max_symlinks) return errc::loop;
    std::string target(PATH_MAX, '\0');
    ssize_t n = ::readlinkat(dir, name.c_str(), target.data(), target.size());
    if (n < 0) return from_errno(errno);
    target.resize(static_cast<std::size_t>(n));
    if (target.empty()) return errc::noent;
    if (target.front() == '/') return errc::notcapable;
    std::deque<std::string> parts = components_of(target);
    if (pending.empty()) trailing = ends_with_slash(target) || last_had_slash;
    pending.insert(pending.begin(), parts.begin(), parts.end());
    return errc::success;
  };

  while (!pending.empty()) {
    std::string name = std::move(pending.front());
    pending.pop_front();
    const bool last = pending.empty();
    if (name == ".") {
      if (!last) continue;
    } else if (name == "..") {
      // Popping the stack is the only way up: the walk can never rise above `base`.
      if (stack.size() == 1) return fail(errc::notcapable);
      pop();
      if (!last) continue;
      name = ".";
    }
    const int dir = stack.back();
    if (!last) {
      // An intermediate component: open it as itself (O_PATH | O_NOFOLLOW), then look at what we
      // hold, so a swap after this point cannot change what we walk into.
      int fd = ::openat(dir, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) return fail(from_errno(errno));
      unique_fd held(fd);
      struct stat st{};
      if (::fstat(fd, &st) != 0) return fail(from_errno(errno));
      if (S_ISLNK(st.st_mode)) {
        if (errc e = expand(dir, name, false); e != errc::success) return fail(e);
        continue;
      }
      if (!S_ISDIR(st.st_mode)) return fail(errc::notdir);
      stack.push_back(fd);
      owned.push_back(std::move(held));
      continue;
    }
    // The last component. A trailing slash means "a directory", and follows a symlink (POSIX).
    int last_flags = flags | O_NOFOLLOW;
    if (trailing) {
      if ((flags & O_CREAT) != 0) return fail(errc::isdir);  // what Linux says for open("new/", O_CREAT)
      last_flags |= O_DIRECTORY;
    }
    int fd = ::openat(dir, name.c_str(), last_flags, mode);
    if (fd >= 0) {
      if ((flags & O_PATH) != 0 && (flags & O_NOFOLLOW) == 0 && (follow_last || trailing)) {
        // O_PATH | O_NOFOLLOW opened a symlink itself; a following lookup wants its target.
        struct stat st{};
        if (::fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
          ::close(fd);
          if (errc e = expand(dir, name, trailing); e != errc::success) return fail(e);
          continue;
        }
      }
      return unique_fd(fd);
    }
    const int error = errno;
    if ((error == ELOOP || error == ENOTDIR) && (follow_last || trailing) && (flags & O_NOFOLLOW) == 0) {
      struct stat st{};
      if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
        if (errc e = expand(dir, name, trailing); e != errc::success) return fail(e);
        continue;
      }
    }
    return fail(from_errno(error));
  }
  // Every component was "." or a symlink to "." etc.: the path names the directory on top.
  int fd = ::openat(stack.back(), ".", flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW), mode);
  if (fd < 0) return fail(from_errno(errno));
  return unique_fd(fd);
}

result<path_resolver_impl::parent> path_resolver_impl::parent_of(int base, std::string_view path) const {
  if (path.empty()) return fail(errc::noent);
  if (path.front() == '/') return fail(errc::notcapable);
  parent out;
  std::string_view trimmed = path;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.remove_suffix(1);
  out.trailing_slash = trimmed.size() != path.size();
  const std::size_t slash = trimmed.rfind('/');
  const std::string_view directory = slash == std::string_view::npos ? std::string_view{} : trimmed.substr(0, slash);
  std::string_view name = slash == std::string_view::npos ? trimmed : trimmed.substr(slash + 1);
  if (name == "." || name == "..") {
    // The *at(2) calls refuse these names themselves; just make sure the path stays beneath.
    auto whole = open_beneath(base, path, O_PATH | O_DIRECTORY, 0, true);
    if (!whole) return fail(whole.error());
  }
  if (directory.empty()) {
    out.fd = base;
  } else {
    auto opened = open_beneath(base, directory, O_PATH | O_DIRECTORY, 0, true);
    if (!opened) return fail(opened.error());
    out.owned = std::move(*opened);
    out.fd = out.owned.get();
  }
  out.name = std::string(name);
  if (out.trailing_slash) out.name += '/';
  return out;
}

}  // namespace wasio::testbed
