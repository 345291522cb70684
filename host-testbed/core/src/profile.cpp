#include "wasio/testbed/profile.hpp"

namespace wasio::testbed {

std::optional<profile> parse_profile(std::string_view text) {
  for (profile p : {profile::strict, profile::wasmtime_legacy, profile::uvwasi}) {
    if (text == name(p)) return p;
  }
  return std::nullopt;
}

std::string_view name(profile p) {
  switch (p) {
    case profile::strict: return "strict";
    case profile::wasmtime_legacy: return "wasmtime-legacy";
    case profile::uvwasi: return "uvwasi";
  }
  return "unknown";
}

}  // namespace wasio::testbed
