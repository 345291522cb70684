// The receiver's loop on wasio's readiness layer: read, decode, queue JSON, flush stdout per tick.
#include "syslog_server.hpp"

#include <cstdio>
#include <span>

#include "wasio/sys/sys.hpp"

namespace syslog {
namespace {

using wasio::errc;
constexpr wasio::sys::fd_t stdout_fd = 1;

void report(const char* what, errc code) {
  const auto text = wasio::message(code);
  std::fprintf(stderr, "syslog: %s: %.*s\n", what, static_cast<int>(text.size()), text.data());
}

}  // namespace

syslog_server::syslog_server(std::vector<wasio::net::tcp_listener> listeners, server_options options)
    : options_(options), listeners_(std::move(listeners)) {}

std::int64_t syslog_server::monotonic_ms() const {
  auto t = wasio::sys::clock_time_get(wasio::abi::clockid::monotonic, 1000000);
  return t ? static_cast<std::int64_t>(*t / 1000000) : 0;
}

bool syslog_server::limit_reached() const {
  return options_.max_messages && stats_.messages + stats_.malformed >= *options_.max_messages;
}

wasio::result<void> syslog_server::run() {
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    auto tok = poll_.registry().register_source(listeners_[i], wasio::interest::readable);
    if (!tok) return wasio::fail(tok.error());
    if (entries_.size() <= tok->index()) entries_.resize(tok->index() + 1);
    entries_[tok->index()].listener = static_cast<int>(i);
  }
  while (!limit_reached()) {
    std::optional<std::chrono::nanoseconds> timeout;
    const bool served_any = stats_.connections > 0;
    if (options_.idle_exit && served_any && open_ == 0) {
      const std::int64_t left = idle_since_ms_ + options_.idle_exit->count() - monotonic_ms();
      if (left <= 0) break;
      timeout = std::chrono::milliseconds(left);
    }
    if (auto r = poll_.wait(events_, timeout); !r) {
      if (r.error() == errc::intr || r.error() == errc::again) continue;
      return r;
    }
    for (const wasio::event& ev : events_) {
      const std::uint32_t slot = ev.token().index();
      if (slot >= entries_.size()) continue;
      entry& e = entries_[slot];
      if (e.listener >= 0) serve_listener(static_cast<std::size_t>(e.listener));
      else if (e.conn) serve_connection(slot, ev.is_read_closed() || ev.is_error());
      if (lines_.size() >= flush_threshold)
        if (auto r = flush_stdout(); !r) return r;
    }
    if (auto r = flush_stdout(); !r) return r;
  }
  // Frames already received on open connections are part of what was accepted: finish them.
  for (std::uint32_t slot = 0; slot < entries_.size(); ++slot)
    if (entries_[slot].conn) close(slot);
  return flush_stdout();
}

void syslog_server::serve_listener(std::size_t index) {
  for (std::size_t i = 0; i < accepts_per_turn; ++i) {
    auto accepted = listeners_[index].accept();
    if (!accepted) {
      if (accepted.error() == errc::again) return;
      if (accepted.error() == errc::connaborted || accepted.error() == errc::intr) continue;
      report("accept failed", accepted.error());
      return;
    }
    auto conn = std::make_unique<connection>(std::move(*accepted), options_.max_message_length);
    auto tok = poll_.registry().register_source(conn->stream, wasio::interest::readable);
    if (!tok) {
      report("cannot register a connection", tok.error());
      continue;
    }
    if (entries_.size() <= tok->index()) entries_.resize(tok->index() + 1);
    entries_[tok->index()] = entry{-1, std::move(conn)};
    ++open_;
    ++stats_.connections;
  }
}

void syslog_server::serve_connection(std::uint32_t slot, bool hangup) {
  connection& c = *entries_[slot].conn;
  for (std::size_t i = 0; i < reads_per_turn; ++i) {
    auto got = c.stream.read(std::as_writable_bytes(std::span(buffer_)));
    if (!got) {
      if (got.error() == errc::again && !hangup) return;
      if (got.error() != errc::again) report("read failed", got.error());
      break;  // reset, error, or a hang-up the host shows only as a flag
    }
    if (*got == 0) break;
    stats_.bytes += *got;
    c.decoder.feed(std::string_view(buffer_.data(), *got), sink_);
    if (*got < buffer_.size() || lines_.size() >= flush_threshold) return;
  }
  close(slot);
}

void syslog_server::close(std::uint32_t slot) {
  entries_[slot].conn->decoder.finish(sink_);
  entries_[slot].conn.reset();
  --open_;
  if (open_ == 0) idle_since_ms_ = monotonic_ms();
}

wasio::result<void> syslog_server::flush_stdout() {
  std::size_t done = 0;
  while (done < lines_.size()) {
    const wasio::sys::const_buffer from{reinterpret_cast<const std::byte*>(lines_.data() + done), lines_.size() - done};
    auto put = wasio::sys::fd_write(stdout_fd, std::span(&from, 1));
    if (put) {
      done += *put;
      continue;
    }
    if (put.error() != errc::again) {
      report("cannot write to stdout", put.error());
      return wasio::fail(put.error());
    }
    // A non-blocking stdout: wait for room, and hold every client meanwhile.
    wasio::poll stdout_poll;
    wasio::source out(stdout_fd);
    if (auto tok = stdout_poll.registry().register_source(out, wasio::interest::writable); !tok)
      return wasio::fail(tok.error());
    wasio::events ready;
    if (auto r = stdout_poll.wait(ready, std::nullopt); !r) return r;
  }
  lines_.clear();
  return {};
}

}  // namespace syslog
