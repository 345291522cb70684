#pragma once
// The chat server's tasks: an accept loop per listener (rt::serve_until_shutdown), and per client
// a reader (lines into the room) and a writer (its inbox onto the socket).
//
// A slow or stuck client never stalls the others: every line goes into the room's broadcast, which
// never waits for a reader. A client more than `backlog` lines behind is told how many it missed and
// goes on from the oldest line kept; one whose socket takes no bytes for `write_timeout` is
// disconnected. Shutdown (SIGTERM) tells every client "*** server shutting down", lets each writer
// deliver what it still has (bounded by the write timeout and the host's grace period), then closes.

#include <chrono>
#include <vector>

#include "chat_room.hpp"
#include "wasio/rt/error_log.hpp"
#include "wasio/rt/runtime.hpp"
#include "wasio/rt/service.hpp"
#include "wasio/rt/tcp_listener.hpp"
#include "wasio/rt/tcp_stream.hpp"

namespace chat {

struct settings {
  limits room;
  std::chrono::milliseconds write_timeout{5000};
};

/// One client, from its first byte to its close.
wasio::task<void> serve_client(room& r, wasio::rt::tcp_stream stream, wasio::rt::stop_token shutdown,
                               std::chrono::milliseconds write_timeout);

/// Serves every listener until shutdown is requested, then drains. Errors: timedout (some clients
/// had to be cut off at the end of the grace period).
wasio::task<wasio::result<void>> serve(wasio::rt::runtime& rt, wasio::rt::service& svc,
                                       std::vector<wasio::rt::tcp_listener>& listeners, room& r,
                                       const settings& config, wasio::rt::error_log& log);

}  // namespace chat
