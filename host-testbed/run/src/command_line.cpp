#include "command_line.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "workers.hpp"

namespace wasio::run {

std::optional<command_line> parse_command_line(const std::vector<std::string>& argv, std::string& error) {
  command_line cl;
  bool fault_rate_given = false;
  std::size_t i = 0;
  // Flags take their value as the next word or after '=' (--env=A=B); the first word that is
  // not a flag is the module, and everything after it belongs to the guest.
  auto value_of = [&](const std::string& word, std::string_view flag, std::string& value) {
    if (word == flag) {
      if (i + 1 >= argv.size()) {
        error = std::string(flag) + " needs a value";
        return false;
      }
      value = argv[++i];
      return true;
    }
    value = word.substr(flag.size() + 1);
    return true;
  };
  auto matches = [](const std::string& word, std::string_view flag) {
    return word == flag || (word.size() > flag.size() && word.compare(0, flag.size(), flag) == 0 && word[flag.size()] == '=');
  };
  auto add_listener = [&](const std::string& text, bool tls = false) {
    auto spec = testbed::parse_listen_spec(text);
    if (!spec) {
      error = "bad listen address '" + text + "' (want [NAME=]ADDR:PORT or [NAME=][V6ADDR]:PORT; NAME: printable ASCII, no ':')";
      return false;
    }
    spec->tls = tls;
    cl.listeners.push_back(*spec);
    return true;
  };
  for (; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    std::string value;
    if (word == "--") {
      ++i;
      break;
    }
    if (word.empty() || word[0] != '-') break;
    if (word == "-h" || word == "--help") {
      cl.help = true;
    } else if (word == "-V" || word == "--version") {
      cl.version = true;
    } else if (word == "--trace") {
      cl.trace = true;
    } else if (word == "--waker") {
      cl.waker = true;
    } else if (word == "--no-control") {
      cl.control = false;
    } else if (word == "--compile-only") {
      cl.compile_only = true;
    } else if (matches(word, "--tcplisten")) {
      if (!value_of(word, "--tcplisten", value) || !add_listener(value)) return std::nullopt;
    } else if (matches(word, "--tlslisten")) {
      if (!value_of(word, "--tlslisten", value) || !add_listener(value, true)) return std::nullopt;
    } else if (matches(word, "--tls-cert")) {
      if (!value_of(word, "--tls-cert", cl.tls_cert)) return std::nullopt;
    } else if (matches(word, "--tls-key")) {
      if (!value_of(word, "--tls-key", cl.tls_key)) return std::nullopt;
    } else if (word == "-S" || word.compare(0, 2, "-S") == 0) {
      value = word.size() > 2 ? word.substr(2) : "";
      if (value.empty()) {
        if (i + 1 >= argv.size()) {
          error = "-S needs a value";
          return std::nullopt;
        }
        value = argv[++i];
      }
      static constexpr std::string_view tcplisten = "tcplisten=";
      if (value.compare(0, tcplisten.size(), tcplisten) != 0) {
        error = "unsupported -S option '" + value + "' (only tcplisten=ADDR:PORT)";
        return std::nullopt;
      }
      if (!add_listener(value.substr(tcplisten.size()))) return std::nullopt;
    } else if (matches(word, "--dir") || matches(word, "--dir-ro")) {
      const bool read_only = matches(word, "--dir-ro");
      if (!value_of(word, read_only ? "--dir-ro" : "--dir", value)) return std::nullopt;
      auto spec = testbed::parse_dir_spec(value, read_only);
      if (!spec) {
        error = "bad " + std::string(read_only ? "--dir-ro" : "--dir") + " '" + value + "' (want HOST_DIR[::GUEST_DIR])";
        return std::nullopt;
      }
      cl.preopens.push_back(std::move(*spec));
    } else if (matches(word, "--env")) {
      if (!value_of(word, "--env", value)) return std::nullopt;
      if (value.find('=') == std::string::npos || value.front() == '=') {
        error = "bad --env '" + value + "' (want NAME=VALUE)";
        return std::nullopt;
      }
      cl.env.push_back(value);
    } else if (matches(word, "--profile")) {
      if (!value_of(word, "--profile", value)) return std::nullopt;
      auto p = testbed::parse_profile(value);
      if (!p) {
        error = "unknown profile '" + value + "' (strict, wasmtime-legacy or uvwasi)";
        return std::nullopt;
      }
      cl.semantics = *p;
    } else if (matches(word, "--shutdown-timeout")) {
      if (!value_of(word, "--shutdown-timeout", value)) return std::nullopt;
      auto timeout = testbed::parse_shutdown_timeout(value);
      if (!timeout) {
        error = "bad --shutdown-timeout '" + value + "' (want SECONDS, or a number with s or ms, at most a day)";
        return std::nullopt;
      }
      cl.shutdown_timeout = *timeout;
    } else if (matches(word, "--faults")) {
      if (!value_of(word, "--faults", value)) return std::nullopt;
      auto seed = testbed::parse_fault_seed(value);
      if (!seed) {
        error = "bad --faults '" + value + "' (want a SEED: a number from 0 to 2^64-1)";
        return std::nullopt;
      }
      cl.faults.enabled = true;
      cl.faults.seed = *seed;
    } else if (matches(word, "--fault-rate")) {
      if (!value_of(word, "--fault-rate", value)) return std::nullopt;
      auto rate = testbed::parse_fault_rate(value);
      if (!rate) {
        error = "bad --fault-rate '" + value + "' (want a fraction above 0, at most 1: 0.02)";
        return std::nullopt;
      }
      cl.faults.rate = *rate;
      fault_rate_given = true;
    } else if (matches(word, "--workers")) {
      if (!value_of(word, "--workers", value)) return std::nullopt;
      unsigned n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size() || n < 1 || n > max_workers) {
        error = "bad --workers '" + value + "' (want 1 to " + std::to_string(max_workers) + ")";
        return std::nullopt;
      }
      cl.workers = n;
    } else if (matches(word, "--connection-log")) {
      if (!value_of(word, "--connection-log", value)) return std::nullopt;
      if (value.empty()) {
        error = "--connection-log needs a file (or - for stderr)";
        return std::nullopt;
      }
      cl.connection_log = value;
    } else if (matches(word, "--cache-dir")) {
      if (!value_of(word, "--cache-dir", value)) return std::nullopt;
      if (value.empty()) {
        error = "--cache-dir needs a directory";
        return std::nullopt;
      }
      cl.cache_dir = value;
    } else {
      error = "unknown option '" + word + "'";
      return std::nullopt;
    }
  }
  if (cl.help || cl.version) return cl;
  if (fault_rate_given && !cl.faults.enabled) {
    error = "--fault-rate is for --faults SEED, and no --faults was given";
    return std::nullopt;
  }
  const bool tls = std::any_of(cl.listeners.begin(), cl.listeners.end(), [](const auto& l) { return l.tls; });
  if (tls && (cl.tls_cert.empty() || cl.tls_key.empty())) {
    error = "--tlslisten needs --tls-cert PEM and --tls-key PEM";
    return std::nullopt;
  }
  if (!tls && (!cl.tls_cert.empty() || !cl.tls_key.empty())) {
    error = "--tls-cert and --tls-key are for --tlslisten, and no --tlslisten was given";
    return std::nullopt;
  }
  if (i >= argv.size()) {
    error = "no module given";
    return std::nullopt;
  }
  cl.module = argv[i++];
  cl.args.assign(argv.begin() + static_cast<std::ptrdiff_t>(i), argv.end());
  return cl;
}

