// kv's protocol core (RESP parser, command engine, store, output limits) fed whatever a client may
// send. Input: one byte N, N bytes of piece sizes, then the bytes the client sends.
// Checks, besides what ASan and UBSan see: the same bytes give the same replies whether they arrive
// at once or in pieces (the parser's state across reads; INFO and maxmemory aside, whose figures and
// OOM replies count the buffers the reads grew), and no reply in steps runs for ever.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "kv_store.hpp"
#include "server_stats.hpp"
#include "session.hpp"

namespace {

constexpr std::int64_t now_ms = 1'700'000'000'000;

/// The client reads everything (so process() never stays paused) and the bytes go in as `pieces` says.
template <typename Pieces>
std::string replies_to(Pieces&& pieces) {
  kv::kv_store store;
  kv::server_stats stats;
  kv::command_engine engine(store, stats);
  kv::session s(engine, stats);
  std::string replies;
  auto drain = [&] {
    for (int turn = 0; turn < 1'000'000; ++turn) {
      const std::string_view out = s.output().view();
      replies.append(out);
      s.output_sent(out.size());
      if (!s.has_work() || s.over_output_limit()) return;
      s.process(now_ms);
    }
    std::abort();  // a reply in steps that never ends
  };
  pieces([&](std::string_view piece) {
    while (!piece.empty() && !s.closing() && !s.over_output_limit()) {
      auto room = s.input_space(piece.size());
      if (room.empty()) return;
      const std::size_t n = room.size() < piece.size() ? room.size() : piece.size();
      std::memcpy(room.data(), piece.data(), n);
      s.input_committed(n);
      piece.remove_prefix(n);
      s.process(now_ms);
      drain();
    }
  });
  if (s.over_output_limit()) replies += "<closed: output limit>";
  if (s.closing()) replies += "<closing>";
  return replies;
}

/// True when `bytes` holds `word` (lower case) in any case.
bool mentions(std::string_view bytes, std::string_view word) {
  for (std::size_t i = 0; i + word.size() <= bytes.size(); ++i) {
    std::size_t k = 0;
    while (k < word.size() && (bytes[i + k] | 0x20) == word[k]) ++k;
    if (k == word.size()) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The clients' buffers count in used memory (as in Redis) and their sizes depend on the reads, so
  // INFO's figures and a small maxmemory's OOM replies may differ by split: compare without them.
  wasio_fuzz::check_split_independence(data, size, "the replies", [](auto&& pieces) { return replies_to(pieces); },
                                       [](std::string_view sent) { return !mentions(sent, "info") && !mentions(sent, "maxmemory"); });
  return 0;
}
