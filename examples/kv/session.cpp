// Per-connection buffering: one contiguous input buffer, compacted rather than reallocated.
#include "session.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace kv {

namespace {
// Past this, an idle session gives its buffers back (a one-off large request or reply must not pin
// memory to the connection).
constexpr std::size_t retained_capacity = 1u << 20;
}  // namespace

session::session(command_engine& engine, server_stats& stats, request_limits limits, std::size_t output_high_water)
    : engine_(engine), stats_(stats), parser_(limits), output_high_water_(output_high_water) {}

session::~session() { stats_.client_buffer_bytes -= accounted_; }

void session::account() {
  const std::size_t now = capacity_ + output_.capacity();
  stats_.client_buffer_bytes = stats_.client_buffer_bytes - accounted_ + now;
  accounted_ = now;
}

void session::output_sent(std::size_t count) {
  output_.consume(count);
  if (output_.size() < engine_.config().normal.soft_bytes) soft_limit_since_ = -1;  // as a check would
  if (output_.empty() && cursor_.next_argument == 0) output_.release_if_above(retained_capacity);
  account();
}

void session::fail_output_limit() {
  if (!over_limit_) ++stats_.output_limit_disconnections;
  over_limit_ = true;
  closing_ = true;
  cursor_ = {};
  output_.clear();
  output_.release_if_above(0);
  account();
}

bool session::check_output_limits(std::int64_t now_ms) {
  if (over_limit_) return true;
  // Redis's checkClientOutputBufferLimits: the hard limit at once; the soft one once it has been
  // held for more than soft_seconds (reset whenever the output falls below it).
  const output_buffer_limit& limit = engine_.config().normal;
  const std::uint64_t pending = output_.size();
  const bool hard = limit.hard_bytes != 0 && pending >= limit.hard_bytes;
  bool soft = limit.soft_bytes != 0 && pending >= limit.soft_bytes;
  if (soft) {
    if (soft_limit_since_ < 0) {
      soft_limit_since_ = now_ms;
      soft = false;
    } else if (now_ms - soft_limit_since_ <= limit.soft_seconds * 1000) {
      soft = false;
    }
  } else {
    soft_limit_since_ = -1;
  }
  if (hard || soft) fail_output_limit();
  return over_limit_;
}

std::optional<std::int64_t> session::soft_limit_deadline() const {
  const output_buffer_limit& limit = engine_.config().normal;
  if (soft_limit_since_ < 0 || limit.soft_bytes == 0 || output_.size() < limit.soft_bytes) return std::nullopt;
  return soft_limit_since_ + limit.soft_seconds * 1000 + 1;
}

bool session::over_client_memory(std::size_t bytes) const {
  const std::uint64_t limit = engine_.config().maxmemory_clients;
  return limit != 0 && bytes > client_grace && stats_.client_buffer_bytes - accounted_ + bytes > limit;
}

void session::fail_client_memory() {
  if (!over_limit_) ++stats_.evicted_clients;
  over_limit_ = evicted_ = true;  // counted here, not as an output-limit disconnection
  closing_ = true;
  cursor_ = {};
  output_.clear();
  output_.release_if_above(0);
  input_.reset();
  capacity_ = begin_ = end_ = 0;
  account();
}

void session::finish_request() {
  begin_ += parser_.consumed();
  parser_.reset();
}

std::span<char> session::input_space(std::size_t at_least) {
  if (cursor_.next_argument != 0) {
    std::fprintf(stderr, "kv::session: input_space() while a reply is produced from the input buffer\n");
    std::abort();
  }
  if (over_limit_) return {};
  if (capacity_ - end_ < at_least) {
    const std::size_t used = end_ - begin_;
    if (begin_ > 0 && capacity_ - used >= at_least) {
      // The parser keeps offsets from the request's start, so moving the request keeps them valid.
      std::memmove(input_.get(), input_.get() + begin_, used);
    } else {
      std::size_t grown = capacity_ == 0 ? at_least : capacity_ * 2;
      while (grown - used < at_least) grown *= 2;
      // Doubling, but never past what the request in progress needs once its size is known: a
      // 32 MiB value costs 32 MiB (plus one read's room), not 64. Growth still follows the bytes
      // that arrived (at most twice them), so a bulk header alone reserves nothing.
      const std::size_t needed = parser_.bytes_needed();
      if (needed > used + at_least && grown > needed) grown = needed;
      if (over_client_memory(grown + output_.capacity())) {
        fail_client_memory();
        return {};
      }
      auto bigger = std::make_unique_for_overwrite<char[]>(grown);
      if (used > 0) std::memcpy(bigger.get(), input_.get() + begin_, used);
      input_ = std::move(bigger);
      capacity_ = grown;
    }
    begin_ = 0;
    end_ = used;
  }
  return {input_.get() + end_, capacity_ - end_};
}

void session::input_committed(std::size_t count) { end_ += count; }

void session::process(std::int64_t now_ms) {
  while (!closing_ && output_.size() < output_high_water_) {
    after_reply next = after_reply::keep_open;
    if (cursor_.next_argument != 0) {
      // Lifetime: the arguments are views into input_ at begin_, untouched while the reply is
      // produced (no input is read meanwhile: wants_input() is false).
      next = engine_.resume(parser_.arguments(), output_, now_ms, cursor_, output_high_water_);
    } else {
      if (begin_ >= end_) break;
      const std::string_view pending(input_.get() + begin_, end_ - begin_);
      const parse_status status = parser_.parse(pending);
      if (status == parse_status::incomplete) break;
      if (status == parse_status::protocol_error) {
        ++stats_.rejected_requests;
        output_.error("ERR " + std::string(parser_.error()));
        closing_ = true;
        break;
      }
      if (!parser_.arguments().empty())
        next = engine_.execute(parser_.arguments(), output_, now_ms, &cursor_, output_high_water_);
    }
    if (next == after_reply::more) break;
    if (next == after_reply::over_output_limit) {
      fail_output_limit();
      break;
    }
    if (next == after_reply::close) closing_ = true;
    finish_request();
  }
  if (begin_ == end_ && cursor_.next_argument == 0) {
    begin_ = end_ = 0;
    if (capacity_ > retained_capacity) {
      input_.reset();
      capacity_ = 0;
    }
  }
  paused_ = !closing_ && (cursor_.next_argument != 0 || (begin_ < end_ && output_.size() >= output_high_water_));
  if (!over_limit_ && over_client_memory(capacity_ + output_.capacity())) fail_client_memory();
  account();
  (void)check_output_limits(now_ms);
}

}  // namespace kv
