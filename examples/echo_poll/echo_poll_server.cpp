// echo_poll::server: see echo_poll_server.hpp.

#include "echo_poll_server.hpp"

#include <chrono>
#include <cstdio>
#include <span>

namespace echo_poll {

using namespace std::chrono_literals;

namespace {
constexpr std::size_t buffer_size = 64 * 1024;
// After an accept failure other than would_block (out of fds...), wait this long before retrying, so
// a listener that cannot be served does not spin the loop.
constexpr auto accept_retry = 10ms;
}  // namespace

server::server(std::vector<wasio::net::tcp_listener> listeners)
    : listeners_(std::move(listeners)), buffer_(buffer_size) {}

server::entry& server::slot_for(wasio::token tok) {
  if (tok.index() >= entries_.size()) entries_.resize(tok.index() + 1);
  entry& e = entries_[tok.index()];
  e.tok = tok;
  return e;
}

wasio::result<void> server::run(std::optional<wasio::token> stop) {
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    if (listeners_[i].is_registered()) continue;
    auto tok = registry().register_source(listeners_[i], wasio::interest::readable, wasio::trigger::edge);
    if (!tok) return wasio::fail(tok.error());
    slot_for(*tok).listener = static_cast<int>(i);
  }
  for (;;) {
    std::optional<std::chrono::nanoseconds> timeout;
    if (!unfinished_.empty()) timeout = 0ns;
    else if (accept_failed_) timeout = accept_retry;
    if (auto r = poll_.wait(events_, timeout); !r) return r;
    ++stats_.polls;

    // The rest of the batch is served before returning: an edge event skipped now would not come back.
    bool stopping = false;
    for (const wasio::event& ev : events_) {
      if (stop && ev.token() == *stop) {
        stopping = true;
        continue;
      }
      dispatch(ev.token());
    }
    if (stopping) return {};
    unfinished_next_.swap(unfinished_);
    unfinished_.clear();
    for (wasio::token tok : unfinished_next_) dispatch(tok);
    if (accept_failed_) {
      accept_failed_ = false;
      for (std::size_t i = 0; i < listeners_.size(); ++i) serve_listener(i);
    }
  }
}

wasio::result<void> server::run_until_shutdown(wasio::control_stream& control, std::chrono::milliseconds drain_timeout) {
  auto tok = registry().register_source(control, wasio::interest::readable);
  if (!tok) return wasio::fail(tok.error());
  for (;;) {
    if (auto r = run(*tok); !r) return r;
    auto got = control.drain();
    // A failed or ended stream can bring no request: shut down rather than serve deaf.
    if (!got || got->shutdown > 0 || got->ended) break;
  }
  (void)registry().deregister(control);
  for (auto& listener : listeners_) (void)listener.close();  // new clients are refused from here
  auto drained = drain(drain_timeout);
  if (!drained) return wasio::fail(drained.error());
  return *drained ? wasio::result<void>() : wasio::fail(wasio::errc::timedout);
}

wasio::result<bool> server::drain(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    bool pending = false;
    for (entry& e : entries_) {
      if (!e.conn) continue;
      if (!flush(e)) {
        if (e.conn) pending = true;  // the socket is full: wait for it below
        continue;
      }
      (void)e.conn->stream.shutdown(wasio::net::shutdown_how::write);
      close(e);
    }
    if (!pending) return true;
    const auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) break;
    if (auto r = poll_.wait(events_, std::chrono::duration_cast<std::chrono::nanoseconds>(left)); !r)
      return wasio::fail(r.error());
  }
  for (entry& e : entries_)
    if (e.conn) close(e);
  return false;
}

void server::dispatch(wasio::token tok) {
  if (tok.index() >= entries_.size()) return;
  entry& e = entries_[tok.index()];
  if (e.tok != tok) return;  // a registration that ended this turn
  if (e.listener >= 0) serve_listener(static_cast<std::size_t>(e.listener));
  else if (e.conn) serve_connection(e);
}

void server::serve_listener(std::size_t index) {
  wasio::net::tcp_listener& listener = listeners_[index];
  for (std::size_t n = 0; n < accepts_per_turn; ++n) {
    auto stream = listener.accept();
    if (!stream) {
      if (stream.error() == wasio::would_block) return;  // re-armed
      if (stream.error() == wasio::errc::connaborted) continue;
      accept_failed_ = true;
      return;
    }
    auto conn = std::make_unique<connection>(std::move(*stream));
    auto tok = registry().register_source(conn->stream, wasio::interest::readable | wasio::interest::writable,
                                          wasio::trigger::edge);
    if (!tok) continue;  // the connection closes with `conn`
    entry& e = slot_for(*tok);
    e.listener = -1;
    e.conn = std::move(conn);
    ++open_connections_;
    ++stats_.accepted;
  }
  unfinished_.push_back(listener.registration());
}

bool server::flush(entry& e) {
  connection& c = *e.conn;
  while (c.pending_from < c.pending.size()) {
    auto n = c.stream.write(std::span(c.pending).subspan(c.pending_from));
    if (!n) {
      if (n.error() != wasio::would_block) close(e);
      return false;  // would_block re-armed the write direction
    }
    c.pending_from += *n;
    stats_.bytes_echoed += *n;
  }
  c.pending.clear();
  c.pending_from = 0;
  return true;
}

void server::serve_connection(entry& e) {
  for (std::size_t reads = 0;; ++reads) {
    if (!flush(e)) return;
    connection& c = *e.conn;
    if (c.peer_done) {  // everything the peer sent is echoed: end our side too
      close(e);
      return;
    }
    if (reads == reads_per_turn) {
      unfinished_.push_back(e.tok);
      return;
    }
    auto n = c.stream.read(buffer_);
    if (!n) {
      if (n.error() != wasio::would_block) close(e);  // reset or failure: nothing more to echo
      return;                                          // would_block re-armed the read direction
    }
    if (*n == 0) {
      c.peer_done = true;
      continue;
    }
    const auto got = std::span(buffer_).first(*n);
    auto written = c.stream.write(got);
    if (!written && written.error() != wasio::would_block) {
      close(e);
      return;
    }
    const std::size_t done = written ? *written : 0;
    stats_.bytes_echoed += done;
    c.pending.assign(got.begin() + static_cast<std::ptrdiff_t>(done), got.end());
    c.pending_from = 0;
  }
}

void server::close(entry& e) {
  (void)e.conn->stream.close();  // deregisters; a reset peer may make close report an error
  e.conn.reset();
  e.tok = {};
  --open_connections_;
  ++stats_.closed;
}

}  // namespace echo_poll
