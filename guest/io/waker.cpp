// wasio::waker: a registration without an fd, reported when its flag is set.

#include "wasio/io/waker.hpp"

#include "wasio/sys/sys.hpp"

namespace wasio {

result<void> interrupt_wake::interrupt() {
  auto r = sys::interrupt_poll();
  // notsup: this host cannot cut a blocked poll short; the flag still serves same-thread wakes.
  if (!r && r.error() == errc::notsup) return {};
  return r;
}

result<waker> waker::create(registry& r, std::unique_ptr<wake_strategy> strategy) {
  auto state = std::make_unique<detail::waker_state>();
  state->owner = &r;
  state->strategy = std::move(strategy);
  auto tok = r.allocate(0, nullptr, state.get());
  if (!tok) return fail(tok.error());
  state->tok = *tok;
  r.add_waker(state.get());
  return waker(std::move(state));
}

waker& waker::operator=(waker&& other) noexcept {
  if (this != &other) {
    reset();
    state_ = std::move(other.state_);
  }
  return *this;
}

waker::~waker() { reset(); }

void waker::reset() {
  if (!state_ || state_->owner == nullptr) return;
  state_->owner->remove_waker(state_.get());
  state_->owner->release(state_->tok.index());
  state_->owner = nullptr;
}

result<void> waker::wake() {
  if (!state_ || state_->owner == nullptr) return fail(errc::badf);  // moved from, or registry gone
  state_->pending.store(true, std::memory_order_release);
  state_->owner->wake_pending_.store(true, std::memory_order_release);
  return state_->strategy->interrupt();
}

}  // namespace wasio
