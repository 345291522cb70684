// The fault layer (wasio/testbed/faults.hpp): each kind does what a real host may do and nothing
// else, the same seed gives the same faults, and no byte is lost or made up on a connection that
// was not reset.
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "test_support.hpp"

namespace wasio::testbed {
namespace {

using test::harness;
using test::harness_options;

fault_config faults(std::uint64_t seed, double rate, std::uint32_t kinds = all_fault_kinds) {
  fault_config c;
  c.enabled = true;
  c.seed = seed;
  c.rate = rate;
  c.kinds = kinds;
  return c;
}

harness_options with_faults(fault_config c, profile p = profile::strict) {
  harness_options o;
  o.semantics = p;
  o.faults = c;
  return o;
}

std::string random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 random(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(random());
  return out;
}

/// Reads `fd` until `count` bytes arrived, polling on again; returns what came and the errors seen.
std::string read_all(host& h, abi::fd fd, std::size_t count, std::vector<errc>& errors) {
  std::string got;
  char buffer[4096];
  for (int turn = 0; got.size() < count && turn < 1'000'000; ++turn) {
    host_iovec iov{reinterpret_cast<std::byte*>(buffer), sizeof buffer};
    std::size_t n = 0;
    abi::roflags flags = 0;
    const errc r = h.sock_recv(fd, {&iov, 1}, 0, n, flags);
    if (r == errc::again) {
      auto outcome = test::poll(h, {test::read_subscription(1, fd), test::safety_clock()});
      EXPECT_EQ(outcome.result, errc::success);
      continue;
    }
    if (r != errc::success) {
      errors.push_back(r);
      break;
    }
    if (n == 0) break;
    got.append(buffer, n);
  }
  return got;
}

TEST(Faults, OffByDefaultAndCountNothing) {
  harness t;
  auto [client, fd] = t.connected_pair();
  test::client_send(client, "hello");
  std::vector<errc> errors;
  EXPECT_EQ(read_all(t.h(), fd, 5, errors), "hello");
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(t.h().fault_stats().total(), 0u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(Faults, AgainShortReadsAndSpuriousEventsLoseAndInventNoByte) {
  const std::uint32_t kinds = fault_bit(fault_kind::again) | fault_bit(fault_kind::short_read) |
                              fault_bit(fault_kind::spurious_event) | fault_bit(fault_kind::delayed_event);
  for (profile p : {profile::strict, profile::wasmtime_legacy, profile::uvwasi}) {
    harness t(with_faults(faults(42, 0.3, kinds), p));
    auto [client, fd] = t.connected_pair();
    const std::string sent = random_bytes(200'000, 7);
    std::thread writer([client = client, &sent] { test::client_send(client, sent); });
    std::vector<errc> errors;
    const std::string got = read_all(t.h(), fd, sent.size(), errors);
    writer.join();
    EXPECT_TRUE(errors.empty()) << name(p);
    EXPECT_EQ(got.size(), sent.size()) << name(p);
    EXPECT_TRUE(got == sent) << name(p) << ": the bytes differ";
    const fault_counts c = t.h().fault_stats();
    EXPECT_GT(c.of(fault_kind::again), 0u) << name(p);
    EXPECT_GT(c.of(fault_kind::short_read), 0u) << name(p);
    EXPECT_EQ(c.of(fault_kind::reset), 0u) << "a kind that is off";
    EXPECT_EQ(t.h().fd_close(fd), errc::success);
  }
}

TEST(Faults, ShortWritesSendAPrefixAndTheRestFollows) {
  harness t(with_faults(faults(9, 0.5, fault_bit(fault_kind::short_write))));
  auto [client, fd] = t.connected_pair();
  const std::string text = random_bytes(100'000, 3);
  std::string received;
  std::thread reader([client = client, &text, &received] { received = test::client_receive(client, text.size()); });
  std::size_t offset = 0;
  int sends = 0, short_writes = 0;
  while (offset < text.size()) {
    const std::string_view rest = std::string_view(text).substr(offset, 3000);
    host_ciovec iov{reinterpret_cast<const std::byte*>(rest.data()), rest.size()};
    std::size_t sent = 0;
    const errc result = t.h().sock_send(fd, {&iov, 1}, 0, sent);
    if (result == errc::again) {
      auto writable = test::poll(t.h(), {test::write_subscription(1, fd), test::safety_clock()});
      EXPECT_EQ(writable.result, errc::success);
      continue;
    }
    EXPECT_EQ(result, errc::success);
    if (result != errc::success) break;
    ++sends;
    if (sent < rest.size()) ++short_writes;
    offset += sent;
  }
  reader.join();
  EXPECT_TRUE(received == text) << "the bytes differ";
  EXPECT_GT(short_writes, sends / 4);
  EXPECT_EQ(t.h().fault_stats().of(fault_kind::short_write), static_cast<std::uint64_t>(short_writes));
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(Faults, TheSameSeedGivesTheSameFaults) {
  std::vector<std::pair<errc, std::size_t>> outcomes[2];  // each recv's result and byte count
  for (int run = 0; run < 2; ++run) {
    // Every kind but the accept faults (the harness's own accept must succeed).
    harness t(with_faults(faults(1234, 0.2, all_fault_kinds & ~fault_bit(fault_kind::accept_aborted) &
                                                ~fault_bit(fault_kind::accept_mfile) & ~fault_bit(fault_kind::again))));
    auto [client, fd] = t.connected_pair();
    test::client_send(client, random_bytes(5000, 1));
    auto ready = test::poll(t.h(), {test::read_subscription(1, fd), test::safety_clock()});
    ASSERT_EQ(ready.result, errc::success);
    for (int i = 0; i < 50; ++i) {
      char buffer[64];
      host_iovec iov{reinterpret_cast<std::byte*>(buffer), sizeof buffer};
      std::size_t n = 0;
      abi::roflags flags = 0;
      const errc result = t.h().sock_recv(fd, {&iov, 1}, 0, n, flags);
      outcomes[run].emplace_back(result, n);
    }
    EXPECT_GT(t.h().fault_stats().total(), 0u);
    EXPECT_EQ(t.h().fd_close(fd), errc::success);
  }
  EXPECT_EQ(outcomes[0], outcomes[1]);
}

TEST(Faults, AResetEndsTheConnectionForBothSides) {
  harness t(with_faults(faults(5, 1.0, fault_bit(fault_kind::reset))));
  auto [client, fd] = t.connected_pair();
  test::client_send(client, "doomed");
  char buffer[16];
  host_iovec iov{reinterpret_cast<std::byte*>(buffer), sizeof buffer};
  std::size_t n = 0;
  abi::roflags flags = 0;
  EXPECT_EQ(t.h().sock_recv(fd, {&iov, 1}, 0, n, flags), errc::connreset);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(test::client_receive(client, 1), "") << "the peer sees the connection end";
  EXPECT_EQ(t.h().fault_stats().of(fault_kind::reset), 1u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(Faults, AnAbortedAcceptResetsTheClientAndTheNextAcceptWorks) {
  harness t(with_faults(faults(11, 1.0, fault_bit(fault_kind::accept_aborted))));
  const int first = t.connect_client();
  auto ready = test::poll(t.h(), {test::read_subscription(1, t.listener()), test::safety_clock()});
  ASSERT_EQ(ready.result, errc::success);
  abi::fd accepted = 0;
  EXPECT_EQ(t.h().sock_accept(t.listener(), abi::fdflag_nonblock, accepted), errc::connaborted);
  char byte;
  EXPECT_EQ(::recv(first, &byte, 1, 0), -1);
  EXPECT_EQ(errno, ECONNRESET) << "the client sees an RST";
  EXPECT_EQ(t.h().open_fd_count(), 4u) << "nothing was left open for the guest";
}

TEST(Faults, AnMfileAcceptLeavesTheConnectionPending) {
  harness t(with_faults(faults(3, 1.0, fault_bit(fault_kind::accept_mfile))));
  t.connect_client();
  auto ready = test::poll(t.h(), {test::read_subscription(1, t.listener()), test::safety_clock()});
  ASSERT_EQ(ready.result, errc::success);
  abi::fd accepted = 0;
  EXPECT_EQ(t.h().sock_accept(t.listener(), abi::fdflag_nonblock, accepted), errc::mfile);
  auto still = test::poll(t.h(), {test::read_subscription(1, t.listener()), test::safety_clock()});
  ASSERT_EQ(still.result, errc::success);
  ASSERT_FALSE(still.events.empty());
  EXPECT_EQ(still.events[0].user, 1u) << "the connection still waits in the backlog";
}

TEST(Faults, ASpuriousEventReportsNothingToRead) {
  harness t(with_faults(faults(8, 1.0, fault_bit(fault_kind::spurious_event))));
  auto [idle_client, idle] = t.connected_pair();
  auto [busy_client, busy] = t.connected_pair();
  test::client_send(busy_client, "x");
  auto outcome = test::poll(t.h(), {test::read_subscription(1, idle), test::read_subscription(2, busy),
                                    test::safety_clock()});
  ASSERT_EQ(outcome.result, errc::success);
  bool idle_reported = false;
  for (const abi::event& e : outcome.events) {
    if (e.user == 1) {
      idle_reported = true;
      EXPECT_EQ(e.fd_readwrite.nbytes, 0u);
      EXPECT_EQ(e.error, 0);
    }
  }
  EXPECT_TRUE(idle_reported);
  char buffer[4];
  host_iovec iov{reinterpret_cast<std::byte*>(buffer), sizeof buffer};
  std::size_t n = 0;
  abi::roflags flags = 0;
  EXPECT_EQ(t.h().sock_recv(idle, {&iov, 1}, 0, n, flags), errc::again) << "the syscall tells the truth";
  EXPECT_EQ(t.h().fd_close(idle), errc::success);
  EXPECT_EQ(t.h().fd_close(busy), errc::success);
}

TEST(Faults, RealtimeStepsStayWithinTwoSecondsAndMonotonicNeverGoesBack) {
  harness t(with_faults(faults(21, 0.5, fault_bit(fault_kind::clock_jump))));
  abi::timestamp last_monotonic = 0;
  for (int i = 0; i < 200; ++i) {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    const std::int64_t host_ns = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
    abi::timestamp realtime = 0, monotonic = 0;
    ASSERT_EQ(t.h().clock_time_get(abi::clockid::realtime, 1, realtime), errc::success);
    ASSERT_EQ(t.h().clock_time_get(abi::clockid::monotonic, 1, monotonic), errc::success);
    const std::int64_t step = static_cast<std::int64_t>(realtime) - host_ns;
    EXPECT_LE(step, 2'100'000'000);
    EXPECT_GE(step, -2'100'000'000);
    EXPECT_GE(monotonic, last_monotonic);
    last_monotonic = monotonic;
  }
  EXPECT_GT(t.h().fault_stats().of(fault_kind::clock_jump), 0u);
}

TEST(Faults, SummaryNamesEachKindWithACount) {
  fault_counts c;
  c.by_kind[static_cast<std::size_t>(fault_kind::again)] = 3;
  c.by_kind[static_cast<std::size_t>(fault_kind::reset)] = 1;
  EXPECT_EQ(c.total(), 4u);
  EXPECT_EQ(c.summary(), "total 4 (again 3, reset 1)");
  EXPECT_EQ(fault_counts{}.summary(), "total 0");
}

TEST(Faults, SeedsAndRatesParse) {
  EXPECT_EQ(parse_fault_seed("18446744073709551615"), 18446744073709551615ull);
  EXPECT_EQ(parse_fault_seed("0"), 0u);
  EXPECT_FALSE(parse_fault_seed(""));
  EXPECT_FALSE(parse_fault_seed("-1"));
  EXPECT_FALSE(parse_fault_seed("12x"));
  EXPECT_FALSE(parse_fault_seed("18446744073709551616"));
  EXPECT_EQ(parse_fault_rate("0.02"), 0.02);
  EXPECT_EQ(parse_fault_rate("1"), 1.0);
  EXPECT_FALSE(parse_fault_rate("0"));
  EXPECT_FALSE(parse_fault_rate("1.5"));
  EXPECT_FALSE(parse_fault_rate("nan"));
  EXPECT_FALSE(parse_fault_rate(""));
}

}  // namespace
}  // namespace wasio::testbed
