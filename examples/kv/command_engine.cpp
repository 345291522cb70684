// The command table and every command's Redis 7 semantics (db.c, t_string.c, expire.c, server.c).
#include "command_engine.hpp"

#include <array>
#include <charconv>
#include <limits>
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
  for (const command& c : commands())
    if (c.name == key) return &c;
  return nullptr;
}

after_reply command_engine::execute(std::span<const std::string_view> args, reply_buffer& out, std::int64_t now_ms) {
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
  // Redis refuses PING too, so health checks notice the disk error.
  if (persistence_ != nullptr && (writes(*c) || c->run == &command_engine::ping)) {
    if (const std::string_view refusal = persistence_->write_refusal(); !refusal.empty()) {
      out.error(refusal);
      return after_reply::keep_open;
    }
  }
  (this->*(c->run))(args, out);
  return c->run == &command_engine::quit ? after_reply::close : after_reply::keep_open;
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
  enum : unsigned { nx = 1, xx = 2, get_old = 4, keep_ttl = 8, has_expire = 16 };
  unsigned flags = 0;
  std::int64_t amount = 0;
  std::int64_t unit_ms = 0;
  bool absolute = false;
  for (std::size_t j = 3; j < a.size(); ++j) {
    const std::string_view opt = a[j];
    const bool has_next = j + 1 < a.size();
    if (equals_nocase(opt, "nx") && !(flags & xx)) {
      flags |= nx;
    } else if (equals_nocase(opt, "xx") && !(flags & nx)) {
      flags |= xx;
    } else if (equals_nocase(opt, "get")) {
      flags |= get_old;
    } else if (equals_nocase(opt, "keepttl") && !(flags & has_expire)) {
      flags |= keep_ttl;
    } else if (!(flags & (keep_ttl | has_expire)) && has_next &&
               (equals_nocase(opt, "ex") || equals_nocase(opt, "px") || equals_nocase(opt, "exat") ||
                equals_nocase(opt, "pxat"))) {
      flags |= has_expire;
      unit_ms = lower(opt[0]) == 'e' ? 1000 : 1;
      absolute = opt.size() == 4;
      if (!parse_int64(a[++j], amount)) return out.error(not_integer);
    } else {
      return out.error(syntax_error);
    }
  }
  std::int64_t expires_at = no_expiry;
  if (flags & has_expire) {
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
  if (e) e->value.assign(formatted);  // keeps the key's expiry, as Redis does
  else store_.set(key, formatted, no_expiry);
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
  for (std::size_t i = 1; i < a.size(); ++i) {
    if (const kv_store::entry* e = store_.find(a[i], now_)) out.bulk(e->value);
    else out.null_bulk();
  }
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
    if (equals_nocase(a[j], "nx")) flags |= nx;
    else if (equals_nocase(a[j], "xx")) flags |= xx;
    else if (equals_nocase(a[j], "gt")) flags |= gt;
    else if (equals_nocase(a[j], "lt")) flags |= lt;
    else return out.error("ERR Unsupported option " + std::string(c_string(a[j])));
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
  if (a.size() > 2 || (a.size() == 2 && !equals_nocase(a[1], "sync") && !equals_nocase(a[1], "async")))
    return out.error(syntax_error);
  store_.clear();
  log({"FLUSHALL"});
  out.ok();
}

void command_engine::keys(args_t a, reply_buffer& out) {
  const std::string_view pattern = a[1];
  const bool all = pattern == "*";  // Redis skips matching here (its matcher rejects "" for "*")
  std::vector<std::string_view> found;
  store_.for_each(now_, [&](std::string_view key, const kv_store::entry&) {
    if (all || glob_match(pattern, key)) found.push_back(key);
  });
  out.array(found.size());
  for (std::string_view key : found) out.bulk(key);
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
    field("used_memory_dataset", store_.payload_bytes());
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
    field("rejected_requests", stats_.rejected_requests);
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
  if (!equals_nocase(a[1], "get"))
    return out.error("ERR unknown subcommand '" + std::string(c_string(a[1])) + "'. Try CONFIG HELP.");
  if (a.size() < 3) return wrong_arity("config|get", out);
  // What redis-benchmark and common clients ask for; values describe this server truthfully.
  const std::string max_bulk = std::to_string(limits_.max_bulk_length);
  auto persisted = [&](std::string_view option, std::string_view otherwise) {
    std::string v = persistence_ != nullptr ? persistence_->config_value(option) : std::string();
    return v.empty() ? std::string(otherwise) : v;
  };
  const std::pair<std::string_view, std::string> parameters[] = {
      {"appendfilename", persisted("appendfilename", "appendonly.aof")},
      {"appendfsync", persisted("appendfsync", "everysec")},
      {"appendonly", persisted("appendonly", "no")},
      {"auto-aof-rewrite-min-size", persisted("auto-aof-rewrite-min-size", "67108864")},
      {"auto-aof-rewrite-percentage", persisted("auto-aof-rewrite-percentage", "100")},
      {"databases", "1"}, {"maxmemory", "0"}, {"proto-max-bulk-len", max_bulk},
      {"save", ""},         {"timeout", "0"},
  };
  std::vector<std::pair<std::string_view, std::string_view>> found;
  for (const auto& p : parameters) {
    for (std::size_t i = 2; i < a.size(); ++i) {
      if (glob_match(lowercase(a[i]), p.first)) {
        found.push_back(p);
        break;
      }
    }
  }
  out.array(found.size() * 2);
  for (const auto& [name, value] : found) {
    out.bulk(name);
    out.bulk(value);
  }
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
  if (equals_nocase(a[1], "count") && a.size() == 2) return out.integer(static_cast<std::int64_t>(commands().size()));
  if (equals_nocase(a[1], "info")) {
    out.array(a.size() - 2);
    for (std::size_t i = 2; i < a.size(); ++i) {
      if (const command* c = find_command(a[i])) describe(*c);
      else out.null_array();
    }
    return;
  }
  // DOCS is left unknown on purpose: redis-cli asks for it at start and, refused, uses the help it
  // ships (an empty answer would leave its `help` empty).
  out.error("ERR unknown subcommand '" + std::string(c_string(a[1])) + "'. Try COMMAND HELP.");
}

void command_engine::select(args_t a, reply_buffer& out) {
  std::int64_t index = 0;
  if (!parse_int64(a[1], index)) return out.error(not_integer);
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
