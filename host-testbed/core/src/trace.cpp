#include <cstdio>

#include "host_impl.hpp"

namespace wasio::testbed {

namespace {
constexpr std::string_view trace_prefix = "wasio-trace: ";
}

void host::impl::trace_line(std::string_view line) {
  if (config.trace == nullptr) return;
  std::string text;
  if (line.substr(0, trace_prefix.size()) != trace_prefix) text += trace_prefix;
  text += line;
  if (text.empty() || text.back() != '\n') text += '\n';
  std::fwrite(text.data(), 1, text.size(), config.trace);
  std::fflush(config.trace);
}

bool host::tracing() const { return impl_->tracing(); }
void host::trace_line(std::string_view line) { impl_->trace_line(line); }

}  // namespace wasio::testbed
