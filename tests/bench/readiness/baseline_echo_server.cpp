// baseline_echo_server: see baseline_echo_server.hpp.

#include "baseline_echo_server.hpp"

#include <span>

#include "wasio/sys/sys.hpp"

namespace readiness_bench {

namespace {
constexpr wasio::abi::userdata listener_userdata = UINT64_MAX - 1;
}

baseline_echo_server::baseline_echo_server(wasio::net::tcp_listener listener)
    : listener_(std::move(listener)), buffer_(64 * 1024) {}

void baseline_echo_server::request_stop() {
  stop_.store(true);
  (void)wasio::sys::interrupt_poll();
}

wasio::result<void> baseline_echo_server::run() {
  while (!stop_.load()) {
    // mio on WASI: the whole set, rebuilt and resubmitted on every poll.
    subscriptions_.clear();
    wasio::abi::subscription l{};
    l.user = listener_userdata;
    l.tag = static_cast<std::uint8_t>(wasio::abi::eventtype::fd_read);
    l.u.fd_readwrite.file_descriptor = listener_.raw_fd();
    subscriptions_.push_back(l);
    for (std::size_t i = 0; i < connections_.size(); ++i) {
      const connection& c = connections_[i];
      if (!c.open) continue;
      wasio::abi::subscription s{};
      s.user = i;
      s.tag = static_cast<std::uint8_t>(c.pending.empty() ? wasio::abi::eventtype::fd_read
                                                           : wasio::abi::eventtype::fd_write);
      s.u.fd_readwrite.file_descriptor = c.stream.raw_fd();
      subscriptions_.push_back(s);
    }
    events_.resize(subscriptions_.size());
    auto n = wasio::sys::poll_oneoff(subscriptions_.data(), events_.data(), subscriptions_.size());
    if (!n) return wasio::fail(n.error());
    for (std::size_t k = 0; k < *n; ++k) {
      const wasio::abi::event& e = events_[k];
      if (e.user == listener_userdata) accept_all();
      else if (e.user < connections_.size() && connections_[e.user].open) serve(connections_[e.user]);
    }
  }
  return {};
}

void baseline_echo_server::accept_all() {
  for (;;) {
    auto s = listener_.accept();
    if (!s) return;
    connections_.push_back(connection{std::move(*s), {}, 0, false, true});
    open_.fetch_add(1, std::memory_order_relaxed);
  }
}

bool baseline_echo_server::flush(connection& c) {
  while (c.pending_from < c.pending.size()) {
    auto n = c.stream.write(std::span(c.pending).subspan(c.pending_from));
    if (!n) {
      if (n.error() != wasio::would_block) close(c);
      return false;
    }
    c.pending_from += *n;
  }
  c.pending.clear();
  c.pending_from = 0;
  return true;
}

void baseline_echo_server::serve(connection& c) {
  // Level-triggered: one read per event is enough, the next poll reports what is left.
  if (!flush(c)) return;
  if (c.peer_done) return close(c);
  auto n = c.stream.read(buffer_);
  if (!n) {
    if (n.error() != wasio::would_block) close(c);
    return;
  }
  if (*n == 0) {
    c.peer_done = true;
    if (c.pending.empty()) close(c);
    return;
  }
  const auto got = std::span(buffer_).first(*n);
  auto written = c.stream.write(got);
  if (!written && written.error() != wasio::would_block) return close(c);
  const std::size_t done = written ? *written : 0;
  c.pending.assign(got.begin() + static_cast<std::ptrdiff_t>(done), got.end());
}

void baseline_echo_server::close(connection& c) {
  (void)c.stream.close();
  c.open = false;
  open_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace readiness_bench
