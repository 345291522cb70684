// Single-threaded stop sources: an intrusive list of callbacks per source.

#include "wasio/rt/stop.hpp"

#include <cstdio>
#include <cstdlib>

namespace wasio::rt {

stop_source::~stop_source() {
  // Lifetime: callbacks still attached (frames torn down in any order) must not point here later.
  while (state_.first != nullptr) state_.first->reset();
}

bool stop_source::request_stop() {
  if (state_.stopped) return false;
  state_.stopped = true;
  // Each callback is detached before it runs, so it may destroy or re-attach itself freely.
  while (stop_callback* cb = state_.first) {
    const stop_callback::function fn = cb->fn_;
    void* context = cb->context_;
    cb->reset();
    fn(context);
  }
  return true;
}

bool stop_callback::attach(stop_token token, function fn, void* context) {
  if (state_ != nullptr) {
    std::fprintf(stderr, "wasio: stop_callback attached twice\n");
    std::abort();
  }
  if (token.state_ == nullptr) return true;
  if (token.state_->stopped) {
    fn(context);
    return false;
  }
  fn_ = fn;
  context_ = context;
  state_ = token.state_;
  prev_ = state_->last;
  next_ = nullptr;
  if (prev_ != nullptr) prev_->next_ = this; else state_->first = this;
  state_->last = this;
  return true;
}

void stop_callback::reset() {
  if (state_ == nullptr) return;
  if (prev_ != nullptr) prev_->next_ = next_; else state_->first = next_;
  if (next_ != nullptr) next_->prev_ = prev_; else state_->last = prev_;
  prev_ = next_ = nullptr;
  state_ = nullptr;
}

}  // namespace wasio::rt
