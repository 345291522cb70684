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
  std::uint64_t output_limit_disconnections = 0; // clients closed past client-output-buffer-limit
  std::uint64_t evicted_clients = 0;            // clients closed past maxmemory-clients
  std::uint64_t oom_rejections = 0;             // commands refused with -OOM
  std::size_t client_buffer_bytes = 0;          // every session's input and output buffers (allocated)
};

}  // namespace kv
