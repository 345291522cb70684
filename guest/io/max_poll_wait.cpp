// WASIO_MAX_POLL_WAIT_MS: parsing and reading it (wasio/io/max_poll_wait.hpp).

#include "wasio/io/max_poll_wait.hpp"

#include <charconv>

#include "wasio/io/detail/environment.hpp"

namespace wasio {

result<std::chrono::milliseconds> parse_max_poll_wait(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return fail(errc::inval);
  if (value < 1 || value > static_cast<std::uint64_t>(max_poll_wait_limit.count())) return fail(errc::inval);
  return std::chrono::milliseconds(static_cast<std::int64_t>(value));
}

result<std::optional<std::chrono::milliseconds>> max_poll_wait_from_environment() {
  auto text = detail::environment_variable(max_poll_wait_variable);
  if (!text) return fail(text.error());
  if (!*text) return std::optional<std::chrono::milliseconds>();
  auto parsed = parse_max_poll_wait(**text);
  if (!parsed) return fail(parsed.error());
  return std::optional<std::chrono::milliseconds>(*parsed);
}

}  // namespace wasio
