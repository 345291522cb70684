// TLS listeners: the host handshakes, the guest sees an ordinary stream of plaintext, bad clients
// are counted and closed, memory per connection stays bounded. The client runs on its own thread
// (std::async) while the test plays the guest; waits are guarded, nothing is timed.
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <future>
#include <string>

#include "tls_test_support.hpp"

namespace wasio::testbed {
namespace {

using test::tls_client;
using test::tls_host;

std::string read_all_guest(host& h, tls_host& t, abi::fd fd, std::size_t count) {
  std::string all;
  while (all.size() < count) {
    t.wait(fd);
    std::string chunk = test::guest_recv(h, fd, count - all.size());
    if (chunk.empty()) break;
    all += chunk;
  }
  return all;
}

TEST(TlsListener, HandsOverAHandshakenStreamOfPlaintextInEveryProfile) {
  for (profile p : {profile::strict, profile::wasmtime_legacy, profile::uvwasi}) {
    tls_host t({.semantics = p});
    auto client = std::async(std::launch::async, [&] {
      tls_client c(t.port());
      EXPECT_TRUE(c.ok());
      c.send("ping");
      std::string reply = c.receive(4);
      bool clean = false;
      std::string rest = c.receive_all(clean);
      return std::make_tuple(reply, rest, clean, c.alpn());
    });
    abi::fd fd = t.accept();
    abi::event e = t.wait(fd);
    EXPECT_EQ(e.error, 0);
    // "Decrypted bytes available": the plaintext count, as each profile reports counts.
    // uvwasi reports nbytes 0 for every fd event (HOST-SEMANTICS.md 4, the measured row).
    if (p == profile::strict) { EXPECT_EQ(e.fd_readwrite.nbytes, 4u) << name(p); }
    if (p == profile::uvwasi) { EXPECT_EQ(e.fd_readwrite.nbytes, 0u) << name(p); }
    if (p == profile::wasmtime_legacy) { EXPECT_GE(e.fd_readwrite.nbytes, 1u); }
    EXPECT_EQ(test::guest_recv(t.h(), fd, 16), "ping") << name(p);
    abi::event w = t.wait(fd, true);
    if (p == profile::strict) { EXPECT_EQ(w.fd_readwrite.nbytes, tls_limits{}.max_queued_output); }
    if (p == profile::wasmtime_legacy) { EXPECT_EQ(w.fd_readwrite.nbytes, 0u); }
    EXPECT_EQ(test::guest_send(t.h(), fd, "pong"), 4u);
    EXPECT_EQ(t.h().fd_close(fd), errc::success);  // sends close_notify
    auto [reply, rest, clean, alpn] = client.get();
    EXPECT_EQ(reply, "pong");
    EXPECT_EQ(rest, "");
    EXPECT_TRUE(clean) << "the guest's close did not end with close_notify";
    EXPECT_EQ(alpn, "http/1.1");
    tls_counters n = t.h().tls_stats();
    EXPECT_EQ(n.handshakes, 1u);
    EXPECT_EQ(n.alpn_http11, 1u);
  }
}

TEST(TlsListener, CloseNotifyAndATcpCloseAreBothEndOfStream) {
  tls_host t;
  for (bool clean_close : {true, false}) {
    auto client = std::async(std::launch::async, [&] {
      tls_client c(t.port());
      c.send("bye");
      // Read what the host sent (TLS 1.3 tickets come after the handshake): closing with unread
      // bytes would make the client's kernel answer with a reset instead of a FIN.
      EXPECT_EQ(c.receive(1), "k");
      if (clean_close) c.close_notify();
      c.close_tcp();
    });
    abi::fd fd = t.accept();
    EXPECT_EQ(read_all_guest(t.h(), t, fd, 3), "bye");
    test::guest_send(t.h(), fd, "k");
    abi::event e = t.wait(fd);
    EXPECT_EQ(e.fd_readwrite.nbytes, 0u);
    EXPECT_EQ(e.fd_readwrite.flags, abi::event_fd_readwrite_hangup);
    EXPECT_EQ(test::guest_recv(t.h(), fd, 8), "");
    EXPECT_EQ(test::guest_recv(t.h(), fd, 8), "");  // and stays there
    client.get();
    EXPECT_EQ(t.h().fd_close(fd), errc::success);
  }
  tls_counters n = t.h().tls_stats();
  EXPECT_EQ(n.close_notify, 1u);
  EXPECT_EQ(n.truncated, 1u);
}

TEST(TlsListener, ShutdownWriteSendsCloseNotifyAndTheClientCanStillSend) {
  tls_host t;
  std::promise<void> closed_seen;
  auto client = std::async(std::launch::async, [&] {
    tls_client c(t.port());
    bool clean = false;
    std::string got = c.receive_all(clean);
    closed_seen.set_value();
    c.send("after");
    c.close_notify();
    return std::make_pair(got, clean);
  });
  abi::fd fd = t.accept();
  EXPECT_EQ(test::guest_send(t.h(), fd, "half"), 4u);
  EXPECT_EQ(t.h().sock_shutdown(fd, abi::shut_wr), errc::success);
  EXPECT_EQ(read_all_guest(t.h(), t, fd, 5), "after");
  auto [got, clean] = client.get();
  EXPECT_EQ(got, "half");
  EXPECT_TRUE(clean);
  std::size_t sent = 0;
  host_ciovec more{reinterpret_cast<const std::byte*>("x"), 1};
  EXPECT_EQ(t.h().sock_send(fd, {&more, 1}, 0, sent), errc::pipe);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(TlsListener, GarbageAfterTheHandshakeIsConnresetOnceThenEndOfStream) {
  tls_host t;
  auto client = std::async(std::launch::async, [&] {
    tls_client c(t.port());
    const char junk[] = "\x17\x03\x03\x00\x20 this is no encrypted record at all";
    EXPECT_GT(::send(c.fd(), junk, sizeof junk - 1, 0), 0);
    return test::raw_read_to_end(c.fd()).size();  // the alert, then the host's close
  });
  abi::fd fd = t.accept();
  abi::event e = t.wait(fd);
  EXPECT_EQ(e.fd_readwrite.flags, abi::event_fd_readwrite_hangup);
  char buffer[16];
  host_iovec iov{reinterpret_cast<std::byte*>(buffer), sizeof buffer};
  std::size_t received = 0;
  abi::roflags out_flags = 0;
  EXPECT_EQ(t.h().sock_recv(fd, {&iov, 1}, 0, received, out_flags), errc::connreset);
  EXPECT_EQ(t.h().sock_recv(fd, {&iov, 1}, 0, received, out_flags), errc::success);
  EXPECT_EQ(received, 0u);
  client.get();
  EXPECT_EQ(t.h().tls_stats().broken, 1u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(TlsListener, APeerResetIsConnresetOnceThenEndOfStreamAndSendsGivePipe) {
  tls_host t;
  auto client = std::async(std::launch::async, [&] {
    tls_client c(t.port());
    c.send("r");
    EXPECT_EQ(c.receive(1), "k");  // the host has handed the stream over by then
    linger hard{1, 0};
    ::setsockopt(c.fd(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    c.close_tcp();  // a RST
  });
  abi::fd fd = t.accept();
  EXPECT_EQ(read_all_guest(t.h(), t, fd, 1), "r");
  test::guest_send(t.h(), fd, "k");
  client.get();
  t.wait(fd);
  char buffer[16];
  host_iovec iov{reinterpret_cast<std::byte*>(buffer), sizeof buffer};
  std::size_t received = 0;
  abi::roflags out_flags = 0;
  EXPECT_EQ(t.h().sock_recv(fd, {&iov, 1}, 0, received, out_flags), errc::connreset);
  EXPECT_EQ(test::guest_recv(t.h(), fd, 8), "");
  std::size_t sent = 0;
  host_ciovec more{reinterpret_cast<const std::byte*>("x"), 1};
  EXPECT_EQ(t.h().sock_send(fd, {&more, 1}, 0, sent), errc::pipe);
  EXPECT_EQ(t.h().tls_stats().resets, 1u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(TlsListener, BadClientsAreCountedClosedAndNeverReachTheGuest) {
  tls_host t;
  auto bad = std::async(std::launch::async, [&] {
    auto send_and_read = [&](std::string_view bytes) {
      int fd = test::raw_connect(t.port());
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      ::shutdown(fd, SHUT_WR);
      std::string answer = test::raw_read_to_end(fd);
      ::close(fd);
      return answer;
    };
    send_and_read("GET / HTTP/1.1\r\nHost: x\r\n\r\n");                           // plain HTTP
    send_and_read("\x01\x02\x03 garbage garbage garbage garbage\r\n");             // garbage
    send_and_read(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));  // truncated ClientHello
    send_and_read(std::string("\x16\x03\x01\x48\x01", 5) + std::string(18433, 'x'));  // oversized record
  });
  EXPECT_TRUE(t.drive_until([&] {
    tls_counters n = t.h().tls_stats();
    return n.plain_http + n.bad_handshake + n.vanished + n.oversized >= 4;
  }));
  bad.get();
  tls_counters n = t.h().tls_stats();
  EXPECT_EQ(n.plain_http, 1u);
  EXPECT_EQ(n.bad_handshake, 1u);
  EXPECT_EQ(n.vanished, 1u);
  EXPECT_EQ(n.oversized, 1u);
  EXPECT_EQ(n.handshakes, 0u);
  abi::fd nothing = 0;
  EXPECT_EQ(t.h().sock_accept(t.listener(), abi::fdflag_nonblock, nothing), errc::again);
  // And the next good client is served.
  auto good = std::async(std::launch::async, [&] {
    tls_client c(t.port());
    c.send("ok?");
    return c.receive(3);
  });
  abi::fd fd = t.accept();
  EXPECT_EQ(read_all_guest(t.h(), t, fd, 3), "ok?");
  test::guest_send(t.h(), fd, "ok!");
  EXPECT_EQ(good.get(), "ok!");
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
  EXPECT_TRUE(t.drive_until([&] { return t.h().tls_stats().open == 0; }));
}

TEST(TlsListener, RenegotiationIsCountedAndBreaksTheSession) {
  tls_host t;
  auto client = std::async(std::launch::async, [&] {
    tls_client c(t.port(), {.max_version = TLS1_2_VERSION});
    EXPECT_TRUE(c.ok());
    SSL_renegotiate(c.ssl());
    SSL_do_handshake(c.ssl());
    bool clean = false;
    c.receive_all(clean);
  });
  abi::fd fd = t.accept();
  t.wait(fd);
  char buffer[16];
  host_iovec iov{reinterpret_cast<std::byte*>(buffer), sizeof buffer};
  std::size_t received = 0;
  abi::roflags out_flags = 0;
  EXPECT_EQ(t.h().sock_recv(fd, {&iov, 1}, 0, received, out_flags), errc::connreset);
  client.get();
  EXPECT_EQ(t.h().tls_stats().renegotiations, 1u);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(TlsListener, AStalledHandshakeTimesOutAndTheCapPausesAccepting) {
  tls_limits limits;
  limits.handshake_timeout = std::chrono::milliseconds(200);
  limits.max_handshakes = 1;
  tls_host t({.limits = limits});
  int stalled = test::raw_connect(t.port());  // connects, never says hello
  auto good = std::async(std::launch::async, [&] {
    tls_client c(t.port());
    c.send("late");
    return c.ok();
  });
  abi::fd fd = t.accept();  // only after the stalled one's slot was freed by its timeout
  EXPECT_EQ(read_all_guest(t.h(), t, fd, 4), "late");
  EXPECT_TRUE(good.get());
  tls_counters n = t.h().tls_stats();
  EXPECT_EQ(n.timeouts, 1u);
  EXPECT_GE(n.at_capacity, 1u);
  EXPECT_EQ(test::raw_read_to_end(stalled), "");  // the host closed it
  ::close(stalled);
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
}

TEST(TlsListener, QueuedCiphertextIsBoundedFlushedInTheBackgroundAndAfterClose) {
  tls_host t;
  std::promise<void> start_reading;
  auto client = std::async(std::launch::async, [&] {
    tls_client c(t.port());
    start_reading.get_future().wait();
    bool clean = false;
    std::string all = c.receive_all(clean);
    return std::make_pair(all.size(), clean);
  });
  abi::fd fd = t.accept();
  const std::string chunk(64 * 1024, 'z');
  std::size_t total = 0;
  for (;;) {  // until the socket buffers and the queue are full
    host_ciovec iov{reinterpret_cast<const std::byte*>(chunk.data()), chunk.size()};
    std::size_t sent = 0;
    errc result = t.h().sock_send(fd, {&iov, 1}, 0, sent);
    if (result == errc::again) break;
    ASSERT_EQ(result, errc::success);
    total += sent;
    ASSERT_LT(total, 512u * 1024 * 1024) << "never pushed back";
  }
  EXPECT_LE(t.h().tls_stats().buffer_bytes, 2 * tls_limits{}.max_queued_output + 64 * 1024);
  auto not_yet = test::poll(t.h(), {test::write_subscription(1, fd),
                                   test::clock_subscription(2, abi::clockid::monotonic, 1'000'000)});
  ASSERT_EQ(not_yet.events.size(), 1u);
  EXPECT_EQ(not_yet.events[0].user, 2u) << "writable while the queue is full";
  start_reading.set_value();
  abi::event w = t.wait(fd, true);  // the background flush made room
  EXPECT_GT(w.fd_readwrite.nbytes, 0u);
  // Fill it again and close at once: the host flushes the rest and close_notify after the close.
  for (;;) {
    host_ciovec iov{reinterpret_cast<const std::byte*>(chunk.data()), chunk.size()};
    std::size_t sent = 0;
    if (t.h().sock_send(fd, {&iov, 1}, 0, sent) != errc::success) break;
    total += sent;
  }
  EXPECT_EQ(t.h().fd_close(fd), errc::success);
  EXPECT_TRUE(t.drive_until([&] { return client.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }));
  auto [received, clean] = client.get();
  EXPECT_EQ(received, total);
  EXPECT_TRUE(clean);
  EXPECT_EQ(t.h().tls_stats().linger_dropped, 0u);
}

TEST(TlsListener, SessionsResumeWithTicketsInTls12AndTls13) {
  tls_host t;
  for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SSL_SESSION* saved = nullptr;
    for (int round = 0; round < 2; ++round) {
      auto client = std::async(std::launch::async, [&] {
        tls_client c(t.port(), {.max_version = version, .resume = saved});
        c.send("x");
        c.receive(1);  // TLS 1.3 tickets arrive after the handshake
        bool reused = SSL_session_reused(c.ssl()) == 1;
        if (saved == nullptr) saved = c.session();
        c.close_notify();
        return reused;
      });
      abi::fd fd = t.accept();
      EXPECT_EQ(read_all_guest(t.h(), t, fd, 1), "x");
      test::guest_send(t.h(), fd, "y");
      EXPECT_EQ(client.get(), round == 1) << "version " << std::hex << version << " round " << round;
      EXPECT_EQ(t.h().fd_close(fd), errc::success);
    }
    SSL_SESSION_free(saved);
  }
  EXPECT_EQ(t.h().tls_stats().resumed, 2u);
}

TEST(TlsListener, MemoryPerIdleConnectionIsBounded) {
  tls_host t;
  constexpr int count = 32;
  // The clients run in a child process, so the heap counted here is the host's alone.
  int release[2];
  ASSERT_EQ(::pipe(release), 0);
  const std::uint16_t port = t.port();
  test::test_tls_files();  // made before the fork, shared by both
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(release[1]);
    {
      std::vector<std::unique_ptr<tls_client>> clients;
      for (int i = 0; i < count; ++i) {
        clients.push_back(std::make_unique<tls_client>(port));
        clients.back()->send("a");
      }
      char byte;
      (void)::read(release[0], &byte, 1);
    }
    ::_exit(0);
  }
  ::close(release[0]);
  std::vector<abi::fd> fds;
  for (int i = 0; i < count; ++i) {
    fds.push_back(t.accept());
    EXPECT_EQ(read_all_guest(t.h(), t, fds.back(), 1), "a");
  }
  tls_counters n = t.h().tls_stats();
  EXPECT_EQ(n.open, static_cast<std::uint64_t>(count));
  const std::uint64_t per_connection = (n.openssl_bytes + n.buffer_bytes) / std::max<std::uint64_t>(n.open, 1);
  std::printf("idle TLS connection after one request: %llu B (OpenSSL heap %s, host buffers %llu B in all)\n",
              static_cast<unsigned long long>(per_connection), n.openssl_bytes_known ? "counted" : "not counted",
              static_cast<unsigned long long>(n.buffer_bytes));
  if (n.openssl_bytes_known) {
    EXPECT_LT(per_connection, 32u * 1024);
  }
  for (abi::fd fd : fds) EXPECT_EQ(t.h().fd_close(fd), errc::success);
  ::close(release[1]);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(TlsContext, RefusesUnusableFilesWithAClearMessage) {
  const auto& f = test::test_tls_files();
  std::string problem;
  EXPECT_FALSE(tls_context::load(f.folder + "/missing.pem", f.key, problem));
  EXPECT_NE(problem.find("No such file"), std::string::npos) << problem;
  EXPECT_FALSE(tls_context::load(f.cert, f.folder + "/missing.pem", problem));
  EXPECT_NE(problem.find("cannot read the TLS key"), std::string::npos) << problem;
  EXPECT_FALSE(tls_context::load(f.garbage, f.key, problem));
  EXPECT_NE(problem.find("no usable PEM certificate"), std::string::npos) << problem;
  EXPECT_FALSE(tls_context::load(f.cert, f.garbage, problem));
  EXPECT_NE(problem.find("no usable PEM private key"), std::string::npos) << problem;
  EXPECT_FALSE(tls_context::load(f.cert, f.encrypted_key, problem));
  EXPECT_NE(problem.find("encrypted"), std::string::npos) << problem;
  EXPECT_FALSE(tls_context::load(f.cert, f.other_key, problem));
  EXPECT_NE(problem.find("does not belong to the certificate"), std::string::npos) << problem;
  EXPECT_TRUE(tls_context::load(f.cert, f.key, problem));
}

TEST(TlsContext, ATlsListenerWithoutACertificateIsRefused) {
  host_config config;
  config.listeners.push_back({"127.0.0.1", 0, true});
  auto created = host::create(std::move(config));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error(), errc::inval);
}

}  // namespace
}  // namespace wasio::testbed
