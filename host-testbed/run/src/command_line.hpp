#pragma once
// wasio-run's command line, parsed without side effects so tests and --help agree on it.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "wasio/testbed/control_channel.hpp"
#include "wasio/testbed/host.hpp"
#include "wasio/testbed/profile.hpp"

namespace wasio::run {

struct command_line {
  /// --dir / --dir-ro in flag order: fd 3, 4, ..., before every listener.
  std::vector<testbed::preopen_spec> preopens;
  std::vector<testbed::listen_spec> listeners;  // after the directories, in this order (--tcplisten and --tlslisten)
  std::string tls_cert;                         // --tls-cert PEM (chain allowed), with --tlslisten
  std::string tls_key;                          // --tls-key PEM, unencrypted
  std::vector<std::string> env;                 // "NAME=VALUE", the guest's whole environment
  testbed::profile semantics = testbed::profile::strict;
  bool trace = false;
  testbed::fault_config faults;  // --faults SEED, --fault-rate R
  bool waker = false;  // --waker: a host wake channel (host_wake_channel.hpp)
  /// --no-control: no control stream and no WASIO_CONTROL_FD / shutdown variables: the guest sees
  /// exactly the fds and environment it was given (what the wasi-testsuite checks).
  bool control = true;
  bool compile_only = false;
  std::chrono::milliseconds shutdown_timeout = testbed::default_shutdown_timeout;  // --shutdown-timeout
  /// --workers N: N guest processes under a supervisor (workers.hpp); 0: one guest, no supervisor.
  unsigned workers = 0;
  /// --connection-log FILE: one line per accepted and closed connection ("-" or "stderr": stderr).
  std::string connection_log;
  bool help = false;
  bool version = false;
  std::optional<std::string> cache_dir;  // --cache-dir; otherwise see default_cache_dir()
  std::string module;                    // MODULE.wasm
  std::vector<std::string> args;         // after MODULE, passed to the guest
};

/// Parses argv (without argv[0]). On a usage error returns nullopt and sets `error` to one line.
std::optional<command_line> parse_command_line(const std::vector<std::string>& argv, std::string& error);

/// $WASIO_CACHE_DIR, else $XDG_CACHE_HOME/wasio, else $HOME/.cache/wasio (empty if none is set).
std::string default_cache_dir();

/// The --help text.
const char* usage_text();

}  // namespace wasio::run
