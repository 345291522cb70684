#pragma once
/// kv::command_engine: executes one parsed Redis request against a kv_store and appends its reply.
///
/// Commands: PING, ECHO, GET, SET (EX, PX, EXAT, PXAT, NX, XX, GET, KEEPTTL), GETSET, DEL, EXISTS,
/// INCR, DECR, INCRBY, DECRBY, MGET, MSET, EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (NX, XX, GT, LT), TTL,
/// PTTL, DBSIZE,
/// FLUSHALL, KEYS, INFO, CONFIG GET, COMMAND (COUNT, INFO), SELECT 0, QUIT, BGREWRITEAOF, SAVE,
/// BGSAVE. Names are case-insensitive.
///
/// Errors (RESP error replies, with Redis 7's wording so clients and scripts see what they expect):
/// - "ERR unknown command 'x', with args beginning with: 'a' ...";
/// - "ERR wrong number of arguments for 'get' command";
/// - "ERR value is not an integer or out of range", "ERR increment or decrement would overflow";
/// - "ERR syntax error", "ERR invalid expire time in 'set' command" (and 'expire', 'pexpire' ...);
/// - "ERR unknown subcommand 'x'. Try CONFIG HELP.", "ERR DB index is out of range";
/// - with a persistence attached: "MISCONF Errors writing to the AOF file: ..." for write commands
///   and PING while the disk fails (persistence::write_refusal).
/// Notes:
/// - Only strings are stored, so no command here can meet a key of another type: WRONGTYPE, the
///   Redis error for that, has no occasion to appear.
/// - `now_ms` (Unix ms) is the caller's clock reading; the engine never reads a clock itself.
///
/// Example (compiled in tests/e2e/kv/command_engine_test.cpp):
///   kv::kv_store store;
///   kv::server_stats stats;
///   kv::command_engine engine(store, stats);
///   kv::reply_buffer out;
///   std::string_view set[] = {"SET", "k", "v", "EX", "10"};
///   engine.execute(set, out, now_ms);   // out.view() == "+OK\r\n"

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

#include "kv_store.hpp"
#include "persistence.hpp"
#include "reply_buffer.hpp"
#include "resp_parser.hpp"
#include "server_stats.hpp"

namespace kv {

/// What the connection does once the reply is written.
enum class after_reply : std::uint8_t { keep_open, close };

class command_engine {
 public:
  command_engine(kv_store& store, server_stats& stats, request_limits limits = {})
      : store_(store), stats_(stats), limits_(limits) {}

  /// Reports every change to `p` (nullptr: none) and answers the persistence commands through it.
  /// Lifetime: `p` outlives the engine or is detached first.
  void attach(persistence* p) { persistence_ = p; }

  /// Runs the request `args` (non-empty) and appends exactly one reply to `out`.
  after_reply execute(std::span<const std::string_view> args, reply_buffer& out, std::int64_t now_ms);

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

  kv_store& store_;
  server_stats& stats_;
  request_limits limits_;
  persistence* persistence_ = nullptr;
  std::int64_t now_ = 0;  // the current request's clock reading
};

}  // namespace kv
