// Environment lookup over sys::environ_sizes_get / environ_get.

#include "wasio/io/detail/environment.hpp"

#include <vector>

#include "wasio/sys/sys.hpp"

namespace wasio::detail {

result<std::optional<std::string>> environment_variable(std::string_view name) {
  auto sizes = sys::environ_sizes_get();
  if (!sizes) return fail(sizes.error());
  if (sizes->count == 0) return std::optional<std::string>();
  std::vector<char*> pointers(sizes->count);
  std::vector<char> buffer(sizes->buffer_size);
  if (auto r = sys::environ_get(pointers.data(), buffer.data()); !r) return fail(r.error());
  for (const char* entry : pointers) {
    const std::string_view text(entry);
    if (text.size() > name.size() && text.starts_with(name) && text[name.size()] == '=')
      return std::optional<std::string>(std::string(text.substr(name.size() + 1)));
  }
  return std::optional<std::string>();
}

}  // namespace wasio::detail
