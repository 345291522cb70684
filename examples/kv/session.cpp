// Per-connection buffering: one contiguous input buffer, compacted rather than reallocated.
#include "session.hpp"

#include <cstring>
#include <string>

namespace kv {

namespace {
// Past this, an idle session gives its input buffer back (a one-off large request must not pin it).
constexpr std::size_t retained_input_capacity = 1u << 20;
}  // namespace

session::session(command_engine& engine, server_stats& stats, request_limits limits, std::size_t output_high_water)
    : engine_(engine), stats_(stats), parser_(limits), output_high_water_(output_high_water) {}

std::span<char> session::input_space(std::size_t at_least) {
  if (capacity_ - end_ < at_least) {
    const std::size_t used = end_ - begin_;
    if (begin_ > 0 && capacity_ - used >= at_least) {
      // The parser keeps offsets from the request's start, so moving the request keeps them valid.
      std::memmove(input_.get(), input_.get() + begin_, used);
    } else {
      std::size_t grown = capacity_ == 0 ? at_least : capacity_ * 2;
      while (grown - used < at_least) grown *= 2;
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
  while (!closing_ && output_.size() < output_high_water_ && begin_ < end_) {
    const std::string_view pending(input_.get() + begin_, end_ - begin_);
    const parse_status status = parser_.parse(pending);
    if (status == parse_status::incomplete) break;
    if (status == parse_status::protocol_error) {
      ++stats_.rejected_requests;
      output_.error("ERR " + std::string(parser_.error()));
      closing_ = true;
      break;
    }
    if (!parser_.arguments().empty() && engine_.execute(parser_.arguments(), output_, now_ms) == after_reply::close)
      closing_ = true;
    begin_ += parser_.consumed();
    parser_.reset();
  }
  if (begin_ == end_) {
    begin_ = end_ = 0;
    if (capacity_ > retained_input_capacity) {
      input_.reset();
      capacity_ = 0;
    }
  }
}

}  // namespace kv
