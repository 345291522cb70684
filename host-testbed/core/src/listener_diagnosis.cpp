// Which listener made host::create fail: each is opened alone, once, for the message.

#include <string>

#include "wasio/testbed/host.hpp"

namespace wasio::testbed {

std::string first_failing_listener(const host_config& config) {
  for (const listen_spec& spec : config.listeners) {
    // An inherited socket is adopted, not bound: opening it twice would close it.
    if (spec.inherited_fd >= 0) continue;
    host_config alone;
    alone.semantics = config.semantics;
    alone.listeners = {spec};
    auto created = host::create(std::move(alone));
    if (!created) {
      const bool v6 = spec.address.find(':') != std::string::npos;
      return (v6 ? "[" + spec.address + "]" : spec.address) + ":" + std::to_string(spec.port) + " (" +
             std::string(message(created.error())) + ")";
    }
  }
  return {};
}

}  // namespace wasio::testbed
