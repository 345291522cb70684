// Host configuration of a natively linked guest, read from its process environment.

#include "environment_config.hpp"

#include "wasio/testbed/socket_activation.hpp"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string_view>
#include <tuple>

extern char** environ;

namespace wasio::testbed::native::detail {
namespace {

// /proc/self/cmdline holds the arguments NUL-terminated back to back: exactly what the guest
// would see as argv, also when main() never received them (a test linked into gtest).
std::vector<std::string> process_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  for (std::size_t start = 0; start < all.size();) {
    std::size_t end = all.find('\0', start);
    if (end == std::string::npos) end = all.size();
    args.emplace_back(all, start, end - start);
    start = end + 1;
  }
  return args;
}

std::vector<std::string> process_environment() {
  std::vector<std::string> env;
  for (char** entry = environ; entry && *entry; ++entry) env.emplace_back(*entry);
  return env;
}

}  // namespace

std::optional<host_config> config_from_variables(const wasio_variables& variables, std::string& problem,
                                                 int* exit_status) {
  if (exit_status != nullptr) *exit_status = 2;
  host_config config;
  if (variables.profile && *variables.profile) {
    auto parsed = parse_profile(variables.profile);
    if (!parsed) {
      problem = std::string("WASIO_PROFILE=") + variables.profile +
                " is not a profile (strict, wasmtime-legacy or uvwasi)";
      return std::nullopt;
    }
    config.semantics = *parsed;
  }
  if (variables.trace && *variables.trace) {
    const std::string_view trace = variables.trace;
    if (trace != "0" && trace != "1") {
      problem = std::string("WASIO_TRACE=") + variables.trace + " is neither 0 nor 1";
      return std::nullopt;
    }
    if (trace == "1") config.trace = stderr;
  }
  // Directories: WASIO_DIR's in order, then WASIO_DIR_RO's (fd 3, ... before the listeners).
  for (const auto& [text, read_only, name] : {std::tuple{variables.dir, false, "WASIO_DIR"},
                                              std::tuple{variables.dir_ro, true, "WASIO_DIR_RO"}}) {
    if (text == nullptr || *text == '\0') continue;
    std::string_view rest = text;
    while (true) {
      const std::size_t comma = rest.find(',');
      const std::string_view item = rest.substr(0, comma);
      auto spec = parse_dir_spec(item, read_only);
      if (!spec) {
        problem = std::string(name) + ": '" + std::string(item) + "' is not HOST_DIR[::GUEST_DIR]";
        return std::nullopt;
      }
      config.preopens.push_back(std::move(spec.value()));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  auto add_listeners = [&](const char* value, std::string_view variable, bool tls) {
    if (value == nullptr || *value == '\0') return true;
    std::string_view rest = value;
    while (true) {
      const std::size_t comma = rest.find(',');
      const std::string_view item = rest.substr(0, comma);
      auto spec = parse_listen_spec(item);
      if (!spec) {
        problem = std::string(variable) + ": '" + std::string(item) + "' is not [NAME=]ADDR:PORT or [NAME=][V6ADDR]:PORT";
        return false;
      }
      spec->tls = tls;
      config.listeners.push_back(std::move(spec.value()));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return true;
  };
  if (!add_listeners(variables.tcplisten, "WASIO_TCPLISTEN", false)) return std::nullopt;
  if (!add_listeners(variables.tlslisten, "WASIO_TLSLISTEN", true)) return std::nullopt;
  const bool tls = variables.tlslisten && *variables.tlslisten;
  const bool cert = variables.tls_cert && *variables.tls_cert;
  const bool key = variables.tls_key && *variables.tls_key;
  if (tls && (!cert || !key)) {
    problem = "WASIO_TLSLISTEN needs WASIO_TLS_CERT (PEM, chain allowed) and WASIO_TLS_KEY (PEM)";
    return std::nullopt;
  }
  if (!tls && (cert || key)) {
    problem = "WASIO_TLS_CERT and WASIO_TLS_KEY are for WASIO_TLSLISTEN, which is not set";
    return std::nullopt;
  }
  if (tls) {
    auto context = tls_context::load(variables.tls_cert, variables.tls_key, problem);
    if (!context) {
      if (exit_status != nullptr) *exit_status = 1;
      return std::nullopt;
    }
    config.tls = std::move(*context);
    config.tls_log = stderr;
  }
  return config;
}

std::optional<host_config> config_from_environment(std::string& problem, int* exit_status) {
  // Socket activation first (docs/systemd.md): it unsets LISTEN_*, so the guest's environment,
  // copied below, does not announce fds numbered for the process instead of the guest.
  auto inherited = take_inherited_listeners(problem);
  if (!inherited) {
    if (exit_status != nullptr) *exit_status = 1;
    return std::nullopt;
  }
  auto config = config_from_variables({std::getenv("WASIO_TCPLISTEN"), std::getenv("WASIO_PROFILE"),
                                       std::getenv("WASIO_TRACE"), std::getenv("WASIO_DIR"),
                                       std::getenv("WASIO_DIR_RO"), std::getenv("WASIO_TLSLISTEN"),
                                       std::getenv("WASIO_TLS_CERT"), std::getenv("WASIO_TLS_KEY")},
                                      problem, exit_status);
  if (!config) return std::nullopt;
  config->listeners.insert(config->listeners.begin(), inherited->begin(), inherited->end());
  config->args = process_arguments();
  config->env = process_environment();
  for (std::string& announced : listener_name_variables(*config)) config->env.push_back(std::move(announced));
  return config;
}

}  // namespace wasio::testbed::native::detail
