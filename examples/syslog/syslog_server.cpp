// The receiver's tasks: accept loops, one task per connection, the idle watch, the stdout flusher.
#include "syslog_server.hpp"

#include <array>
#include <cstdio>
#include <optional>
#include <memory>
#include <span>

#include "wasio/io/poll.hpp"
#include "wasio/rt/clock.hpp"
#include "wasio/rt/accept_loop.hpp"
#include "wasio/rt/time.hpp"
#include "wasio/sys/sys.hpp"

namespace syslog {
namespace {

using wasio::errc;
constexpr wasio::sys::fd_t stdout_fd = 1;

}  // namespace

bool syslog_server::limit_reached() const {
  return options_.max_messages && stats_.messages + stats_.malformed >= *options_.max_messages;
}

wasio::task<void> syslog_server::accept_loop(wasio::rt::runtime& rt, wasio::rt::tcp_listener& listener) {
  return wasio::rt::accept_loop(
      listener,
      [this, &rt](wasio::rt::tcp_stream stream) {
        // Counted here, at accept, so a burst cannot overshoot the limit before the tasks run.
        if (open_ >= options_.max_connections) {
          ++stats_.refused;
          log_.report("connection refused", "--max-connections are open");
          return;  // the stream closes here
        }
        ++open_;
        rt.spawn(receive(rt, std::move(stream)));
      },
      log_);
}

wasio::task<void> syslog_server::receive(wasio::rt::runtime& rt, wasio::rt::tcp_stream stream) {
  ++stats_.connections;
  frame_decoder decoder(options_.max_message_length);
  // A quiet connection reads into this small buffer; a busy one (a frame under way, or the last
  // read filled the big buffer) into read_size, given back when it goes quiet again.
  std::array<char, idle_read_size> small;
  std::unique_ptr<char[]> big;
  std::optional<wasio::rt::clock::time_point> frame_deadline;
  bool busy = false;
  while (!limit_reached()) {
    // A file that cannot take lines (full disk) stops reading: the client's sends block in TCP. The
    // time held back is ours, not the sender's: it does not count against its frame's deadline.
    if (file_ != nullptr && file_->backpressure()) {
      const auto held_since = wasio::rt::clock::now();
      while (file_->backpressure()) {
        ++file_->stats().backpressure_waits;
        if (!co_await wasio::rt::sleep_for(backpressure_pause)) break;
      }
      if (frame_deadline) *frame_deadline += wasio::rt::clock::now() - held_since;
    }
    const bool in_frame = decoder.in_frame();
    if (!in_frame) {
      frame_deadline.reset();
      decoder.release_buffer();
    } else if (!frame_deadline) {
      frame_deadline = wasio::rt::deadline_after(options_.frame_timeout);
    }
    if (!in_frame && !busy) big.reset();
    std::span<char> into(small);
    if (in_frame || busy) {
      if (!big) big = std::make_unique_for_overwrite<char[]>(read_size);
      into = std::span<char>(big.get(), read_size);
    }
    // One deadline per frame (from its first byte) and per quiet spell: trickling does not renew it.
    wasio::rt::clock::duration wait = wasio::rt::clock::duration::max();
    if (frame_deadline) wait = *frame_deadline - wasio::rt::clock::now();
    else if (options_.idle_timeout.count() > 0) wait = options_.idle_timeout;
    wasio::result<std::size_t> got = wasio::fail(errc::timedout);
    if (wait > wasio::rt::clock::duration::zero())
      got = co_await wasio::rt::with_timeout(wait, stream.read(std::as_writable_bytes(into)));
    if (!got) {
      if (got.error() == errc::timedout) {
        ++stats_.timed_out;
        decoder.abandon("frame timed out", sink_);
      } else if (got.error() != errc::canceled) {
        log_.report("read failed", got.error());
      }
      break;
    }
    if (*got == 0) break;
    busy = *got == into.size();
    stats_.bytes += *got;
    decoder.feed(std::string_view(into.data(), *got), sink_);
    after_input(rt);
  }
  // Frames this connection already delivered are accepted messages: the last one is finished too.
  decoder.finish(sink_);
  after_input(rt);
  if (--open_ == 0) idle_since_ = std::chrono::steady_clock::now();
}

void syslog_server::after_input(wasio::rt::runtime& rt) {
  if (file_ != nullptr) {
    const auto now = std::chrono::steady_clock::now();
    file_->accept(lines_, now);
    lines_.clear();
    file_->on_input(now);
    if (limit_reached()) rt.request_stop();
    return;
  }
  if (lines_.size() >= flush_threshold) {
    if (auto r = flush_stdout(); !r) rt.request_stop();
  } else if (!lines_.empty() && !flush_scheduled_) {
    flush_scheduled_ = true;
    rt.spawn(flush_after_turn(rt));
  }
  if (limit_reached()) rt.request_stop();
}

wasio::task<void> syslog_server::flush_after_turn(wasio::rt::runtime& rt) {
  // Every task that is ready now runs once first, so one write carries all of this turn's lines.
  co_await wasio::rt::yield();
  flush_scheduled_ = false;
  if (auto r = flush_stdout(); !r) rt.request_stop();
}

wasio::task<void> syslog_server::idle_watch(wasio::rt::runtime& rt) {
  if (!options_.idle_exit) co_return;
  const auto idle = *options_.idle_exit;
  for (;;) {
    auto wait = std::chrono::steady_clock::duration(idle);
    if (open_ == 0 && idle_since_) {
      const auto quiet = std::chrono::steady_clock::now() - *idle_since_;
      if (quiet >= idle) {
        rt.request_stop();
        co_return;
      }
      wait = idle - quiet;
    }
    if (!co_await wasio::rt::sleep_for(std::chrono::duration_cast<wasio::rt::clock::duration>(wait))) co_return;
  }
}

wasio::result<void> syslog_server::flush_stdout() {
  if (stdout_error_) return wasio::fail(*stdout_error_);
  std::size_t done = 0;
  while (done < lines_.size()) {
    const wasio::sys::const_buffer from{reinterpret_cast<const std::byte*>(lines_.data() + done), lines_.size() - done};
    auto put = wasio::sys::fd_write(stdout_fd, std::span(&from, 1));
    if (put) {
      done += *put;
      continue;
    }
    if (put.error() == errc::again) {
      // A non-blocking stdout: wait for room right here, holding every client meanwhile.
      wasio::poll stdout_poll;
      wasio::source out(stdout_fd);
      wasio::events ready;
      if (auto tok = stdout_poll.registry().register_source(out, wasio::interest::writable); tok)
        if (auto r = stdout_poll.wait(ready, std::nullopt); r) continue;
    }
    log_.report("cannot write to stdout", put.error());
    stdout_error_ = put.error();
    return wasio::fail(put.error());
  }
  lines_.clear();
  return {};
}

wasio::result<void> syslog_server::finish() {
  if (file_ != nullptr) return file_->finish(std::chrono::steady_clock::now());
  return flush_stdout();
}

wasio::task<void> syslog_server::reopen_on_request(wasio::rt::service& svc) {
  if (file_ == nullptr) co_return;
  for (;;) {
    // The awaits' results go into variables: GCC 12 mishandles a co_await's temporaries inside a condition.
    wasio::result<void> requested = co_await svc.next_reopen();
    if (!requested) co_return;  // the runtime is stopping
    file_->reopen(std::chrono::steady_clock::now());
    log_.report("output reopened (SIGHUP)", file_->options().path);
  }
}

wasio::task<void> syslog_server::stop_on_shutdown(wasio::rt::runtime& rt, wasio::rt::service& svc) {
  wasio::result<void> requested = co_await svc.wait_shutdown();
  if (!requested) co_return;  // the runtime stopped first (--idle-exit-ms, --max-messages)
  log_.report("shutdown requested", "finishing the frames already received");
  rt.request_stop();
}

wasio::task<void> syslog_server::file_ticker(wasio::rt::runtime&) {
  if (file_ == nullptr) co_return;
  const auto period = std::chrono::duration_cast<wasio::rt::clock::duration>(file_->options().flush_interval);
  while (co_await wasio::rt::sleep_for(period)) {
    file_->on_tick(std::chrono::steady_clock::now());
    log_.tick();
  }
}

}  // namespace syslog
