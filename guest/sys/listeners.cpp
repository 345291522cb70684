// Listener discovery, written once over the sys contract for every build.

#include "wasio/sys/listeners.hpp"

namespace wasio::sys {

result<std::vector<fd_t>> find_listeners() {
  std::vector<fd_t> found;
  for (std::size_t probed = 0; probed < max_probed_fds; ++probed) {
    const fd_t fd = first_preopened_fd + static_cast<fd_t>(probed);
    auto stat = fd_fdstat_get(fd);
    if (!stat) {
      if (stat.error() == errc::badf) break;
      return fail(stat.error());
    }
    if (stat->filetype == static_cast<std::uint8_t>(abi::filetype::socket_stream)) found.push_back(fd);
  }
  return found;
}

}  // namespace wasio::sys
