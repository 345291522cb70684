// The command table and every command's Redis 7 semantics (db.c, t_string.c, expire.c, server.c).
#include "command_engine.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "glob_match.hpp"

namespace kv {

struct command_engine::command {
  std::string_view name;  // lower case
  int arity;              // Redis convention: N exactly, -N at least N (the name counts)
  void (command_engine::*run)(args_t, reply_buffer&);
  std::array<std::string_view, 3> flags;  // for COMMAND; empty entries are unused
  int first_key, last_key, step;
};

namespace {

constexpr std::string_view not_integer = "ERR value is not an integer or out of range";
constexpr std::string_view syntax_error = "ERR syntax error";
constexpr std::string_view overflow_error = "ERR increment or decrement would overflow";
// INFO reports this Redis version so clients pick the command forms this server understands.
constexpr std::string_view compatible_redis_version = "7.0.0";
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_nocase(std::string_view a, std::string_view lower_b) {
  if (a.size() != lower_b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower_b[i]) return false;
  return true;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

// Redis formats names with %s: a NUL inside one ends it.
std::string_view c_string(std::string_view s) { return s.substr(0, s.find('\0')); }

// Redis's strcasecmp on an argument: it compares the C string, so "NX\0junk" reads as NX.
bool option_is(std::string_view arg, std::string_view lower_name) { return equals_nocase(c_string(arg), lower_name); }

constexpr std::string_view oom_error = "OOM command not allowed when used memory > 'maxmemory'.";

// Redis's bytesToHuman (INFO's *_human fields).
std::string human_bytes(std::uint64_t n) {
  char text[32];
  const char* units = "KMGTP";
  if (n < 1024) {
    std::snprintf(text, sizeof text, "%lluB", static_cast<unsigned long long>(n));
    return text;
  }
  double d = static_cast<double>(n) / 1024;
  std::size_t unit = 0;
  while (d >= 1024 && unit < 4) {
    d /= 1024;
    ++unit;
  }
  std::snprintf(text, sizeof text, "%.2f%c", d, units[unit]);
  return text;
}

std::size_t decimal_digits(std::size_t n) {
  std::size_t digits = 1;
  while (n >= 10) {
    n /= 10;
    ++digits;
  }
  return digits;
}

void wrong_arity(std::string_view name, reply_buffer& out) {
  out.error("ERR wrong number of arguments for '" + std::string(name) + "' command");
}

void unknown_command(std::span<const std::string_view> a, reply_buffer& out) {
  std::string args;
  for (std::size_t i = 1; i < a.size() && args.size() < 128; ++i) {
    args += '\'';
    args += c_string(a[i]).substr(0, 128 - args.size() + 1);
    args += "' ";
  }
  out.error("ERR unknown command '" + std::string(c_string(a[0]).substr(0, 128)) +
            "', with args beginning with: " + args);
}

bool is_denyoom(const command_engine::command& c) {
  for (std::string_view f : c.flags)
    if (f == "denyoom") return true;
  return false;
}

}  // namespace

std::span<const command_engine::command> command_engine::commands() {
  using e = command_engine;
  static constexpr command table[] = {
      {"bgrewriteaof", 1, &e::bgrewriteaof, {"admin", "noscript"}, 0, 0, 0},
      {"bgsave", -1, &e::bgsave, {"admin", "noscript"}, 0, 0, 0},
      {"command", -1, &e::command_cmd, {"loading", "stale"}, 0, 0, 0},
      {"config", -2, &e::config, {"admin", "noscript", "loading"}, 0, 0, 0},
      {"dbsize", 1, &e::dbsize, {"readonly", "fast"}, 0, 0, 0},
      {"decr", 2, &e::decr, {"write", "denyoom", "fast"}, 1, 1, 1},
      {"decrby", 3, &e::decrby, {"write", "denyoom", "fast"}, 1, 1, 1},
      {"del", -2, &e::del, {"write"}, 1, -1, 1},
      {"echo", 2, &e::echo, {"fast"}, 0, 0, 0},
      {"exists", -2, &e::exists, {"readonly", "fast"}, 1, -1, 1},
      {"expire", -3, &e::expire, {"write", "fast"}, 1, 1, 1},
      {"expireat", -3, &e::expireat, {"write", "fast"}, 1, 1, 1},
      {"flushall", -1, &e::flushall, {"write"}, 0, 0, 0},
      {"get", 2, &e::get, {"readonly", "fast"}, 1, 1, 1},
      {"getset", 3, &e::getset, {"write", "denyoom", "fast"}, 1, 1, 1},
      {"incr", 2, &e::incr, {"write", "denyoom", "fast"}, 1, 1, 1},
      {"incrby", 3, &e::incrby, {"write", "denyoom", "fast"}, 1, 1, 1},
      {"info", -1, &e::info, {"loading", "stale"}, 0, 0, 0},
      {"keys", 2, &e::keys, {"readonly"}, 0, 0, 0},
      {"mget", -2, &e::mget, {"readonly", "fast"}, 1, -1, 1},
      {"mset", -3, &e::mset, {"write", "denyoom"}, 1, -1, 2},
      {"pexpire", -3, &e::pexpire, {"write", "fast"}, 1, 1, 1},
      {"pexpireat", -3, &e::pexpireat, {"write", "fast"}, 1, 1, 1},
      {"ping", -1, &e::ping, {"fast"}, 0, 0, 0},
      {"pttl", 2, &e::pttl, {"readonly", "fast"}, 1, 1, 1},
      {"quit", -1, &e::quit, {"allow_busy", "fast"}, 0, 0, 0},
      {"save", 1, &e::save, {"admin", "noscript"}, 0, 0, 0},
      {"select", 2, &e::select, {"loading", "stale", "fast"}, 0, 0, 0},
      {"set", -3, &e::set, {"write", "denyoom"}, 1, 1, 1},
      {"ttl", 2, &e::ttl, {"readonly", "fast"}, 1, 1, 1},
  };
  return table;
}

bool command_engine::writes(const command& c) {
  for (std::string_view f : c.flags)
    if (f == "write") return true;
  return false;
}

const command_engine::command* command_engine::find_command(std::string_view name) {
  if (name.size() > 12) return nullptr;  // longer than any name in the table
  char folded[12];
  for (std::size_t i = 0; i < name.size(); ++i) folded[i] = lower(name[i]);
  const std::string_view key(folded, name.size());
  // The table is sorted by name: a binary search, where the linear one was about 340 instructions
  // of every request (callgrind, redis-benchmark -t set,get).
  const std::span<const command> table = commands();
  static const bool sorted = std::is_sorted(table.begin(), table.end(),
                                            [](const command& a, const command& b) { return a.name < b.name; });
  if (!sorted) std::abort();  // a command added out of order: no lookup could be trusted
  const auto found = std::lower_bound(table.begin(), table.end(), key,
                                      [](const command& c, std::string_view k) { return c.name < k; });
  return found != table.end() && found->name == key ? &*found : nullptr;
}

after_reply command_engine::execute(std::span<const std::string_view> args, reply_buffer& out, std::int64_t now_ms,
                                    reply_cursor* cursor, std::size_t high_water) {
  now_ = now_ms;
  ++stats_.total_commands_processed;
  const command* c = find_command(args[0]);
  if (c == nullptr) {
    unknown_command(args, out);
    return after_reply::keep_open;
  }
  const auto argc = static_cast<std::int64_t>(args.size());
  if ((c->arity > 0 && argc != c->arity) || (c->arity < 0 && argc < -c->arity)) {
    wrong_arity(c->name, out);
    return after_reply::keep_open;
  }
  // Redis's order: the command and its arity first, then memory, then disk errors (processCommand).
  if (config_->maxmemory != 0 && !make_room() && is_denyoom(*c)) {
    ++stats_.oom_rejections;
    out.error(oom_error);
    return after_reply::keep_open;
  }
  // Redis refuses PING too, so health checks notice the disk error.
  if (persistence_ != nullptr && (writes(*c) || c->run == &command_engine::ping)) {
    if (const std::string_view refusal = persistence_->write_refusal(); !refusal.empty()) {
      out.error(refusal);
      return after_reply::keep_open;
    }
  }
  if (cursor != nullptr && c->run == &command_engine::mget) {
    out.array(args.size() - 1);
    cursor->next_argument = 1;
    return mget_values(args, out, *cursor, high_water);
  }
  over_output_limit_ = false;
  (this->*(c->run))(args, out);
  if (over_output_limit_) return after_reply::over_output_limit;
  return c->run == &command_engine::quit ? after_reply::close : after_reply::keep_open;
}

after_reply command_engine::resume(std::span<const std::string_view> args, reply_buffer& out, std::int64_t now_ms,
                                   reply_cursor& cursor, std::size_t high_water) {
  now_ = now_ms;
  return mget_values(args, out, cursor, high_water);
}

bool command_engine::make_room() {
  const std::uint64_t limit = config_->maxmemory;
  if (used_memory() <= limit) return true;
  if (config_->policy == eviction_policy::noeviction) return false;
  // Sampling more than this buys little accuracy and costs time per evicted key.
  const unsigned samples = config_->maxmemory_samples < 64 ? config_->maxmemory_samples : 64;
  const bool lru = config_->policy == eviction_policy::allkeys_lru;
  while (used_memory() > limit) {
    const std::optional<std::string> evicted = store_.evict_one(samples, lru);
    if (!evicted) return false;  // nothing left: client buffers hold the rest
    log({"DEL", *evicted});      // Redis propagates an eviction as a DEL too
  }
  return true;
}

void command_engine::ping(args_t a, reply_buffer& out) {
  if (a.size() > 2) return wrong_arity("ping", out);
  if (a.size() == 1) out.simple("PONG");
  else out.bulk(a[1]);
}

void command_engine::echo(args_t a, reply_buffer& out) { out.bulk(a[1]); }

void command_engine::get(args_t a, reply_buffer& out) {
  if (const kv_store::entry* e = store_.find(a[1], now_)) {
    ++stats_.keyspace_hits;
    out.bulk(e->value);
  } else {
    ++stats_.keyspace_misses;
    out.null_bulk();
  }
}

void command_engine::set(args_t a, reply_buffer& out) {
  // Redis's parseExtendedStringArgumentsOrReply: each expiry option excludes the others but not a
  // repeat of itself (the last one wins), options are C strings, and the expiry's number is read
  // only once every option parsed, so a syntax error anywhere wins over a bad number.
  enum : unsigned { nx = 1, xx = 2, get_old = 4, keep_ttl = 8, ex = 16, px = 32, exat = 64, pxat = 128 };
  constexpr unsigned any_expire = ex | px | exat | pxat;
  unsigned flags = 0;
  std::string_view expire_arg;
  for (std::size_t j = 3; j < a.size(); ++j) {
    const std::string_view opt = a[j];
    const bool has_next = j + 1 < a.size();
    auto expire_option = [&](std::string_view name, unsigned kind) {
      if (!option_is(opt, name) || (flags & (keep_ttl | (any_expire & ~kind))) || !has_next) return false;
      flags |= kind;
      expire_arg = a[++j];
      return true;
    };
    if (option_is(opt, "nx") && !(flags & xx)) {
      flags |= nx;
    } else if (option_is(opt, "xx") && !(flags & nx)) {
      flags |= xx;
    } else if (option_is(opt, "get")) {
      flags |= get_old;
    } else if (option_is(opt, "keepttl") && !(flags & any_expire)) {
      flags |= keep_ttl;
    } else if (expire_option("ex", ex) || expire_option("px", px) || expire_option("exat", exat) ||
               expire_option("pxat", pxat)) {
    } else {
      return out.error(syntax_error);
    }
  }
  std::int64_t expires_at = no_expiry;
  if (flags & any_expire) {
    std::int64_t amount = 0;
    if (!parse_int64(expire_arg, amount)) return out.error(not_integer);
    const std::int64_t unit_ms = (flags & (ex | exat)) ? 1000 : 1;
    const bool absolute = flags & (exat | pxat);
    if (amount <= 0 || (unit_ms == 1000 && amount > int64_max / 1000))
      return out.error("ERR invalid expire time in 'set' command");
    expires_at = amount * unit_ms;
    if (!absolute) {
      if (expires_at > int64_max - now_) return out.error("ERR invalid expire time in 'set' command");
      expires_at += now_;
    }
  }
  kv_store::entry* existing = store_.find(a[1], now_);
  if (flags & get_old) {
    if (existing) out.bulk(existing->value);
    else out.null_bulk();
  }
  if (((flags & nx) && existing) || ((flags & xx) && !existing)) {
    if (!(flags & get_old)) out.null_bulk();
    return;
  }
  if ((flags & keep_ttl) && existing) expires_at = existing->expires_at;
  // An absolute time already past deletes the key, as Redis does.
  if (expires_at != no_expiry && expires_at <= now_) {
    if (store_.erase(a[1], now_)) log({"DEL", a[1]});
  } else {
    store_.set(a[1], a[2], expires_at);
    log_set(a[1], a[2], expires_at);
  }
  if (!(flags & get_old)) out.ok();
}

void command_engine::getset(args_t a, reply_buffer& out) {
  if (const kv_store::entry* e = store_.find(a[1], now_)) out.bulk(e->value);
  else out.null_bulk();
  store_.set(a[1], a[2], no_expiry);
  log({"SET", a[1], a[2]});
}

void command_engine::del(args_t a, reply_buffer& out) {
  std::int64_t removed = 0;
  for (std::size_t i = 1; i < a.size(); ++i) removed += store_.erase(a[i], now_) ? 1 : 0;
  if (removed > 0 && persistence_ != nullptr) persistence_->log(a);
  out.integer(removed);
}

void command_engine::exists(args_t a, reply_buffer& out) {
  std::int64_t found = 0;
  for (std::size_t i = 1; i < a.size(); ++i) found += store_.find(a[i], now_) ? 1 : 0;
  out.integer(found);
}

void command_engine::add_by(std::string_view key, std::int64_t delta, reply_buffer& out) {
  kv_store::entry* e = store_.find(key, now_);
  std::int64_t value = 0;
  if (e && !parse_int64(e->value, value)) return out.error(not_integer);
  if ((delta < 0 && value < 0 && delta < int64_min - value) || (delta > 0 && value > 0 && delta > int64_max - value))
    return out.error(overflow_error);
  value += delta;
  char text[24];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  const std::string_view formatted(text, static_cast<std::size_t>(end - text));
  // Logged as the value it set (as Redis logs INCRBYFLOAT), so replaying it twice is harmless.
  const std::int64_t expires_at = e ? e->expires_at : no_expiry;
  // Through set(), which keeps the store's byte count (and the key's expiry, as Redis does): an
  // assignment in place grew "9" to "10" unseen, and the count later fell below zero (found by
  // kv_session_fuzz: used_memory read 2^64-1 and every write got -OOM).
  store_.set(key, formatted, expires_at);
  log_set(key, formatted, expires_at);
  out.integer(value);
}

void command_engine::incr(args_t a, reply_buffer& out) { add_by(a[1], 1, out); }
void command_engine::decr(args_t a, reply_buffer& out) { add_by(a[1], -1, out); }

void command_engine::incrby(args_t a, reply_buffer& out) {
  std::int64_t delta = 0;
  if (!parse_int64(a[2], delta)) return out.error(not_integer);
  add_by(a[1], delta, out);
}

void command_engine::decrby(args_t a, reply_buffer& out) {
  std::int64_t delta = 0;
  if (!parse_int64(a[2], delta)) return out.error(not_integer);
  if (delta == int64_min) return out.error("ERR decrement would overflow");
  add_by(a[1], -delta, out);
}

void command_engine::mget(args_t a, reply_buffer& out) {
  out.array(a.size() - 1);
  reply_cursor whole{1};
  (void)mget_values(a, out, whole, SIZE_MAX);
}

after_reply command_engine::mget_values(args_t a, reply_buffer& out, reply_cursor& cursor, std::size_t high_water) {
  // Values are read as they are sent: one over the high-water mark waits for the output to drain,
  // so a reply naming a large key thousands of times never sits in memory whole. (Redis builds
  // MGET's reply at once; here a write between two steps can show in the later values.)
  std::size_t i = cursor.next_argument;
  for (; i < a.size() && out.size() < high_water; ++i) {
    if (const kv_store::entry* e = store_.find(a[i], now_)) {
      ++stats_.keyspace_hits;
      out.bulk(e->value);
    } else {
      ++stats_.keyspace_misses;
      out.null_bulk();
    }
  }
  cursor.next_argument = i < a.size() ? i : 0;
  return i < a.size() ? after_reply::more : after_reply::keep_open;
}

void command_engine::mset(args_t a, reply_buffer& out) {
  if (a.size() % 2 == 0) return wrong_arity("mset", out);
  for (std::size_t i = 1; i + 1 < a.size(); i += 2) store_.set(a[i], a[i + 1], no_expiry);
  if (persistence_ != nullptr) persistence_->log(a);
  out.ok();
}

void command_engine::expire_generic(args_t a, std::int64_t unit_ms, std::string_view name, reply_buffer& out,
                                    bool absolute) {
  enum : unsigned { nx = 1, xx = 2, gt = 4, lt = 8 };
  unsigned flags = 0;
  for (std::size_t j = 3; j < a.size(); ++j) {
    if (option_is(a[j], "nx")) flags |= nx;
    else if (option_is(a[j], "xx")) flags |= xx;
    else if (option_is(a[j], "gt")) flags |= gt;
    else if (option_is(a[j], "lt")) flags |= lt;
    else return out.error_trimmed("ERR Unsupported option " + std::string(c_string(a[j])));
  }
  if ((flags & nx) && (flags & (xx | gt | lt)))
    return out.error("ERR NX and XX, GT or LT options at the same time are not compatible");
  if ((flags & gt) && (flags & lt)) return out.error("ERR GT and LT options at the same time are not compatible");
  std::int64_t when = 0;
  if (!parse_int64(a[2], when)) return out.error(not_integer);
  const std::string invalid = "ERR invalid expire time in '" + std::string(name) + "' command";
  if (unit_ms == 1000) {
    if (when > int64_max / 1000 || when < int64_min / 1000) return out.error(invalid);
    when *= 1000;
  }
  if (!absolute) {
    if (when > int64_max - now_) return out.error(invalid);
    when += now_;
  }
  kv_store::entry* e = store_.find(a[1], now_);
  if (!e) return out.integer(0);
  const std::int64_t current = e->expires_at;
  if ((flags & nx) && current != no_expiry) return out.integer(0);
  if ((flags & xx) && current == no_expiry) return out.integer(0);
  if ((flags & gt) && (current == no_expiry || when <= current)) return out.integer(0);
  if ((flags & lt) && current != no_expiry && when >= current) return out.integer(0);
  if (when <= now_) {
    store_.erase(a[1], now_);
    log({"DEL", a[1]});
  } else {
    store_.set_expiry(a[1], when);
    char text[24];
    const auto end = std::to_chars(text, text + sizeof text, when).ptr;
    log({"PEXPIREAT", a[1], std::string_view(text, static_cast<std::size_t>(end - text))});
  }
  out.integer(1);
}

void command_engine::expire(args_t a, reply_buffer& out) { expire_generic(a, 1000, "expire", out); }
void command_engine::pexpire(args_t a, reply_buffer& out) { expire_generic(a, 1, "pexpire", out); }
void command_engine::expireat(args_t a, reply_buffer& out) { expire_generic(a, 1000, "expireat", out, true); }
void command_engine::pexpireat(args_t a, reply_buffer& out) { expire_generic(a, 1, "pexpireat", out, true); }

void command_engine::ttl_generic(args_t a, bool milliseconds, reply_buffer& out) {
  const kv_store::entry* e = store_.find(a[1], now_);
  if (!e) return out.integer(-2);
  if (e->expires_at == no_expiry) return out.integer(-1);
  std::int64_t left = e->expires_at - now_;
  if (left < 0) left = 0;
  out.integer(milliseconds ? left : (left + 500) / 1000);
}

void command_engine::ttl(args_t a, reply_buffer& out) { ttl_generic(a, false, out); }
void command_engine::pttl(args_t a, reply_buffer& out) { ttl_generic(a, true, out); }

void command_engine::dbsize(args_t, reply_buffer& out) { out.integer(static_cast<std::int64_t>(store_.size())); }

void command_engine::flushall(args_t a, reply_buffer& out) {
  if (a.size() > 2 || (a.size() == 2 && !option_is(a[1], "sync") && !option_is(a[1], "async")))
    return out.error(syntax_error);
  store_.clear();
  log({"FLUSHALL"});
  out.ok();
}

void command_engine::keys(args_t a, reply_buffer& out) {
  const std::string_view pattern = a[1];
  const bool all = pattern == "*";  // Redis skips matching here (its matcher rejects "" for "*")
  auto matches = [&](std::string_view key) { return all || glob_match(pattern, key); };
  // The reply grows with the data set, not with the request: it is built whole (KEYS is atomic),
  // but its size is known first, and one that would pass the hard limit is never built.
  std::size_t count = 0, bytes = 0;
  store_.for_each(now_, [&](std::string_view key, const kv_store::entry&) {
    if (!matches(key)) return;
    ++count;
    bytes += 1 + decimal_digits(key.size()) + 2 + key.size() + 2;
  });
  bytes += 1 + decimal_digits(count) + 2;
  const std::uint64_t hard = config_->normal.hard_bytes;
  if (hard != 0 && out.size() + bytes >= hard) {
    over_output_limit_ = true;
    return;
  }
  out.array(count);
  store_.for_each(now_, [&](std::string_view key, const kv_store::entry&) {
    if (matches(key)) out.bulk(key);
  });
}

void command_engine::info(args_t a, reply_buffer& out) {
  auto wants = [&](std::string_view section) {
    if (a.size() == 1) return true;
    for (std::size_t i = 1; i < a.size(); ++i)
      if (equals_nocase(a[i], section) || equals_nocase(a[i], "all") || equals_nocase(a[i], "everything") ||
          equals_nocase(a[i], "default"))
        return true;
    return false;
  };
  std::string text;
  auto field = [&](std::string_view name, auto value) {
    text += name;
    text += ':';
    if constexpr (std::is_convertible_v<decltype(value), std::string_view>) text += std::string_view(value);
    else text += std::to_string(value);
    text += "\r\n";
  };
  auto section = [&](std::string_view title) {
    if (!text.empty()) text += "\r\n";
    text += "# ";
    text += title;
    text += "\r\n";
  };
  if (wants("server")) {
    section("Server");
    field("redis_version", compatible_redis_version);
    field("redis_mode", "standalone");
    field("server_name", "wasio-kv");
    field("multiplexing_api", "wasi_poll_oneoff");
    field("uptime_in_seconds", (now_ - stats_.started_at_ms) / 1000);
  }
  if (wants("clients")) {
    section("Clients");
    field("connected_clients", stats_.connected_clients);
  }
  if (wants("memory")) {
    section("Memory");
    field("used_memory", used_memory());
    field("used_memory_human", human_bytes(used_memory()));
    field("used_memory_dataset", store_.memory_bytes());
    field("used_memory_payload", store_.payload_bytes());
    field("mem_clients_normal", stats_.client_buffer_bytes);
    field("maxmemory", config_->maxmemory);
    field("maxmemory_human", human_bytes(config_->maxmemory));
    field("maxmemory_policy", policy_name(config_->policy));
  }
  if (wants("persistence")) {
    section("Persistence");
    if (persistence_ != nullptr) {
      persistence_->info(text);
    } else {
      text += "loading:0\r\naof_enabled:0\r\n";
    }
  }
  if (wants("stats")) {
    section("Stats");
    field("total_connections_received", stats_.total_connections_received);
    field("total_commands_processed", stats_.total_commands_processed);
    field("expired_keys", store_.expired_count());
    field("keyspace_hits", stats_.keyspace_hits);
    field("keyspace_misses", stats_.keyspace_misses);
    field("evicted_keys", store_.evicted_count());
    field("rejected_requests", stats_.rejected_requests);
    field("client_output_buffer_limit_disconnections", stats_.output_limit_disconnections);
    field("evicted_clients", stats_.evicted_clients);
    field("oom_rejected_commands", stats_.oom_rejections);
  }
  if (wants("keyspace")) {
    section("Keyspace");
    if (store_.size() > 0)
      text += "db0:keys=" + std::to_string(store_.size()) + ",expires=" + std::to_string(store_.expiring()) +
              ",avg_ttl=0\r\n";
  }
  out.bulk(text);
}

void command_engine::config(args_t a, reply_buffer& out) {
  // CONFIG is a container command in Redis 7: its subcommands have their own arity.
  if (equals_nocase(a[1], "get")) {
    if (a.size() < 3) return wrong_arity("config|get", out);
    return config_get(a, out);
  }
  if (equals_nocase(a[1], "set")) {
    if (a.size() < 4) return wrong_arity("config|set", out);
    return config_set(a, out);
  }
  if (equals_nocase(a[1], "resetstat")) {
    if (a.size() != 2) return wrong_arity("config|resetstat", out);
    stats_.total_commands_processed = stats_.keyspace_hits = stats_.keyspace_misses = 0;
    stats_.rejected_requests = stats_.output_limit_disconnections = stats_.oom_rejections = 0;
    stats_.evicted_clients = 0;
    stats_.total_connections_received = 0;
    return out.ok();
  }
  out.error("ERR unknown subcommand '" + std::string(c_string(a[1]).substr(0, 128)) + "'. Try CONFIG HELP.");
}

void command_engine::config_get(args_t a, reply_buffer& out) {
  // Redis's reply order follows a hash table seeded at random per process, so no order is
  // Redis's own: kv answers in the order the names were asked for, each pattern's matches sorted.
  // A plain name is answered as spelled (CONFIG GET MAXMEMORY says MAXMEMORY), a pattern's matches
  // by their own names, and each parameter at most once.
  std::vector<std::pair<std::string_view, const config_parameter*>> found;
  auto seen = [&](const config_parameter* p) {
    for (const auto& f : found)
      if (f.second == p) return true;
    return false;
  };
  for (std::size_t i = 2; i < a.size(); ++i) {
    if (c_string(a[i]).find_first_of("[*?") == std::string_view::npos) {
      const config_parameter* p = find_config_parameter(a[i]);
      if (p != nullptr && !seen(p)) found.emplace_back(a[i], p);
      continue;
    }
    const std::string pattern = lowercase(a[i]);  // Redis matches these case-insensitively
    for (const config_parameter& p : config_parameters())
      if (!seen(&p) && glob_match(pattern, p.name)) found.emplace_back(p.name, &p);
  }
  out.array(found.size() * 2);
  for (const auto& [name, p] : found) {
    out.bulk(name);
    const std::string persisted = persistence_ != nullptr ? persistence_->config_value(p->name) : std::string();
    out.bulk(persisted.empty() ? p->get(*config_) : persisted);
  }
}

void command_engine::config_set(args_t a, reply_buffer& out) {
  if (a.size() % 2 != 0) return out.error(syntax_error);
  // Redis's configSetCommand: every name is checked before any value applies, and values apply
  // all or nothing. The first problem found decides the error.
  std::vector<const config_parameter*> chosen;
  // Not "unknown_name is empty": an empty name (CONFIG SET "" x) is unknown too.
  std::optional<std::string> unknown_name;
  std::string_view problem, problem_arg;
  for (std::size_t i = 2; i < a.size() && !unknown_name && problem.empty(); i += 2) {
    const config_parameter* p = find_config_parameter(a[i]);
    if (p == nullptr) {
      unknown_name = c_string(a[i]);
    } else if (p->set == nullptr) {
      problem = "can't set immutable config";
      problem_arg = a[i];
    } else {
      for (const config_parameter* q : chosen) {
        if (q == p) {
          problem = "duplicate parameter";
          problem_arg = a[i];
        }
      }
    }
    chosen.push_back(p);
  }
  if (unknown_name)
    return out.error_trimmed("ERR Unknown option or number of arguments for CONFIG SET - '" + *unknown_name + "'");
  server_config changed = *config_;
  for (std::size_t k = 0; problem.empty() && k < chosen.size(); ++k) {
    if (auto error = chosen[k]->set(changed, a[3 + 2 * k])) {
      problem = *error;
      problem_arg = chosen[k]->name;
    }
  }
  if (!problem.empty())
    return out.error_trimmed("ERR CONFIG SET failed (possibly related to argument '" +
                             std::string(c_string(problem_arg)) + "') - " + std::string(problem));
  *config_ = changed;
  out.ok();
}

void command_engine::command_cmd(args_t a, reply_buffer& out) {
  auto describe = [&](const command& c) {
    out.array(10);
    out.bulk(c.name);
    out.integer(c.arity);
    std::size_t flag_count = 0;
    for (std::string_view f : c.flags) flag_count += f.empty() ? 0 : 1;
    out.array(flag_count);
    for (std::string_view f : c.flags)
      if (!f.empty()) out.simple(f);
    out.integer(c.first_key);
    out.integer(c.last_key);
    out.integer(c.step);
    out.array(0);  // ACL categories
    out.array(0);  // tips
    out.array(0);  // key specifications
    out.array(0);  // subcommands
  };
  if (a.size() == 1) {
    out.array(commands().size());
    for (const command& c : commands()) describe(c);
    return;
  }
  if (equals_nocase(a[1], "count")) {
    if (a.size() != 2) return wrong_arity("command|count", out);
    return out.integer(static_cast<std::int64_t>(commands().size()));
  }
  if (equals_nocase(a[1], "info")) {
    if (a.size() == 2) {  // no names: every command, as plain COMMAND
      out.array(commands().size());
      for (const command& c : commands()) describe(c);
      return;
    }
    out.array(a.size() - 2);
    for (std::size_t i = 2; i < a.size(); ++i) {
      if (const command* c = find_command(a[i])) describe(*c);
      else out.null_array();
    }
    return;
  }
  // DOCS is left unknown on purpose: redis-cli asks for it at start and, refused, uses the help it
  // ships (an empty answer would leave its `help` empty).
  out.error("ERR unknown subcommand '" + std::string(c_string(a[1]).substr(0, 128)) + "'. Try COMMAND HELP.");
}

void command_engine::select(args_t a, reply_buffer& out) {
  std::int64_t index = 0;
  if (!parse_int64(a[1], index)) return out.error(not_integer);
  // Redis reads the index as an int first (getIntFromObjectOrReply), with its own wording.
  if (index < std::numeric_limits<std::int32_t>::min() || index > std::numeric_limits<std::int32_t>::max())
    return out.error("ERR value is out of range, value must between -2147483648 and 2147483647");
  if (index != 0) return out.error("ERR DB index is out of range");
  out.ok();
}

void command_engine::quit(args_t, reply_buffer& out) { out.ok(); }

void command_engine::log(std::initializer_list<std::string_view> args) {
  if (persistence_ != nullptr) persistence_->log(std::span(args.begin(), args.size()));
}

void command_engine::log_set(std::string_view key, std::string_view value, std::int64_t expires_at) {
  if (persistence_ == nullptr) return;
  if (expires_at == no_expiry) return log({"SET", key, value});
  char text[24];
  const auto end = std::to_chars(text, text + sizeof text, expires_at).ptr;
  log({"SET", key, value, "PXAT", std::string_view(text, static_cast<std::size_t>(end - text))});
}

void command_engine::bgrewriteaof(args_t, reply_buffer& out) {
  if (persistence_ == nullptr) return out.error("ERR this server keeps no append-only file");
  const std::string status = persistence_->rewrite();
  if (status.starts_with("ERR")) out.error(status);
  else out.simple(status);
}

// No RDB snapshots here: the append-only file is the one persistence. SAVE makes it durable now,
// which is what a caller of SAVE wants to know; BGSAVE is refused so no script believes a dump.rdb exists.
void command_engine::save(args_t, reply_buffer& out) {
  if (persistence_ == nullptr) return out.error("ERR this server keeps no append-only file (start it with --appendonly yes)");
  const std::string error = persistence_->save();
  if (error.empty()) out.ok();
  else out.error(error);
}

void command_engine::bgsave(args_t a, reply_buffer& out) {
  if (a.size() > 2 || (a.size() == 2 && !equals_nocase(a[1], "schedule"))) return out.error(syntax_error);
  out.error("ERR BGSAVE is not supported: kv writes no RDB snapshot, its data is in the append-only file "
            "(SAVE makes it durable, BGREWRITEAOF compacts it)");
}

}  // namespace kv
