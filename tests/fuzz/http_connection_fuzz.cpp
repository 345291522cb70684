// The HTTP example's connection core (llhttp in strict mode, the request validator, the limits, the
// router and /echo streaming), fed whatever a client may send. Input: one byte N, N bytes of piece
// sizes, then the bytes the client sends; the stream ends with the peer closing.
// Checks, besides ASan and UBSan: the responses do not depend on how the bytes were split into
// reads (pauses and limits are exact); output never grows past its high-water mark plus one read
// while the caller keeps writing it; every feed makes progress; nothing is parsed once closing.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "http_connection.hpp"

namespace {

constexpr std::int64_t fixed_time = 784111777;  // one Date header for every run

template <typename Pieces>
std::string responses_to(Pieces&& pieces) {
  http::server_config config;
  http::server_stats stats;
  http::http_date date;
  date.update(fixed_time);
  http::server_context context{config, stats, date};
  http::http_connection c(context);
  std::string written;
  pieces([&](std::string_view piece) {
    while (!piece.empty() && c.phase() != http::connection_phase::closing) {
      const std::size_t used = c.feed(piece);
      if (used > piece.size()) std::abort();
      if (used == 0 && c.output().empty()) std::abort();  // no progress: the caller would spin
      if (c.output().size() > http::http_connection::output_high_water + piece.size() + 4096) std::abort();
      piece.remove_prefix(used);
      written += c.output();
      c.output().clear();
      if (c.phase() == http::connection_phase::idle) c.release_idle_buffers();
    }
  });
  if (c.phase() != http::connection_phase::closing) c.on_peer_closed();
  written += c.output();
  c.output().clear();
  written += c.phase() == http::connection_phase::closing ? "<closing>" : "<open>";
  return written;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wasio_fuzz::check_split_independence(data, size, "the responses", [](auto&& pieces) { return responses_to(pieces); },
                                       [](std::string_view) { return true; });
  return 0;
}
