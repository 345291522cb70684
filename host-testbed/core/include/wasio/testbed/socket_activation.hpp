#pragma once
/// systemd socket activation for the host: listening sockets a service manager opened and passed
/// down (sd_listen_fds(3)), and the listener names the guest reads back (docs/systemd.md).
///
/// The service manager sets LISTEN_PID (the pid the sockets are for), LISTEN_FDS (how many, from
/// fd 3 on) and LISTEN_FDNAMES (colon-separated, from FileDescriptorName= or
/// systemd-socket-activate --fdname). take_inherited_listeners() reads them once, as
/// sd_listen_fds_with_names(unset_environment = 1) does: the variables are unset whatever they say
/// (so no child process sees them), a LISTEN_PID that is not this process means "not for us", and
/// each fd becomes close-on-exec (the C compiler wasio-run starts must not hold the sockets open).
/// Then each fd must be an open, listening TCP stream socket (SO_ACCEPTCONN, SO_TYPE, SO_DOMAIN,
/// SO_PROTOCOL); anything else is refused with a message naming the fd and what it is.
///
/// Names reach the guest as Enarx's FD_COUNT / FD_NAMES (listener_name_variables), which
/// wasio::net::preopened_listeners() reads: the guest's fds start with stdio and the directories,
/// so systemd's own LISTEN_FDS (fds from 3) cannot describe them.
///
/// Errors: take_inherited_listeners and parse_activation give nullopt and a one-line `problem`
/// (the embedder prints it and exits 1).
/// Notes: unlike sd_listen_fds_with_names, a name count that differs from LISTEN_FDS is accepted as
/// systemd-socket-activate documents its --fdname (missing names: unnamed; extra ones: ignored), and
/// an unset LISTEN_FDNAMES gives no names, not "unknown".
/// Not thread-safe (unsetenv): call it at startup, before any thread.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "wasio/testbed/host.hpp"

namespace wasio::testbed {

/// SD_LISTEN_FDS_START: the first inherited fd.
inline constexpr int first_inherited_fd = 3;
/// More inherited sockets than the host's guest descriptor limit could never all be served.
inline constexpr std::size_t max_inherited_fds = 16384;

/// What LISTEN_PID / LISTEN_FDS / LISTEN_FDNAMES (each nullptr when unset) tell process `pid`.
struct activation {
  std::size_t count = 0;           // fds first_inherited_fd .. first_inherited_fd + count - 1
  std::vector<std::string> names;  // one per fd, "" for an unnamed one
};

/// Parses the variables without touching any fd. LISTEN_PID unset or another pid: no sockets.
/// Refused: a LISTEN_PID that is not a decimal pid; for this pid, a LISTEN_FDS that is not a decimal
/// count or is above max_inherited_fds, a name that is not valid_listener_name (empty ones are
/// allowed: unnamed).
std::optional<activation> parse_activation(const char* listen_pid, const char* listen_fds,
                                           const char* listen_fdnames, pid_t pid, std::string& problem);

/// "" when `fd` is an open, listening TCP socket; otherwise why it is not ("not open", "a pipe, not
/// a socket", "a datagram socket", "a stream socket that is not listening", "a unix-domain socket:
/// the host serves TCP listeners only", ...).
std::string inherited_listener_problem(int fd);

/// The inherited listeners of this process, in fd order, as listen_specs (inherited_fd, name, and
/// the bound address and port for messages); empty when the process was not socket-activated.
/// Unsets LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES in every case.
std::optional<std::vector<listen_spec>> take_inherited_listeners(std::string& problem);

/// The guest environment entries that announce listener names: FD_COUNT and FD_NAMES covering
/// stdio, the directories (unnamed) and the listeners of `config` in fd order (host::create's
/// order). Empty when no listener has a name, or when config.env already sets FD_COUNT or
/// LISTEN_FDS (the user announced fds by hand: theirs win).
std::vector<std::string> listener_name_variables(const host_config& config);

}  // namespace wasio::testbed
