// The host behind wasio::sys: one a test installed, or one built from the environment on first use.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "environment_config.hpp"
#include "wasio/testbed/control_channel.hpp"
#include "wasio/testbed/native.hpp"
#include "wasio/testbed/service_notifier.hpp"

namespace wasio::testbed::native {
namespace {

// interrupt_poll may run on any thread, so the installed host is read atomically.
std::atomic<host*> installed_host{nullptr};

// The host and its control channel (docs/shutdown.md): real signals reach the guest as they do
// under wasio-run.
struct environment_state {
  std::unique_ptr<host> h;
  std::unique_ptr<control_channel> control;
  environment_state() = default;
  environment_state(environment_state&&) = default;
  ~environment_state() {
    // Lifetime: the channel's thread goes before the host that owns the guest's end.
    control.reset();
  }
};

environment_state state_from_environment() {
  std::string problem;
  // Taken first, so the guest's environment (this process's) does not carry it (docs/systemd.md).
  auto notifier_taken = service_notifier::from_environment(problem);
  if (!notifier_taken) std::fprintf(stderr, "wasio: %s: not reporting readiness\n", problem.c_str());
  const auto notifier =
      std::make_shared<const service_notifier>(notifier_taken ? std::move(*notifier_taken) : service_notifier());
  int status = 2;
  auto config = detail::config_from_environment(problem, &status);
  if (!config) {
    std::fprintf(stderr, "wasio: %s\n", problem.c_str());
    std::exit(status);
  }
  // Like wasio-run: the control stream is the first fd after the directories and the listeners.
  const auto control_fd = static_cast<abi::fd>(3 + config->preopens.size() + config->listeners.size());
  std::erase_if(config->env, [](const std::string& entry) {
    return entry.starts_with(std::string(control_fd_variable) + "=") ||
           entry.starts_with(std::string(shutdown_timeout_variable) + "=");
  });
  config->env.push_back(std::string(control_fd_variable) + "=" + std::to_string(control_fd));
  std::chrono::milliseconds timeout = default_shutdown_timeout;
  if (const char* text = std::getenv("WASIO_SHUTDOWN_TIMEOUT"); text != nullptr && *text != '\0') {
    auto parsed = parse_shutdown_timeout(text);
    if (!parsed) {
      std::fprintf(stderr, "wasio: WASIO_SHUTDOWN_TIMEOUT=%s is not a duration (SECONDS, or a number with s or ms, "
                           "at most a day)\n", text);
      std::exit(2);
    }
    timeout = *parsed;
  }
  config->env.push_back(std::string(shutdown_timeout_variable) + "=" + std::to_string(timeout.count()));
  const host_config kept = *config;  // for naming the listener that fails
  auto created = host::create(std::move(*config));
  if (!created) {
    // Status 1, as wasio-run's for the same failure (2 is for usage errors in both).
    if (const std::string which = first_failing_listener(kept); !which.empty()) {
      std::fprintf(stderr, "wasio: cannot listen on %s (WASIO_TCPLISTEN)\n", which.c_str());
      std::exit(1);
    }
    auto reason = message(created.error());
    std::fprintf(stderr, "wasio: cannot start the host: %.*s\n", static_cast<int>(reason.size()), reason.data());
    std::exit(1);
  }
  for (const auto& d : (*created)->directories()) {
    std::fprintf(stderr, "wasio-run: directory %s as %s%s (fd %u)\n", d.host_path.c_str(), d.guest_path.c_str(),
                 d.read_only ? ", read-only" : "", static_cast<unsigned>(d.fd));
  }
  for (const auto& listener : (*created)->listeners()) {
    const bool v6 = listener.address.find(':') != std::string::npos;
    std::fprintf(stderr, "wasio-run: listening on %s%s%s:%u (fd %u%s%s%s%s)\n", v6 ? "[" : "", listener.address.c_str(),
                 v6 ? "]" : "", static_cast<unsigned>(listener.port), static_cast<unsigned>(listener.fd),
                 listener.tls ? ", tls" : "", listener.inherited ? ", inherited" : "",
                 listener.name.empty() ? "" : ", name ", listener.name.c_str());
  }
  environment_state state;
  state.h = std::move(created.value());
  control_channel::options options;
  options.shutdown_timeout = timeout;
  options.program = "wasio";
  options.on_shutdown = [notifier, timeout] {
    (void)notifier->notify("STOPPING=1\nSTATUS=draining (up to " + std::to_string(timeout.count()) + " ms)");
  };
  auto control = control_channel::create(*state.h, std::move(options));
  if (!control || (*control)->guest_fd() != control_fd) {
    std::fprintf(stderr, "wasio: cannot open the control stream: %s\n",
                 control ? "it did not get the fd announced (host bug)" : std::string(message(control.error())).c_str());
    std::exit(1);
  }
  state.control = std::move(*control);
  state.control->handle_signals();
  // The guest runs (this is its first host call) and every listener is open.
  if (auto sent = notifier->notify("READY=1\nSTATUS=serving " + std::to_string(state.h->listeners().size()) +
                                   " listener(s)");
      !sent) {
    auto reason = message(sent.error());
    std::fprintf(stderr, "wasio: cannot report readiness to NOTIFY_SOCKET: %.*s\n", static_cast<int>(reason.size()),
                 reason.data());
  }
  return state;
}

host& environment_host() {
  // Lifetime: built once, thread-safely, on the first sys call that finds no installed host; it
  // lives until static destruction so proc_exit's std::exit still closes its sockets.
  static environment_state created = state_from_environment();
  return *created.h;
}

}  // namespace

scoped_host::scoped_host(host& h) : previous_(installed_host.exchange(&h, std::memory_order_acq_rel)) {}

scoped_host::~scoped_host() { installed_host.store(previous_, std::memory_order_release); }

host& current() {
  if (host* h = installed_host.load(std::memory_order_acquire)) return *h;
  return environment_host();
}

}  // namespace wasio::testbed::native
