// Host configuration of a natively linked guest, read from its process environment.

#include "environment_config.hpp"

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

std::optional<host_config> config_from_variables(const wasio_variables& variables, std::string& problem) {
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
  if (variables.tcplisten && *variables.tcplisten) {
    std::string_view rest = variables.tcplisten;
    while (true) {
      const std::size_t comma = rest.find(',');
      const std::string_view item = rest.substr(0, comma);
      auto spec = parse_listen_spec(item);
      if (!spec) {
        problem = "WASIO_TCPLISTEN: '" + std::string(item) + "' is not ADDR:PORT or [V6ADDR]:PORT";
        return std::nullopt;
      }
      config.listeners.push_back(std::move(spec.value()));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return config;
}

std::optional<host_config> config_from_environment(std::string& problem) {
  auto config = config_from_variables(
      {std::getenv("WASIO_TCPLISTEN"), std::getenv("WASIO_PROFILE"), std::getenv("WASIO_TRACE"),
       std::getenv("WASIO_DIR"), std::getenv("WASIO_DIR_RO")},
      problem);
  if (!config) return std::nullopt;
  config->args = process_arguments();
  config->env = process_environment();
  return config;
}

}  // namespace wasio::testbed::native::detail
