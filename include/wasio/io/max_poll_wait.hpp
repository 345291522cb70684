#pragma once
/// The bound on every poll's wait: for hosts whose poll_oneoff does not return when one
/// subscription is ready.
///
/// uvwasi (Node's WASI, wasio-run --profile uvwasi) runs its loop until EVERY fd subscription fired
/// or its clock went off (HOST-SEMANTICS.md 4). A server's poll holds its listener and its idle
/// connections, so on such a host a poll without a timeout never returns while one client is idle,
/// and a poll with a long timeout returns only then. A bound makes every poll_oneoff carry a clock of
/// at most that long: each wait ends after the bound at the latest, with whatever fired by then.
///
/// Set it with the environment variable WASIO_MAX_POLL_WAIT_MS (decimal milliseconds, 1 to 86400000),
/// read by each wasio::poll (and so by rt::runtime) at its first wait, or in code with
/// registry::set_max_wait / rt::runtime::options::max_poll_wait (which win over the variable).
/// Hosts that need it: uvwasi (with 10 to 50 ms, the latency an idle peer adds to everyone else).
/// strict and wasmtime-legacy hosts return on the first ready fd and do not need it.
/// Default: no bound, so an idle program makes no periodic wake-ups.
///
/// Errors (max_poll_wait_from_environment): inval when the variable is set but is not a decimal
/// number of milliseconds from 1 to 86400000; those of environ_sizes_get / environ_get.
///
/// Example (compiled in tests/guest/max_poll_wait_test.cpp):
///   wasio::rt::runtime::options opts;
///   opts.max_poll_wait = std::chrono::milliseconds(20);  // this program targets uvwasi
///   wasio::rt::runtime rt(opts);

#include <chrono>
#include <optional>
#include <string_view>

#include "wasio/result.hpp"

namespace wasio {

inline constexpr std::string_view max_poll_wait_variable = "WASIO_MAX_POLL_WAIT_MS";
inline constexpr std::chrono::milliseconds max_poll_wait_limit = std::chrono::hours(24);

/// WASIO_MAX_POLL_WAIT_MS from the guest's environment: nullopt when it is unset.
result<std::optional<std::chrono::milliseconds>> max_poll_wait_from_environment();
/// Parses a WASIO_MAX_POLL_WAIT_MS value. Errors: inval (see the header comment).
result<std::chrono::milliseconds> parse_max_poll_wait(std::string_view text);

}  // namespace wasio
