// Listener discovery, written once over the sys contract for every build.

#include "wasio/sys/listeners.hpp"

#include <charconv>
#include <string_view>

namespace wasio::sys {

namespace {

/// The value of `name` in the guest's environment, nullopt when unset. The view points into `buffer`.
result<std::optional<std::string_view>> find_variable(std::vector<char*>& pointers, std::vector<char>& buffer,
                                                      std::string_view name) {
  auto sizes = environ_sizes_get();
  if (!sizes) return fail(sizes.error());
  if (sizes->count == 0) return std::optional<std::string_view>();
  pointers.resize(sizes->count);
  buffer.resize(sizes->buffer_size);
  if (auto r = environ_get(pointers.data(), buffer.data()); !r) return fail(r.error());
  for (const char* entry : pointers) {
    const std::string_view text(entry);
    if (text.size() > name.size() && text.starts_with(name) && text[name.size()] == '=')
      return std::optional<std::string_view>(text.substr(name.size() + 1));
  }
  return std::optional<std::string_view>();
}

struct probed_socket {
  fd_t fd;
  bool may_accept;
};

template <class Number>
result<std::optional<Number>> number_variable(std::string_view name) {
  std::vector<char*> pointers;
  std::vector<char> buffer;
  auto value = find_variable(pointers, buffer, name);
  if (!value) return fail(value.error());
  if (!*value) return std::optional<Number>();
  const std::string_view text = **value;
  Number number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return fail(errc::inval);
  return std::optional<Number>(number);
}

}  // namespace

result<std::optional<fd_t>> waker_fd_from_environment() { return number_variable<fd_t>(waker_fd_variable); }
result<std::optional<fd_t>> control_fd_from_environment() { return number_variable<fd_t>(control_fd_variable); }
result<std::optional<std::uint64_t>> shutdown_timeout_ms_from_environment() {
  return number_variable<std::uint64_t>(shutdown_timeout_variable);
}

result<std::vector<fd_t>> find_listeners() {
  auto waker_fd = waker_fd_from_environment();
  if (!waker_fd) return fail(waker_fd.error());
  auto control_fd = control_fd_from_environment();
  if (!control_fd) return fail(control_fd.error());
  std::vector<probed_socket> sockets;
  bool host_reports_accept_rights = false;
  for (std::size_t probed = 0; probed < max_probed_fds; ++probed) {
    const fd_t fd = first_preopened_fd + static_cast<fd_t>(probed);
    auto stat = fd_fdstat_get(fd);
    if (!stat) {
      if (stat.error() == errc::badf) break;
      return fail(stat.error());
    }
    if (stat->filetype != static_cast<std::uint8_t>(abi::filetype::socket_stream)) continue;
    if (*waker_fd && fd == **waker_fd) continue;  // a connected stream: accept would give badf
    if (*control_fd && fd == **control_fd) continue;
    const bool may_accept = (stat->rights_base & abi::right_sock_accept) != 0;
    host_reports_accept_rights = host_reports_accept_rights || may_accept;
    sockets.push_back({fd, may_accept});
  }
  // Rights are a filter only on a host that grants sock_accept to someone: wasmtime's legacy host
  // reports 0x42 for every socket, and reading that as "no listener" would find nothing there.
  std::vector<fd_t> found;
  for (const probed_socket& s : sockets)
    if (s.may_accept || !host_reports_accept_rights) found.push_back(s.fd);
  return found;
}

}  // namespace wasio::sys
