#pragma once
/// The native front-end: implements wasio::sys for a guest linked into a native program by calling
/// a wasio::testbed::host directly. Same guest source, no wasm: fast, debuggable, sanitizer-friendly.
///
/// A natively linked guest program needs nothing special: on its first sys call the front-end
/// creates a host from the environment, the way `wasio-run` would from its flags:
///   WASIO_DIR=HOST[::GUEST][,HOST[::GUEST]...] pre-opened directories, fd 3, 4, ... (first)
///   WASIO_DIR_RO=HOST[::GUEST][,...]           the same, read-only, after WASIO_DIR's
///   WASIO_TCPLISTEN=[NAME=]ADDR:PORT[,...]     pre-opened listeners, after the directories and
///                                              any inherited ones; NAME as wasio-run's --tcplisten
///   WASIO_PROFILE=strict|wasmtime-legacy|uvwasi
///   WASIO_TRACE=1                              trace every host call to stderr
///   WASIO_TLSLISTEN=ADDR:PORT[,...]            TLS listeners (docs/tls.md), after the TCP ones
///   WASIO_TLS_CERT=PEM WASIO_TLS_KEY=PEM        their certificate (chain allowed) and key
/// and prints `wasio-run: directory HOST as GUEST (fd N)` for each directory and
/// `wasio-run: listening on ADDR:PORT (fd N)` for each listener (`(fd N, tls)` for TLS ones), like
/// wasio-run.
///   WASIO_SHUTDOWN_TIMEOUT=SECONDS|Ns|Nms        grace period after SIGTERM / SIGINT (docs/shutdown.md)
/// A malformed variable is reported on stderr and exits with status 2; a listener that cannot be
/// opened is named and exits with status 1, as wasio-run does; a TLS certificate or key that cannot
/// be used, with status 1. Signals reach the guest as under wasio-run: a control stream
/// (WASIO_CONTROL_FD) after the directories and listeners.
/// systemd (docs/systemd.md), as under wasio-run: sockets passed by socket activation (LISTEN_PID =
/// this process) are the first listeners, named by LISTEN_FDNAMES (status 1 when one is not a
/// listening TCP socket); with NOTIFY_SOCKET, READY=1 once the host is up (the guest's first host
/// call) and STOPPING=1 when a drain starts. LISTEN_* and NOTIFY_SOCKET are removed from the
/// process's (so the guest's) environment.
///
/// Tests instead install a host they configured:
///   auto h = wasio::testbed::host::create(config).value();
///   wasio::testbed::native::scoped_host installed(*h);
///   ... guest code under test calls wasio::sys ...

#include "wasio/testbed/host.hpp"

namespace wasio::testbed::native {

/// Installs `h` behind wasio::sys for this process until destroyed; restores the previous host.
class scoped_host {
 public:
  explicit scoped_host(host& h);
  ~scoped_host();
  scoped_host(const scoped_host&) = delete;
  scoped_host& operator=(const scoped_host&) = delete;

 private:
  host* previous_;
};

/// The host behind wasio::sys now (installed, or created from the environment on first use).
host& current();

}  // namespace wasio::testbed::native
