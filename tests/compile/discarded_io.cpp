// Compile test: an ignored I/O result must fail the build with -Werror (tests/compile/CMakeLists.txt).
// With WASIO_DISCARD the coroutine drops the result of `co_await s.read(b)`; without it, it keeps it.

#include <array>
#include <cstddef>

#include "wasio/rt/tcp_stream.hpp"

wasio::task<void> read_once(wasio::rt::tcp_stream& s) {
  std::array<std::byte, 16> b;
#ifdef WASIO_DISCARD
  co_await s.read(b);
#else
  if (auto n = co_await s.read(b); !n) co_return;
#endif
}
