#pragma once
/// kv::server_stats: the counters INFO reports, shared by the engine and the connection layer.

#include <cstddef>
#include <cstdint>

namespace kv {

struct server_stats {
  std::int64_t started_at_ms = 0;               // Unix ms, for uptime_in_seconds
  std::size_t connected_clients = 0;
  std::uint64_t total_connections_received = 0;
  std::uint64_t total_commands_processed = 0;
  std::uint64_t keyspace_hits = 0;
  std::uint64_t keyspace_misses = 0;
  std::uint64_t rejected_requests = 0;          // protocol errors and over-limit requests
};

}  // namespace kv
