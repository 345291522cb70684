// The host behind wasio::sys: one a test installed, or one built from the environment on first use.

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "environment_config.hpp"
#include "wasio/testbed/native.hpp"

namespace wasio::testbed::native {
namespace {

// interrupt_poll may run on any thread, so the installed host is read atomically.
std::atomic<host*> installed_host{nullptr};

std::unique_ptr<host> host_from_environment() {
  std::string problem;
  int status = 2;
  auto config = detail::config_from_environment(problem, &status);
  if (!config) {
    std::fprintf(stderr, "wasio: %s\n", problem.c_str());
    std::exit(status);
  }
  auto created = host::create(std::move(*config));
  if (!created) {
    auto reason = message(created.error());
    std::fprintf(stderr, "wasio: cannot start the host: %.*s\n", static_cast<int>(reason.size()), reason.data());
    std::exit(2);
  }
  for (const auto& d : (*created)->directories()) {
    std::fprintf(stderr, "wasio-run: directory %s as %s%s (fd %u)\n", d.host_path.c_str(), d.guest_path.c_str(),
                 d.read_only ? ", read-only" : "", static_cast<unsigned>(d.fd));
  }
  for (const auto& listener : (*created)->listeners()) {
    const bool v6 = listener.address.find(':') != std::string::npos;
    std::fprintf(stderr, "wasio-run: listening on %s%s%s:%u (fd %u%s)\n", v6 ? "[" : "", listener.address.c_str(),
                 v6 ? "]" : "", static_cast<unsigned>(listener.port), static_cast<unsigned>(listener.fd),
                 listener.tls ? ", tls" : "");
  }
  return std::move(created.value());
}

host& environment_host() {
  // Lifetime: built once, thread-safely, on the first sys call that finds no installed host; it
  // lives until static destruction so proc_exit's std::exit still closes its sockets.
  static std::unique_ptr<host> created = host_from_environment();
  return *created;
}

}  // namespace

scoped_host::scoped_host(host& h) : previous_(installed_host.exchange(&h, std::memory_order_acq_rel)) {}

scoped_host::~scoped_host() { installed_host.store(previous_, std::memory_order_release); }

host& current() {
  if (host* h = installed_host.load(std::memory_order_acquire)) return *h;
  return environment_host();
}

}  // namespace wasio::testbed::native