std::string default_cache_dir() {
  if (const char* dir = std::getenv("WASIO_CACHE_DIR"); dir != nullptr && *dir != '\0') return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') return std::string(xdg) + "/wasio";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') return std::string(home) + "/.cache/wasio";
  return {};
}

const char* usage_text() {
  return R"(usage: wasio-run [OPTIONS] MODULE.wasm [ARGS...]

Runs a WASI preview1 command module: translates it with wasm2c, compiles it with the system C
compiler into a cache keyed by the module's content, and runs its _start export.

options:
  --dir HOST_DIR[::GUEST_DIR]
                            pre-open a host directory as GUEST_DIR (default: HOST_DIR), repeatable;
                            directories get fd 3, 4, ... in flag order, before every listener; the
                            guest cannot reach anything outside it (docs/filesystem.md)
  --dir-ro HOST_DIR[::GUEST_DIR]
                            the same, read-only: no right that changes the filesystem, and every
                            file under it is opened read-only by the host
  --tcplisten [NAME=]ADDR:PORT
                            pre-open a listening TCP socket (fds after the directories and any
                            inherited ones, in order; port 0 picks one); NAME (printable ASCII,
                            no ':') is what the guest's tcp_listener::name() gives
  -S tcplisten=ADDR:PORT    the same, wasmtime's spelling
  --tlslisten [NAME=]ADDR:PORT
                            pre-open a TLS listener (numbered with the --tcplisten ones, in order):
                            the host runs the TLS handshake (TLS 1.2/1.3, ALPN http/1.1, session
                            tickets) and the guest reads and writes plaintext (docs/tls.md);
                            announced as: listening on ADDR:PORT (fd N, tls)
  --tls-cert PEM            the certificate (chain allowed, leaf first) of every --tlslisten
  --tls-key PEM             its private key, unencrypted
  --env NAME=VALUE          add to the guest's environment (it starts empty)
  --profile P               host semantics, and the guests known to run there (docs/profiles.md):
                              strict (default): the preview1 spec, and where it is silent what
                                real hosts agree on; wasio's examples, mio, tokio, wasi-libc C
                              wasmtime-legacy: wasmtime's wasi-common (--tcplisten), quirks and
                                all; wasio's examples, wasi-libc C, mio and tokio until a client
                                resets (an error event: mio's poll fails, tokio panics)
                              uvwasi: Node's uvwasi: a poll waits for EVERY subscription or a
                                clock, nbytes 0, sock_accept(fd, 0) blocks; wasio's examples with
                                WASIO_MAX_POLL_WAIT_MS, C whose poll() has a timeout; mio and
                                tokio stall
  --trace                   log every host call with its arguments and errno to stderr
  --faults SEED             inject host faults on purpose, reproducibly from SEED: again and intr,
                            short reads and writes, resets, aborted and mfile accepts, spurious and
                            delayed poll events, realtime clock steps (each as a real host may do;
                            docs/testing.md); each one in --trace, the counts on stderr at the end
  --fault-rate R            the chance per eligible call of each fault (default 0.02)
  --waker                   pre-open a wake channel for the guest after the listeners (one end of
                            a socket pair, announced as WASIO_WAKER_FD=N); SIGUSR1 to wasio-run
                            writes a wake byte to it, and is ignored before the guest starts and
                            after it ends (without --waker, SIGUSR1 keeps its default action:
                            it ends wasio-run) (docs/wakeup.md)
  --no-control              no control stream: no WASIO_CONTROL_FD fd or variables for the guest
                            (SIGTERM, SIGINT and SIGHUP keep their default actions); a bare
                            preview1 environment, as the wasi-testsuite expects
  --shutdown-timeout T      how long the guest may drain after SIGTERM or SIGINT before it is ended
                            (seconds, or with s / ms: 10, 2500ms; default 10 s) (docs/shutdown.md)
  --workers N               run N instances of the guest in N processes (1 to 256) sharing the
                            listeners (the kernel spreads the connections), under a supervisor
                            that restarts a crashed worker (100 ms doubling to 5 s), logs each
                            start and exit, and passes SIGTERM / SIGINT / SIGHUP / SIGUSR1 on to
                            every worker (each drains as one wasio-run does). For stateless
                            guests: every worker has its own memory. Workers read stdin from
                            /dev/null and share stdout, stderr, the --dir directories and the
                            connection log; each has its own control stream and waker. Exit 0
                            only if every worker ended with 0 (docs/workers.md)
  --connection-log FILE     append one line per accepted and per closed connection to FILE (- or
                            stderr: standard error): time (UTC), worker, listener, peer address
                            and port, the guest's fd, bytes received and sent (TLS: ciphertext),
                            duration; the guest never sees any of it (docs/workers.md)
  --cache-dir DIR           compiled-module cache (default $WASIO_CACHE_DIR, else
                            $XDG_CACHE_HOME/wasio, else ~/.cache/wasio)
  --compile-only            translate and compile MODULE into the cache, then exit 0
  -h, --help                this text
  -V, --version             version

systemd (docs/systemd.md): sockets passed by socket activation (LISTEN_PID = this process,
LISTEN_FDS, LISTEN_FDNAMES) become the first listeners, ahead of --tcplisten's, with their names
(announced as: listening on ADDR:PORT (fd N, inherited, name NAME)); each must be a listening TCP
socket, or wasio-run exits 1. With NOTIFY_SOCKET set, READY=1 is sent once the module loaded and
the listeners are open, STOPPING=1 when a drain starts. Names reach the guest as FD_COUNT and
FD_NAMES (unless --env sets FD_COUNT or LISTEN_FDS).

signals: the guest learns of SIGTERM and SIGINT as a shutdown request and of SIGHUP as a reopen
request through a control stream (fd WASIO_CONTROL_FD, after the listeners and the waker) when it
listens for them (wasio::rt::service); a guest that does not is ended at once by SIGTERM / SIGINT,
and SIGHUP is ignored. A second SIGTERM / SIGINT, or the timeout, ends a draining guest at once.

limits: at most 16,384 guest descriptors open at once (stdio, directories and listeners included;
sock_accept then answers mfile and the connection waits in the backlog), and 65,536 subscriptions
per poll_oneoff call (inval beyond).

exit status: the guest's proc_exit code (0 when _start returns, so 0 after a clean drain); 134
when the guest traps (one line "wasio-run: trap: ..." on stderr); 128 + the signal's number (143
SIGTERM, 130 SIGINT) when a signal ended the guest before it finished; 1 when the module cannot be
run (missing imports, no _start, a feature wasm2c cannot translate, missing tools, a TLS
certificate or key that cannot be used); 2 for usage errors. With --workers: 0 only if every
worker's last run ended with 0, else the status of the lowest-numbered worker that did not (as
above); natively linked guests have no --workers and no --connection-log.
environment: WASIO_WASM2C (wasm2c program), WASIO_CC, else CC, else cc (C compiler).
)";
}

}  // namespace wasio::run
