#pragma once
// Shared by the sys-layer tests: a host with one loopback listener installed behind wasio::sys,
// and a plain POSIX client to talk to it.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "test_host.hpp"
#include "wasio/sys/sys.hpp"
#include "wasio/testbed/host.hpp"

namespace wasio::sys_test {

using guest_test::loopback_client;
using guest_test::text_of;

/// A test_host of the given profile with one listener, and the sys tests' default argv.
class installed_host : public guest_test::test_host {
 public:
  explicit installed_host(testbed::profile semantics, std::vector<std::string> args = {"sys_test"},
                          std::vector<std::string> env = {})
      : test_host(semantics, 1, std::move(args), std::move(env)) {}

  sys::fd_t listener() const { return listener_fd(0); }
};

/// Waits until `fd` may be ready for `type`, with a monotonic clock subscription as a hang guard
/// (readiness is only a hint: callers still loop on errc::again). False if the guard fired first.
inline bool wait_for(sys::fd_t fd, abi::eventtype type) {
  abi::subscription in[2]{};
  in[0].user = 1;
  in[0].tag = static_cast<std::uint8_t>(type);
  in[0].u.fd_readwrite.file_descriptor = fd;
  in[1].user = 2;
  in[1].tag = static_cast<std::uint8_t>(abi::eventtype::clock);
  in[1].u.clock.id = static_cast<std::uint32_t>(abi::clockid::monotonic);
  in[1].u.clock.timeout = 30'000'000'000ull;
  abi::event out[2]{};
  auto n = sys::poll_oneoff(in, out, 2);
  if (!n) return false;
  for (std::size_t i = 0; i < *n; ++i)
    if (out[i].user == 1) return true;
  return false;
}

/// Accepts the next connection, waiting for it to arrive.
inline result<sys::fd_t> accept_waiting(sys::fd_t listener) {
  while (true) {
    auto accepted = sys::sock_accept(listener, abi::fdflag_nonblock);
    if (accepted || accepted.error() != errc::again) return accepted;
    if (!wait_for(listener, abi::eventtype::fd_read)) return fail(errc::timedout);
  }
}

/// Reads once something (or EOF) is there: the first non-would-block answer of fd_read.
inline result<std::size_t> read_waiting(sys::fd_t fd, std::span<std::byte> into) {
  const sys::buffer b{into.data(), into.size()};
  while (true) {
    auto got = sys::fd_read(fd, std::span(&b, 1));
    if (got || got.error() != errc::again) return got;
    if (!wait_for(fd, abi::eventtype::fd_read)) return fail(errc::timedout);
  }
}

}  // namespace wasio::sys_test
