// wasio::rt::until_stopped: a waiter resumed by whichever of two stop tokens stops first.

#include "wasio/rt/with_stop.hpp"

namespace wasio::rt {

bool until_stopped::start(runtime& rt, std::coroutine_handle<> h, stop_token own) {
  if (own.stop_requested()) {
    outcome_ = fail(errc::canceled);
    return false;
  }
  rt_ = &rt;
  node_.handle = h;
  // await_ready saw the token running; nothing between could stop it (single-threaded).
  watch_token_.attach(token_, &on_token, this);
  watch_own_.attach(own, &on_own, this);
  return true;
}

void until_stopped::on_token(void* p) {
  auto& self = *static_cast<until_stopped*>(p);
  self.watch_own_.reset();
  self.rt_->schedule(self.node_);
}

void until_stopped::on_own(void* p) {
  auto& self = *static_cast<until_stopped*>(p);
  self.watch_token_.reset();
  self.outcome_ = fail(errc::canceled);
  self.rt_->schedule(self.node_);
}

}  // namespace wasio::rt
