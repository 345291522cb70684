#pragma once
/// kv::command_engine: executes one parsed Redis request against a kv_store and appends its reply.
///
/// Commands: PING, ECHO, GET, SET (EX, PX, EXAT, PXAT, NX, XX, GET, KEEPTTL), GETSET, DEL, EXISTS,
/// INCR, DECR, INCRBY, DECRBY, MGET, MSET, EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (NX, XX, GT, LT), TTL,
/// PTTL, DBSIZE, FLUSHALL, KEYS, INFO, CONFIG (GET, SET, RESETSTAT), COMMAND (COUNT, INFO), SELECT 0,
/// QUIT, BGREWRITEAOF, SAVE, BGSAVE. Names are case-insensitive.
///
/// Errors (RESP error replies, with Redis 7's wording so clients and scripts see what they expect):
/// - "ERR unknown command 'x', with args beginning with: 'a' ...";
/// - "ERR wrong number of arguments for 'get' command";
/// - "ERR value is not an integer or out of range", "ERR increment or decrement would overflow";
/// - "ERR syntax error", "ERR invalid expire time in 'set' command" (and 'expire', 'pexpire' ...);
/// - "ERR unknown subcommand 'x'. Try CONFIG HELP.", "ERR DB index is out of range";
/// - "OOM command not allowed when used memory > 'maxmemory'.": a command that can grow the data set
///   (Redis's denyoom flag: SET, GETSET, MSET, INCR, DECR, INCRBY, DECRBY) while used_memory() is
///   above maxmemory and the policy could not evict enough (noeviction, or nothing left to evict).
/// - with a persistence attached: "MISCONF Errors writing to the AOF file: ..." for write commands
///   and PING while the disk fails (persistence::write_refusal).
/// Notes:
/// - Only strings are stored, so no command here can meet a key of another type: WRONGTYPE, the
///   Redis error for that, has no occasion to appear.
/// - `now_ms` (Unix ms) is the caller's clock reading; the engine never reads a clock itself.
/// - Replies that grow with the request (MGET: one value per key named, the same key any number of
///   times) are produced in steps: given a reply_cursor, execute() stops once the output reaches
///   `high_water` and says after_reply::more; resume() goes on once the output has drained. KEYS,
///   whose reply grows with the data set instead, is built whole but never past the client's
///   output hard limit (after_reply::over_output_limit: the client is to be closed, as Redis closes
///   a client whose reply passed it).
/// - used_memory() is the key space's estimate (kv_store::memory_bytes) plus every client's buffers
///   (server_stats::client_buffer_bytes), as Redis counts client buffers in its used_memory.
///
/// Example (compiled in tests/e2e/kv/command_engine_test.cpp):
///   kv::kv_store store;
///   kv::server_stats stats;
///   kv::command_engine engine(store, stats);
///   kv::reply_buffer out;
///   std::string_view set[] = {"SET", "k", "v", "EX", "10"};
///   engine.execute(set, out, now_ms);   // out.view() == "+OK\r\n"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

#include "kv_store.hpp"
#include "persistence.hpp"
#include "reply_buffer.hpp"
#include "resp_parser.hpp"
#include "server_config.hpp"
#include "server_stats.hpp"

namespace kv {

/// What the connection does next.
enum class after_reply : std::uint8_t {
  keep_open,          // the reply is complete
  close,              // the reply is complete; close once it is written (QUIT)
  more,               // the reply is unfinished: resume() once the output has drained
  over_output_limit,  // the reply would pass the client's output hard limit: close without it
};

/// Where a reply produced in steps stands (one per connection; 0 when none is in progress).
struct reply_cursor {
  std::size_t next_argument = 0;
};

class command_engine {
 public:
  /// With the default configuration (server_config{}), owned by the engine.
  command_engine(kv_store& store, server_stats& stats) : store_(store), stats_(stats), config_(&own_config_) {}
  /// With `config`, which CONFIG SET changes; it must outlive the engine.
  command_engine(kv_store& store, server_stats& stats, server_config& config)
      : store_(store), stats_(stats), config_(&config) {}

