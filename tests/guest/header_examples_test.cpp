// The examples in the readiness headers (io/*.hpp, net/*.hpp), compiled and run as written there:
// one echo-less "receive a greeting" server built from them, under every profile.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "readiness_test_support.hpp"
#include "wasio/io/poll.hpp"
#include "wasio/net/tcp_listener.hpp"
#include "wasio/net/tcp_stream.hpp"

namespace wasio {
namespace {

using readiness_test::client;
using readiness_test::readiness_host;
using testbed::profile;

class HeaderExamples : public ::testing::TestWithParam<profile> {};

// The server the examples add up to: accept, read everything a client sends until it ends.
struct greeting_server {
  wasio::registry& registry;
  std::map<std::uint32_t, std::unique_ptr<net::tcp_stream>> connections;
  std::string received;
  bool done = false;

  void serve(net::tcp_stream stream) {
    auto owned = std::make_unique<net::tcp_stream>(std::move(stream));
    // token.hpp
    auto tok = registry.register_source(*owned, wasio::interest::readable).value();
    connections[tok.index()] = std::move(owned);  // dense: indices are reused after deregister
  }

  void drain(wasio::token tok) {
    auto found = connections.find(tok.index());
    if (found == connections.end()) return;
    net::tcp_stream& stream = *found->second;
    auto close_it = [&] {
      EXPECT_TRUE(stream.close());
      connections.erase(found);
      done = true;
    };
    auto consume = [&](std::span<const std::byte> bytes) { received += readiness_test::text_of(bytes); };
    // tcp_stream.hpp
    std::byte buf[4096];
    for (;;) {
      auto n = stream.read(buf);
      if (!n && n.error() == wasio::would_block) break;  // wait for the next event
      if (!n || *n == 0) { close_it(); break; }            // error or end of stream
      consume(std::span(buf, *n));
    }
  }

  void drop(wasio::token tok) { connections.erase(tok.index()); }
};

TEST_P(HeaderExamples, CompileAndServeAGreeting) {
  readiness_host h(GetParam());
  client greeter(h.port());
  ASSERT_TRUE(greeter.connected());
  ASSERT_TRUE(greeter.send_all("hello, examples"));
  greeter.shutdown_sending();

  auto run = [&]() -> result<std::string> {
    // poll.hpp
    wasio::poll poll;
    wasio::events events(1024);
    // tcp_listener.hpp
    auto listeners = wasio::net::preopened_listeners();
    for (auto& l : *listeners) poll.registry().register_source(l, wasio::interest::readable).value();

    greeting_server server{poll.registry(), {}, {}, false};
    auto handle = [&](const wasio::event& ev) {
      for (auto& l : *listeners) {
        if (ev.token() != l.registration()) continue;
        while (auto s = l.accept()) server.serve(std::move(*s));
        return;
      }
      // event.hpp (one event at a time here)
      for (const wasio::event& one : std::span(&ev, 1)) {
        if (one.is_error()) { server.drop(one.token()); continue; }
        if (one.is_readable()) server.drain(one.token());
      }
    };
    bool& done = server.done;
    while (!done) {
      if (auto r = poll.wait(events, std::nullopt); !r) return fail(r.error());
      for (const wasio::event& ev : events) handle(ev);
    }
    // registry.hpp
    for (auto& listener : *listeners) poll.registry().deregister(listener).value();
    return server.received;
  };
  auto got = run();
  ASSERT_TRUE(got) << name(got.error());
  EXPECT_EQ(*got, "hello, examples");
}

INSTANTIATE_TEST_SUITE_P(Profiles, HeaderExamples, ::testing::ValuesIn(readiness_test::all_profiles),
                         readiness_test::profile_name);

}  // namespace
}  // namespace wasio
