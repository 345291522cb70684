#pragma once
// How a natively linked guest configures its host without a command line: the WASIO_* variables
// (documented in native.hpp), the process's own arguments and environment.

#include <optional>
#include <string>

#include "wasio/testbed/host.hpp"

namespace wasio::testbed::native::detail {

/// The values of WASIO_TCPLISTEN, WASIO_PROFILE, WASIO_TRACE, WASIO_DIR and WASIO_DIR_RO; nullptr when unset.
struct wasio_variables {
  const char* tcplisten = nullptr;
  const char* profile = nullptr;
  const char* trace = nullptr;
  const char* dir = nullptr;     // WASIO_DIR=HOST[::GUEST],...
  const char* dir_ro = nullptr;  // WASIO_DIR_RO=HOST[::GUEST],... (read-only, after WASIO_DIR's)
  const char* tlslisten = nullptr;  // WASIO_TLSLISTEN: TLS listeners, after the WASIO_TCPLISTEN ones
  const char* tls_cert = nullptr;   // WASIO_TLS_CERT
  const char* tls_key = nullptr;    // WASIO_TLS_KEY
};

/// Directories, listeners, profile, trace and the TLS certificate from `variables`. On a malformed
/// value: nullopt, and `problem` names the variable and the value; `exit_status` (when given) is set
/// to 2 then, or to 1 when the TLS certificate or key cannot be used (what wasio-run exits with).
std::optional<host_config> config_from_variables(const wasio_variables& variables, std::string& problem,
                                                 int* exit_status = nullptr);

/// config_from_variables over this process's environment, after the listeners systemd socket
/// activation passed (first; exit status 1 when one is not a listening TCP socket), plus args from
/// /proc/self/cmdline and the environment from `environ` (without LISTEN_*, with FD_COUNT /
/// FD_NAMES when a listener has a name: socket_activation.hpp).
std::optional<host_config> config_from_environment(std::string& problem, int* exit_status = nullptr);

}  // namespace wasio::testbed::native::detail
