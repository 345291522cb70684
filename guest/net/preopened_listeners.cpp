// Finding every pre-opened listener: systemd's and Enarx's conventions, else probing (sys::find_listeners).

#include <charconv>

#include "environment.hpp"
#include "wasio/net/tcp_listener.hpp"
#include "wasio/sys/listeners.hpp"

namespace wasio::net {

namespace {

result<std::size_t> parse_count(const std::string& text) {
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || value > sys::max_probed_fds)
    return fail(errc::inval);
  return value;
}

std::vector<std::string> split_names(const std::optional<std::string>& joined) {
  std::vector<std::string> names;
  if (!joined) return names;
  std::size_t start = 0;
  for (;;) {
    const std::size_t colon = joined->find(':', start);
    names.push_back(joined->substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return names;
}

constexpr sys::fd_t first_non_stdio_fd = 3;

// Enarx counts stdio among its files (named stdin, stdout, stderr). A stdio fd can be a socket (a
// host that hands the guest a connection as stdout), which is no listener: take fds 0-2 only when
// the host names them something else.
bool named_as_listener(sys::fd_t fd, const std::string& name) {
  static constexpr const char* stdio_names[] = {"stdin", "stdout", "stderr"};
  return !name.empty() && name != stdio_names[fd];
}

// Adopts each usable stream socket among fds first .. first+count-1, naming it from `names`. An fd
// that is not one (closed, a pipe, a datagram socket, one the host will not make non-blocking) is
// skipped: one odd fd among the host's files must not cost the guest every listener.
std::vector<tcp_listener> adopt_range(sys::fd_t first, std::size_t count, const std::vector<std::string>& names) {
  std::vector<tcp_listener> found;
  for (std::size_t i = 0; i < count; ++i) {
    const sys::fd_t fd = first + static_cast<sys::fd_t>(i);
    std::string name = i < names.size() ? names[i] : std::string();
    if (fd < first_non_stdio_fd && !named_as_listener(fd, name)) continue;
    auto listener = tcp_listener::from_preopened(fd, std::move(name));
    if (listener) found.push_back(std::move(*listener));
  }
  return found;
}

}  // namespace

result<std::vector<tcp_listener>> preopened_listeners() {
  auto listen_fds = detail::environment_variable("LISTEN_FDS");
  if (!listen_fds) return fail(listen_fds.error());
  if (*listen_fds) {
    auto count = parse_count(**listen_fds);
    if (!count) return fail(count.error());
    auto names = detail::environment_variable("LISTEN_FDNAMES");
    if (!names) return fail(names.error());
    return adopt_range(sys::first_preopened_fd, *count, split_names(*names));
  }

  auto fd_count = detail::environment_variable("FD_COUNT");
  if (!fd_count) return fail(fd_count.error());
  if (*fd_count) {
    auto count = parse_count(**fd_count);
    if (!count) return fail(count.error());
    auto names = detail::environment_variable("FD_NAMES");
    if (!names) return fail(names.error());
    return adopt_range(0, *count, split_names(*names));
  }

  auto fds = sys::find_listeners();
  if (!fds) return fail(fds.error());
  std::vector<tcp_listener> found;
  for (sys::fd_t fd : *fds) {
    auto listener = tcp_listener::from_preopened(fd);
    if (listener) found.push_back(std::move(*listener));  // as in adopt_range: skip an unusable one
  }
  return found;
}

}  // namespace wasio::net
