// wasio-run: runs a WASI preview1 command module through wasm2c on the wasio host testbed.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "guest_runner.hpp"
#include "host_wake_channel.hpp"
#include "module_cache.hpp"
#include "workers.hpp"
#include "wasio/testbed/connection_observer.hpp"
#include "wasio/testbed/control_channel.hpp"
#include "wasio/testbed/host.hpp"
#include "wasio/testbed/service_notifier.hpp"
#include "wasio/testbed/socket_activation.hpp"
#include "wasio/testbed/wasm2c/imports.hpp"
#include "wasio/testbed/wasm2c/module_info.hpp"

namespace {

constexpr int exit_cannot_run = 1;
constexpr int exit_usage = 2;
constexpr int exit_trap = 134;  // what a native program killed by abort() reports

int complain(const std::string& line, int status) {
  std::fprintf(stderr, "wasio-run: %s\n", line.c_str());
  return status;
}

/// Reads the whole module; on failure returns the reason (errno text: a directory, no permission,
/// no such file) instead of throwing or guessing.
std::string read_module(const std::string& path, std::vector<std::byte>& bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::strerror(errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    const int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
    ::close(fd);
    return std::strerror(e);
  }
  std::byte chunk[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return std::strerror(e);
    }
    if (n == 0) break;
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  ::close(fd);
  return {};
}

std::string printable_address(const std::string& address) {
  return address.find(':') != std::string::npos ? "[" + address + "]" : address;
}

/// Runs the guest against `host` with its wake channel and control stream: the whole of a single
/// wasio-run once the listeners exist, and of each --workers process. `program` starts the lines
/// that name this process ("wasio-run", "wasio-run worker 2"); `notifier` (null in a worker: the
/// supervisor reports for all) gets READY=1 before the guest runs and STOPPING=1 when it drains.
int serve(const wasio::run::command_line& cl, const std::string& shared_object, std::size_t preopened,
          wasio::abi::fd control_fd, std::unique_ptr<wasio::testbed::host>& host, const std::string& program,
          const wasio::testbed::service_notifier* notifier) {
  using namespace wasio;
  std::unique_ptr<run::host_wake_channel> waker;
  if (cl.waker) {
    auto channel = run::host_wake_channel::create(*host);
    if (!channel) return complain(std::string("cannot open the wake channel: ") + std::string(message(channel.error())), exit_cannot_run);
    waker = std::move(*channel);
    if (waker->guest_fd() != run::waker_guest_fd(preopened))
      return complain("the wake channel did not get the fd announced in WASIO_WAKER_FD (host bug)", exit_cannot_run);
    run::host_wake_channel::wake_on_sigusr1(waker.get());
    std::fprintf(stderr, "%s: waker on fd %u (SIGUSR1 to pid %ld wakes the guest)\n", program.c_str(),
                 static_cast<unsigned>(waker->guest_fd()), static_cast<long>(::getpid()));
  }
  std::unique_ptr<testbed::control_channel> control;
  if (cl.control) {
    testbed::control_channel::options control_options;
    control_options.shutdown_timeout = cl.shutdown_timeout;
    control_options.program = program;
    if (notifier != nullptr)
      control_options.on_shutdown = [notifier, grace = cl.shutdown_timeout] {
        (void)notifier->notify("STOPPING=1\nSTATUS=draining (up to " + std::to_string(grace.count()) + " ms)");
      };
    auto created_control = testbed::control_channel::create(*host, std::move(control_options));
    if (!created_control)
      return complain(std::string("cannot open the control stream: ") + std::string(message(created_control.error())),
                      exit_cannot_run);
    control = std::move(*created_control);
    if (control->guest_fd() != control_fd)
      return complain("the control stream did not get the fd announced in WASIO_CONTROL_FD (host bug)", exit_cannot_run);
  }
  std::fflush(stderr);

  // From here SIGTERM / SIGINT / SIGHUP are requests to the guest (docs/shutdown.md).
  if (control) control->handle_signals();
  // A guest writing to a closed pipe gets errc::pipe from fd_write, as on wasmtime, instead of
  // the whole process dying of SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  // The module is loaded and every listener open: connections queue in the backlog until it accepts.
  if (notifier != nullptr) {
    if (auto sent = notifier->notify("READY=1\nSTATUS=serving " + std::to_string(host->listeners().size()) +
                                     " listener(s)");
        !sent)
      std::fprintf(stderr, "wasio-run: cannot report readiness to NOTIFY_SOCKET: %s\n",
                   std::string(message(sent.error())).c_str());
  }
  run::run_outcome outcome = run::run_guest(shared_object, *host);
  if (waker) {
    run::host_wake_channel::wake_on_sigusr1(nullptr);  // back to ignored, not to the default
    waker.reset();
  }
  if (control) {
    control->release_signals();
    control.reset();
  }
  host.reset();  // closes every guest fd and listener before the process reports
  switch (outcome.how) {
    case run::run_outcome::ending::returned: return 0;
    case run::run_outcome::ending::exited: return static_cast<int>(outcome.exit_code & 0xff);
    case run::run_outcome::ending::trapped: {
      std::string_view what = run::trap_message(outcome.trap);
      std::fprintf(stderr, "wasio-run: trap: %.*s\n", static_cast<int>(what.size()), what.data());
      return exit_trap;
    }
    case run::run_outcome::ending::failed: break;
  }
  return complain(outcome.error, exit_cannot_run);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace wasio;
  std::vector<std::string> words(argv + 1, argv + argc);
  std::string error;
  auto parsed = run::parse_command_line(words, error);
  if (!parsed) {
    std::fprintf(stderr, "wasio-run: %s\n%s", error.c_str(), "try 'wasio-run --help'\n");
    return exit_usage;
  }
  run::command_line& cl = *parsed;
  if (cl.help) {
    std::fputs(run::usage_text(), stdout);
    return 0;
  }
  if (cl.version) {
    std::printf("wasio-run %s (wasm2c front-end, wabt 1.0.32 naming)\n", WASIO_VERSION);
    return 0;
  }

  // systemd socket activation and readiness (docs/systemd.md), taken before anything else so that no
  // child process (the C compiler) inherits the sockets or the variables. Inherited listeners come
  // first, ahead of --tcplisten's.
  std::string activation_problem;
  auto inherited = testbed::take_inherited_listeners(activation_problem);
  if (!inherited) return complain(activation_problem, exit_cannot_run);
  cl.listeners.insert(cl.listeners.begin(), inherited->begin(), inherited->end());
  auto notifier_taken = testbed::service_notifier::from_environment(activation_problem);
  if (!notifier_taken) std::fprintf(stderr, "wasio-run: %s: not reporting readiness\n", activation_problem.c_str());
  const auto notifier = std::make_shared<const testbed::service_notifier>(
      notifier_taken ? std::move(*notifier_taken) : testbed::service_notifier());

  // With --waker, SIGUSR1 means "wake the guest" from the moment wasio-run starts: one that arrives
  // while the module compiles or after the guest ended is ignored instead of killing wasio-run and
  // replacing the guest's exit status. Without --waker SIGUSR1 keeps its default action.
  if (cl.waker) run::host_wake_channel::ignore_sigusr1();

  for (const testbed::preopen_spec& d : cl.preopens) {
    // Checked before the module is compiled, and named, so a typo in --dir fails fast and clearly.
    const int probe = ::open(d.host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (probe < 0) return complain("cannot pre-open directory " + d.host_path + ": " + std::strerror(errno), exit_cannot_run);
    ::close(probe);
  }

  // A certificate or key that cannot be used is refused first, before any compiling.
  std::shared_ptr<const testbed::tls_context> tls;
  if (!cl.tls_cert.empty()) {
    std::string problem;
    auto context = testbed::tls_context::load(cl.tls_cert, cl.tls_key, problem);
    if (!context) return complain(problem, exit_cannot_run);
    tls = std::move(*context);
  }

  std::vector<std::byte> bytes;
  if (std::string why = read_module(cl.module, bytes); !why.empty())
    return complain("cannot read " + cl.module + ": " + why, exit_cannot_run);
  auto info = testbed::wasm2c::read_module_info(bytes);
  if (!info) return complain(cl.module + " is not a valid wasm module", exit_cannot_run);
  // Refuse before translating: a module that cannot link should not cost a compile.
  auto missing = testbed::wasm2c::unresolved_imports(*info, testbed::preview1_function_names());
  if (!missing.empty()) {
    std::string list;
    for (const std::string& m : missing) list += "\n  " + m;
    return complain(cl.module + " imports what this host does not provide (" + std::to_string(missing.size()) +
                        "):" + list,
                    exit_cannot_run);
  }
  if (!info->exports_function("_start") && !cl.compile_only)
    return complain(cl.module + " exports no _start function (not a WASI command)", exit_cannot_run);

  const std::string cache_dir = cl.cache_dir ? *cl.cache_dir : run::default_cache_dir();
  run::compile_outcome compiled = run::compiled_module(bytes, cl.module, cache_dir);
  if (!compiled.ok) return complain(compiled.error, exit_cannot_run);
  // Loaded before any listener opens, so "listening on" means the module is ready to run. An
  // object that passes its hash but does not load (a cache from another wasio-run) is rebuilt once.
  if (std::string load_error = run::load_module(compiled.shared_object); !load_error.empty()) {
    std::fprintf(stderr, "wasio-run: %s: rebuilding it\n", load_error.c_str());
    compiled = run::compiled_module(bytes, cl.module, cache_dir, true);
    if (!compiled.ok) return complain(compiled.error, exit_cannot_run);
    if (load_error = run::load_module(compiled.shared_object); !load_error.empty())
      return complain(load_error, exit_cannot_run);
  }
  if (cl.compile_only) return 0;

  testbed::host_config config;
  config.semantics = cl.semantics;
  config.args.push_back(cl.module);
  config.args.insert(config.args.end(), cl.args.begin(), cl.args.end());
  config.env = cl.env;
  config.preopens = cl.preopens;
  config.listeners = cl.listeners;
  for (std::string& announced : testbed::listener_name_variables(config)) config.env.push_back(std::move(announced));
  if (tls) {
    config.tls = std::move(tls);
    config.tls_log = stderr;
  }
  const std::size_t preopened = cl.preopens.size() + cl.listeners.size();
  if (cl.waker) config.env.push_back("WASIO_WAKER_FD=" + std::to_string(run::waker_guest_fd(preopened)));
  // The control stream comes after the waker (docs/shutdown.md).
  const abi::fd control_fd = run::waker_guest_fd(preopened) + (cl.waker ? 1 : 0);
  if (cl.control) {
    config.env.push_back(std::string(testbed::control_fd_variable) + "=" + std::to_string(control_fd));
    config.env.push_back(std::string(testbed::shutdown_timeout_variable) + "=" +
                         std::to_string(cl.shutdown_timeout.count()));
  }
  if (cl.trace) config.trace = stderr;
  config.faults = cl.faults;
  if (config.faults.enabled) config.faults.log = stderr;
  // Opened once, here: every worker appends to the same open file (one write(2) per line).
  std::shared_ptr<testbed::connection_log> connection_log;
  if (!cl.connection_log.empty()) {
    int log_fd = 2;
    if (cl.connection_log != "-" && cl.connection_log != "stderr") {
      log_fd = ::open(cl.connection_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (log_fd < 0)
        return complain("cannot open the connection log " + cl.connection_log + ": " + std::strerror(errno),
                        exit_cannot_run);
    }
    connection_log = std::make_shared<testbed::connection_log>(log_fd);
    config.connections = connection_log;
  }
  const testbed::host_config kept = config;  // for naming the listener that fails
  auto created = testbed::host::create(std::move(config));
  if (!created) {
    errc e = created.error();
    if (const std::string which = testbed::first_failing_listener(kept); !which.empty())
      return complain("cannot listen on " + which + " (--tcplisten)", exit_cannot_run);
    return complain(std::string("cannot open the pre-opened directories and listeners: ") + std::string(message(e)),
                    exit_cannot_run);
  }
  std::unique_ptr<testbed::host> host = std::move(*created);
  for (const testbed::bound_directory& d : host->directories())
    std::fprintf(stderr, "wasio-run: directory %s as %s%s (fd %u)\n", d.host_path.c_str(), d.guest_path.c_str(),
                 d.read_only ? ", read-only" : "", static_cast<unsigned>(d.fd));
  for (const testbed::bound_listener& l : host->listeners())
    std::fprintf(stderr, "wasio-run: listening on %s:%u (fd %u%s%s%s%s)\n", printable_address(l.address).c_str(),
                 static_cast<unsigned>(l.port), static_cast<unsigned>(l.fd), l.tls ? ", tls" : "",
                 l.inherited ? ", inherited" : "", l.name.empty() ? "" : ", name ", l.name.c_str());
  if (cl.workers == 0) return serve(cl, compiled.shared_object, preopened, control_fd, host, "wasio-run", notifier.get());
  run::worker_options workers;
  workers.count = cl.workers;
  workers.shutdown_timeout = cl.shutdown_timeout;
  // The service manager hears from the supervisor (the unit's main process) only.
  workers.on_started = [&] {
    if (auto sent = notifier->notify("READY=1\nSTATUS=serving " + std::to_string(host->listeners().size()) +
                                     " listener(s) with " + std::to_string(cl.workers) + " worker(s)");
        !sent)
      std::fprintf(stderr, "wasio-run: cannot report readiness to NOTIFY_SOCKET: %s\n",
                   std::string(message(sent.error())).c_str());
  };
  workers.on_stopping = [&] {
    (void)notifier->notify("STOPPING=1\nSTATUS=draining " + std::to_string(cl.workers) + " worker(s) (up to " +
                           std::to_string(cl.shutdown_timeout.count()) + " ms)");
  };
  const int status = run::supervise_workers(workers, [&](unsigned worker) {
    // Lifetime: in the child, `host` is this process's own copy of the supervisor's, never run there.
    host->after_fork_in_child();
    if (connection_log) connection_log->set_worker(worker);
    return serve(cl, compiled.shared_object, preopened, control_fd, host, "wasio-run worker " + std::to_string(worker),
                 nullptr);
  });
  // The supervisor's host never ran a guest: ending without destroying it keeps its empty end-of-host
  // report (the TLS stats line) out of stderr; the kernel closes its listeners.
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(status);
}
