#pragma once
// Shared by the readiness-layer tests (io, net): a host of a chosen profile with loopback listeners
// and a poll, checking at the end that nothing stayed registered and no guest fd stayed open.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <span>
#include <string_view>
#include <string>
#include <vector>

#include "test_host.hpp"
#include "wasio/io/poll.hpp"
#include "wasio/net/tcp_listener.hpp"
#include "wasio/testbed/host.hpp"

namespace wasio::readiness_test {

using client = guest_test::loopback_client;
using guest_test::bytes_of;
using guest_test::text_of;

inline constexpr testbed::profile all_profiles[] = {testbed::profile::strict, testbed::profile::wasmtime_legacy,
                                                    testbed::profile::uvwasi};

/// Names parameterized tests after their profile ("wasmtime_legacy").
inline std::string profile_name(const ::testing::TestParamInfo<testbed::profile>& info) {
  std::string text(testbed::name(info.param));
  for (char& c : text)
    if (c == '-') c = '_';
  return text;
}

/// A hang guard for waits in tests: long enough never to fire on a working host.
inline constexpr std::chrono::seconds guard = std::chrono::seconds(30);

/// A test_host with a poll on it; its destructor also checks that nothing stayed registered.
class readiness_host {
 public:
  explicit readiness_host(testbed::profile semantics, std::size_t listeners = 1, std::vector<std::string> env = {})
      : host_(semantics, listeners, {"readiness_test"}, std::move(env)) {}
  ~readiness_host() {
    EXPECT_EQ(poll_.registry().size(), 0u) << "a test left a registration behind";
    EXPECT_EQ(poll_.registry().subscription_count(), 0u);
  }

  testbed::host& host() { return host_.host(); }
  wasio::poll& poll() { return poll_; }
  wasio::registry& registry() { return poll_.registry(); }
  sys::fd_t listener_fd(std::size_t i = 0) const { return host_.listener_fd(i); }
  std::uint16_t port(std::size_t i = 0) const { return host_.port(i); }

  /// Waits (hang guard: `guard`) until an event for `tok` arrives; returns it, or nullopt.
  std::optional<event> wait_for(token tok) {
    events got;
    const auto deadline = std::chrono::steady_clock::now() + guard;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = poll_.wait(got, std::chrono::milliseconds(200));
      if (!r) {
        ADD_FAILURE() << "wait failed: " << name(r.error());
        return std::nullopt;
      }
      for (const event& e : got)
        if (e.token() == tok) return e;
    }
    return std::nullopt;
  }

 private:
  // Lifetime: declared first, so the poll is gone before the host's fd check and uninstall.
  guest_test::test_host host_;
  wasio::poll poll_;
};

/// Accepts the next connection on `l`, waiting through the poll; leaves `l` as registered as it was.
inline result<net::tcp_stream> accept_one(readiness_host& h, net::tcp_listener& l) {
  const bool was_registered = l.is_registered();
  if (!was_registered) (void)h.registry().register_source(l, interest::readable).value();
  result<net::tcp_stream> accepted = fail(errc::timedout);
  const auto deadline = std::chrono::steady_clock::now() + guard;
  while (std::chrono::steady_clock::now() < deadline) {
    accepted = l.accept();
    if (accepted || accepted.error() != errc::again) break;
    (void)h.wait_for(l.registration());
  }
  if (!was_registered) h.registry().deregister(l).value();
  return accepted;
}

/// Reads until `size` bytes arrived, the stream ended, or an error; waits through the poll.
inline std::string read_exactly(readiness_host& h, net::tcp_stream& s, std::size_t size) {
  const bool was_registered = s.is_registered();
  if (!was_registered) (void)h.registry().register_source(s, interest::readable).value();
  std::string got;
  std::vector<std::byte> buffer(65536);
  const auto deadline = std::chrono::steady_clock::now() + guard;
  while (got.size() < size && std::chrono::steady_clock::now() < deadline) {
    auto n = s.read(std::span(buffer).first(std::min(buffer.size(), size - got.size())));
    if (!n && n.error() == errc::again) {
      (void)h.wait_for(s.registration());
      continue;
    }
    if (!n || *n == 0) break;
    got += text_of(std::span(buffer).first(*n));
  }
  if (!was_registered) h.registry().deregister(s).value();
  return got;
}

}  // namespace wasio::readiness_test