  /// Reports every change to `p` (nullptr: none) and answers the persistence commands through it.
  /// Lifetime: `p` outlives the engine or is detached first.
  void attach(persistence* p) { persistence_ = p; }

  /// Runs the request `args` (non-empty) and appends its reply to `out`: the whole reply, unless
  /// `cursor` is given and the reply is one produced in steps (see the notes above).
  after_reply execute(std::span<const std::string_view> args, reply_buffer& out, std::int64_t now_ms,
                      reply_cursor* cursor = nullptr, std::size_t high_water = SIZE_MAX);
  /// Continues the reply `cursor` stands in, for the same `args`; more or keep_open.
  after_reply resume(std::span<const std::string_view> args, reply_buffer& out, std::int64_t now_ms,
                     reply_cursor& cursor, std::size_t high_water);

  /// The memory maxmemory is compared with (bytes).
  std::size_t used_memory() const { return store_.memory_bytes() + stats_.client_buffer_bytes; }
  server_config& config() { return *config_; }

  /// One row of the command table (what COMMAND reports, and which member runs it).
  struct command;
  /// The command table, sorted by name.
  static std::span<const command> commands();

 private:
  using args_t = std::span<const std::string_view>;
  static const command* find_command(std::string_view name);
  static bool writes(const command& c);
  void ping(args_t a, reply_buffer& out);
  void echo(args_t a, reply_buffer& out);
  void get(args_t a, reply_buffer& out);
  void set(args_t a, reply_buffer& out);
  void getset(args_t a, reply_buffer& out);
  void del(args_t a, reply_buffer& out);
  void exists(args_t a, reply_buffer& out);
  void incr(args_t a, reply_buffer& out);
  void decr(args_t a, reply_buffer& out);
  void incrby(args_t a, reply_buffer& out);
  void decrby(args_t a, reply_buffer& out);
  void mget(args_t a, reply_buffer& out);
  after_reply mget_values(args_t a, reply_buffer& out, reply_cursor& cursor, std::size_t high_water);
  /// Runs Redis's performEvictions: false when memory stays above maxmemory.
  bool make_room();
  void mset(args_t a, reply_buffer& out);
  void expire(args_t a, reply_buffer& out);
  void pexpire(args_t a, reply_buffer& out);
  void expireat(args_t a, reply_buffer& out);
  void pexpireat(args_t a, reply_buffer& out);
  void ttl(args_t a, reply_buffer& out);
  void pttl(args_t a, reply_buffer& out);
  void dbsize(args_t a, reply_buffer& out);
  void flushall(args_t a, reply_buffer& out);
  void keys(args_t a, reply_buffer& out);
  void info(args_t a, reply_buffer& out);
  void config(args_t a, reply_buffer& out);
  void command_cmd(args_t a, reply_buffer& out);
  void select(args_t a, reply_buffer& out);
  void quit(args_t a, reply_buffer& out);
  void bgrewriteaof(args_t a, reply_buffer& out);
  void save(args_t a, reply_buffer& out);
  void bgsave(args_t a, reply_buffer& out);
  /// Hands a change to the persistence, if any (see persistence.hpp for the forms logged).
  void log(std::initializer_list<std::string_view> args);
  /// Logs `key` = `value` with its expiry as SET key value [PXAT ms].
  void log_set(std::string_view key, std::string_view value, std::int64_t expires_at);

  void add_by(std::string_view key, std::int64_t delta, reply_buffer& out);
  void expire_generic(args_t a, std::int64_t unit_ms, std::string_view name, reply_buffer& out,
                      bool absolute = false);
  void ttl_generic(args_t a, bool milliseconds, reply_buffer& out);
  void config_get(args_t a, reply_buffer& out);
  void config_set(args_t a, reply_buffer& out);

  kv_store& store_;
  server_stats& stats_;
  server_config own_config_;
  server_config* config_;
  persistence* persistence_ = nullptr;
  std::int64_t now_ = 0;  // the current request's clock reading
  bool over_output_limit_ = false;  // set by a command whose reply would pass the hard limit
};

}  // namespace kv
