#pragma once
// Shared by the runtime tests (rt_*_test.cpp): a host of a chosen profile with loopback listeners,
// a runtime on it, and the end-of-test check that the runtime is quiescent (no task, timer,
// registration or parked await) and no guest fd stayed open.

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "readiness_test_support.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/tcp_listener.hpp"
#include "wasio/testbed/host.hpp"
#include "wasio/testbed/native.hpp"

namespace wasio::rt_test {

using readiness_test::all_profiles;
using readiness_test::bytes_of;
using readiness_test::client;
using readiness_test::profile_name;
using readiness_test::text_of;

class rt_host {
 public:
  explicit rt_host(testbed::profile semantics = testbed::profile::strict, std::size_t listeners = 0,
                   rt::runtime::options opts = {}) {
    testbed::host_config config;
    config.semantics = semantics;
    config.args = {"rt_test"};
    // uvwasi's poll returns only once every fd subscription fired or a clock did: wasio code runs
    // there with a bounded wait (wasio/io/max_poll_wait.hpp), as the e2e tests run it.
    if (semantics == testbed::profile::uvwasi) config.env.push_back("WASIO_MAX_POLL_WAIT_MS=5");
    for (std::size_t i = 0; i < listeners; ++i) config.listeners.push_back({"127.0.0.1", 0});
    host_ = testbed::host::create(std::move(config)).value();
    installed_.emplace(*host_);
    fds_at_start_ = host_->open_fd_count();
    runtime_.emplace(opts);
  }
  ~rt_host() {
    rt::runtime& r = *runtime_;
    EXPECT_EQ(r.task_count(), 0u) << "a test left a task behind";
    EXPECT_EQ(r.timer_count(), 0u) << "a test left a timer armed";
    EXPECT_EQ(r.parked_count(), 0u) << "a test left an await parked";
    EXPECT_EQ(r.registration_count(), 0u) << "a test left a registration behind";
    runtime_.reset();
    EXPECT_EQ(host_->open_fd_count(), fds_at_start_ - closed_listeners_) << "a test left a guest fd open";
    installed_.reset();
  }

  rt::runtime& rt() { return *runtime_; }
  testbed::host& host() { return *host_; }
  std::uint16_t port(std::size_t i = 0) const { return host_->listeners().at(i).port; }
  sys::fd_t listener_fd(std::size_t i = 0) const { return host_->listeners().at(i).fd; }
  /// Adopts pre-opened listener `i` into the runtime; the test is expected to close it.
  rt::tcp_listener listener(std::size_t i = 0) {
    ++closed_listeners_;
    auto l = net::tcp_listener::from_preopened(listener_fd(i)).value();
    return rt::tcp_listener::adopt(*runtime_, std::move(l)).value();
  }
  /// Pre-opened listener `i` as a plain net::tcp_listener, not registered; it closes when destroyed.
  net::tcp_listener raw_listener(std::size_t i = 0) {
    ++closed_listeners_;
    return net::tcp_listener::from_preopened(listener_fd(i)).value();
  }

 private:
  std::unique_ptr<testbed::host> host_;
  std::optional<testbed::native::scoped_host> installed_;
  std::optional<rt::runtime> runtime_;
  std::size_t fds_at_start_ = 0;
  std::size_t closed_listeners_ = 0;
};

}  // namespace wasio::rt_test
