// Sleeps and deadlines on the runtime's timer heap.

#include "wasio/rt/time.hpp"

namespace wasio::rt {

bool sleep_until::start(runtime& rt, std::coroutine_handle<> h, stop_token token) {
  if (token.stop_requested()) {
    outcome_ = fail(errc::canceled);
    return false;
  }
  if (deadline_ <= clock::now()) return false;
  rt_ = &rt;
  node_.handle = h;
  timer_.fire = &on_fire;
  timer_.context = this;
  rt.arm(timer_, deadline_);
  cancel_.attach(token, &on_stop, this);
  return true;
}

void sleep_until::on_fire(detail::timer_entry& t) {
  auto& self = *static_cast<sleep_until*>(t.context);
  self.cancel_.reset();
  self.rt_->schedule(self.node_);
}

void sleep_until::on_stop(void* p) {
  auto& self = *static_cast<sleep_until*>(p);
  self.rt_->disarm(self.timer_);
  self.outcome_ = fail(errc::canceled);
  self.rt_->schedule(self.node_);
}

namespace detail {

deadline_stopper::deadline_stopper(runtime& rt, clock::time_point deadline, stop_source& target) : target_(&target) {
  timer_.fire = &on_fire;
  timer_.context = this;
  rt.arm(timer_, deadline);
}

void deadline_stopper::on_fire(timer_entry& t) {
  auto& self = *static_cast<deadline_stopper*>(t.context);
  self.fired_ = true;
  self.target_->request_stop();
}

}  // namespace detail
}  // namespace wasio::rt
