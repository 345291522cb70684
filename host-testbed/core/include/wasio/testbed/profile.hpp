#pragma once
/// Semantics profiles of the host testbed: which real host's behaviour a run reproduces.

#include <cstdint>
#include <optional>
#include <string_view>

namespace wasio::testbed {

enum class profile : std::uint8_t {
  /// The preview1 spec precisely: events only for ready subscriptions, exact nbytes, HANGUP when the
  /// peer closed, per-subscription errors inside the event.
  strict,
  /// wasmtime's legacy wasi-common (HOST-SEMANTICS.md section 3), quirks included.
  wasmtime_legacy,
  /// uvwasi, Node's WASI core (HOST-SEMANTICS.md section 4).
  uvwasi,
};

/// "strict" | "wasmtime-legacy" | "uvwasi"; nullopt for anything else.
std::optional<profile> parse_profile(std::string_view text);
/// The command-line spelling of `p`.
std::string_view name(profile p);

}  // namespace wasio::testbed
