#pragma once
/// wasio::source: an fd a registry can watch, plus the link to its registration.
///
/// A plain `source` wraps a raw fd it does not own (mio's SourceFd). wasio's sockets derive from it,
/// so a socket knows its registration and can tell the registry when an operation returned
/// would_block: that is what re-arms an edge-triggered registration.
///
/// Notes: moving a registered source moves its registration with it; destroying one deregisters it.
/// A source must not outlive the registry it is registered with.
///
/// Example (compiled in tests/guest/poll_test.cpp):
///   wasio::source raw(fd);  // an fd owned elsewhere
///   auto tok = poll.registry().register_source(raw, wasio::interest::readable);

#include "wasio/io/interest.hpp"
#include "wasio/io/token.hpp"
#include "wasio/sys/sys.hpp"

namespace wasio {

class registry;

class source {
 public:
  explicit source(sys::fd_t fd) : fd_(fd) {}
  source(source&& other) noexcept;
  source& operator=(source&& other) noexcept;
  source(const source&) = delete;
  source& operator=(const source&) = delete;
  ~source();

  sys::fd_t raw_fd() const { return fd_; }
  bool is_registered() const { return registry_ != nullptr; }
  /// The token of the current registration; an invalid token when not registered.
  wasio::token registration() const { return token_; }

 protected:
  /// Call after an operation in `direction` returned errc::again: re-arms an edge registration.
  void saw_would_block(interest direction);
  /// Deregisters (if registered) and forgets the fd; the caller closes it.
  void detach();

 private:
  friend class registry;
  sys::fd_t fd_;
  registry* registry_ = nullptr;
  wasio::token token_;
};

}  // namespace wasio
