// The kv connection loop on wasio's readiness layer (level-triggered, interest follows the session).
#include "kv_server.hpp"

#include <chrono>
#include <cstdio>
#include <optional>
#include <span>

#include "wasio/sys/sys.hpp"

namespace kv {
namespace {

using wasio::errc;

void report(const char* what, errc code) {
  const auto text = wasio::message(code);
  std::fprintf(stderr, "kv: %s: %.*s\n", what, static_cast<int>(text.size()), text.data());
}

}  // namespace

kv_server::kv_server(std::vector<wasio::net::tcp_listener> listeners, request_limits limits)
    : listeners_(std::move(listeners)), limits_(limits), engine_(store_, stats_, limits) {}

std::int64_t kv_server::now_ms() const {
  // Redis's expiry times are Unix times (EXAT, PXAT), so the key space runs on the realtime clock.
  auto t = wasio::sys::clock_time_get(wasio::abi::clockid::realtime, 1000000);
  return t ? static_cast<std::int64_t>(*t / 1000000) : now_;
}

wasio::result<void> kv_server::run() {
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    auto tok = poll_.registry().register_source(listeners_[i], wasio::interest::readable);
    if (!tok) return wasio::fail(tok.error());
    if (entries_.size() <= tok->index()) entries_.resize(tok->index() + 1);
    entries_[tok->index()].listener = static_cast<int>(i);
  }
  now_ = now_ms();
  stats_.started_at_ms = now_;
  for (;;) {
    std::optional<std::chrono::nanoseconds> timeout;
    if (auto next = store_.next_expiry()) timeout = std::chrono::milliseconds(*next > now_ ? *next - now_ : 0);
    if (auto r = poll_.wait(events_, timeout); !r) {
      if (r.error() == errc::intr || r.error() == errc::again) continue;
      return r;
    }
    now_ = now_ms();
    for (const wasio::event& ev : events_) {
      const std::uint32_t slot = ev.token().index();
      if (slot >= entries_.size()) continue;
      entry& e = entries_[slot];
      if (e.listener >= 0) serve_listener(static_cast<std::size_t>(e.listener));
      else if (e.conn) serve_connection(slot, ev.is_read_closed() || ev.is_error());
    }
    store_.expire_due(now_, expire_budget);
  }
}

void kv_server::serve_listener(std::size_t index) {
  for (std::size_t i = 0; i < accepts_per_turn; ++i) {
    auto accepted = listeners_[index].accept();
    if (!accepted) {
      if (accepted.error() == errc::again) return;
      if (accepted.error() == errc::connaborted || accepted.error() == errc::intr) continue;
      report("accept failed", accepted.error());
      return;
    }
    auto conn = std::make_unique<connection>(std::move(*accepted), engine_, stats_, limits_);
    auto tok = poll_.registry().register_source(conn->stream, wasio::interest::readable);
    if (!tok) {
      report("cannot register a connection", tok.error());
      continue;  // the stream closes as conn goes
    }
    if (entries_.size() <= tok->index()) entries_.resize(tok->index() + 1);
    entries_[tok->index()] = entry{-1, std::move(conn)};
    ++stats_.connected_clients;
    ++stats_.total_connections_received;
  }
}

void kv_server::serve_connection(std::uint32_t slot, bool hangup) {
  connection& c = *entries_[slot].conn;
  bool peer_done = false;
  for (std::size_t i = 0; i < reads_per_turn && c.state.wants_input(); ++i) {
    const std::span<char> room = c.state.input_space();
    auto got = c.stream.read(std::as_writable_bytes(room));
    if (!got) {
      // A host that cannot show EOF through a read still flags the hang-up: nothing more will come.
      if (got.error() == errc::again) {
        peer_done = hangup;
        break;
      }
      close(slot);
      return;
    }
    if (*got == 0) {
      peer_done = true;
      break;
    }
    c.state.input_committed(*got);
    c.state.process(now_);
    // A short read emptied the socket: the next event says when more arrives (saves a would_block).
    if (*got < room.size()) break;
  }
  if (!flush(slot)) return;
  if (peer_done) {
    close(slot);  // as Redis: a client that closed gets no more replies
    return;
  }
  update_interest(slot);
}

bool kv_server::flush(std::uint32_t slot) {
  connection& c = *entries_[slot].conn;
  reply_buffer& out = c.state.output();
  while (!out.empty()) {
    const std::string_view pending = out.view();
    auto put = c.stream.write(std::as_bytes(std::span(pending.data(), pending.size())));
    if (!put) {
      if (put.error() == errc::again) break;
      close(slot);
      return false;
    }
    out.consume(*put);
    // Requests held back by the output high-water mark run now that there is room.
    if (c.state.buffered_input() > 0) c.state.process(now_);
  }
  if (c.state.closing() && out.empty()) {
    close(slot);
    return false;
  }
  return true;
}

bool kv_server::update_interest(std::uint32_t slot) {
  connection& c = *entries_[slot].conn;
  const bool read = c.state.wants_input();
  const bool write = !c.state.output().empty();
  if (read == c.reading && write == c.writing) return true;
  // One of the two holds: a session that wants no input has output waiting (high water or closing).
  const wasio::interest what = read && write ? wasio::interest::readable | wasio::interest::writable
                               : read        ? wasio::interest::readable
                                             : wasio::interest::writable;
  if (auto r = poll_.registry().reregister(c.stream, what); !r) {
    report("cannot change a registration", r.error());
    close(slot);
    return false;
  }
  c.reading = read;
  c.writing = write;
  return true;
}

void kv_server::close(std::uint32_t slot) {
  // Destroying the stream deregisters and closes it.
  entries_[slot].conn.reset();
  --stats_.connected_clients;
}

}  // namespace kv
