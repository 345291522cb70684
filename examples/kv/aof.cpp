// The append-only file: logging, group commit, fsync policies, disk errors and the in-loop rewrite
// (after Redis's aof.c: feedAppendOnlyFile, flushAppendOnlyFile, rewriteAppendOnlyFileBackground).
#include "aof.hpp"

#include <cstdio>

#include "aof_loader.hpp"

namespace kv {

using wasio::errc;

namespace {

void append_decimal_line(std::string& out, char prefix, std::size_t n) {
  out += prefix;
  out += std::to_string(n);
  out += "\r\n";
}

// strerror's wording, which is what Redis puts after "MISCONF Errors writing to the AOF file: ".
std::string capitalised_message(errc code) {
  switch (code) {
    case errc::io: return "Input/output error";
    case errc::nospc: return "No space left on device";
    case errc::dquot: return "Disk quota exceeded";
    case errc::rofs: return "Read-only file system";
    case errc::fbig: return "File too large";
    case errc::acces: return "Permission denied";
    default: break;
  }
  std::string text(wasio::message(code));
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
  return text;
}

}  // namespace

void append_command(std::string& out, std::span<const std::string_view> args) {
  append_decimal_line(out, '*', args.size());
  for (std::string_view a : args) {
    append_decimal_line(out, '$', a.size());
    out.append(a);
    out += "\r\n";
  }
}

struct aof::rewrite_state {
  std::unique_ptr<aof_file> temp;
  std::string out;            // snapshot commands encoded, not yet written
  std::string tail;           // commands logged since the rewrite began
  std::size_t tail_sent = 0;  // bytes of tail already in the temporary file
  std::size_t cursor = 0;     // next hash bucket
  std::size_t buckets = 0;    // the bucket count the scan runs over
  bool scanned = false;
  std::uint64_t temp_bytes = 0;
  std::uint64_t temp_synced = 0;
  std::int64_t started_ms = 0;
};

aof::aof(aof_options options, aof_directory& dir, kv_store& store, command_engine& engine, request_limits limits)
    : options_(std::move(options)), dir_(dir), store_(store), engine_(engine), limits_(limits) {}

aof::~aof() = default;

std::string aof::start(std::int64_t now_ms, std::string& warnings) {
  now_ms_ = now_ms;
  last_sync_ms_ = now_ms;
  if (!options_.enabled) return "";
  (void)dir_.remove(temp_name());  // a rewrite a crash interrupted; the AOF itself is whole without it
  bool repair = false;
  if (auto f = dir_.open(options_.filename, open_mode::read); f) {
    // Replayed as of time 0, so no key expires while loading (as Redis does): a key set with a
    // deadline now past may have been given a later one by the next command. Keys whose time has
    // passed are reclaimed after loading, like any expired key. (Every Redis since 2.6 logs expiry
    // times as absolute ones, so the clock matters for nothing else.)
    const aof_load_result r = load_aof(**f, engine_, limits_, 0);
    loaded_commands_ = r.commands;
    if (!r.error.empty()) {
      return options_.filename + ": " + r.error + "; make a backup of the file, then `redis-check-aof --fix " +
             options_.filename + "` cuts it there";
    }
    if (r.truncated) {
      const std::string where = " at offset " + std::to_string(r.valid_bytes) + " of " + std::to_string(r.file_bytes);
      if (!options_.load_truncated) {
        return options_.filename + ": the file ends in the middle of a command" + where +
               " and aof-load-truncated is no; `redis-check-aof --fix " + options_.filename + "` cuts it there";
      }
      warnings += "!!! Warning: short read while loading the AOF file " + options_.filename + where +
                  "; loaded up to the last complete command (aof-load-truncated yes); rewriting the file\n";
      repair = true;
    }
    current_size_ = r.file_bytes;
  } else if (f.error() != errc::noent) {
    return "cannot open " + options_.filename + " for reading: " + std::string(wasio::message(f.error()));
  }
  if (repair) {
    // The file ends inside a command: appending to it would bury that fragment in the middle of the
    // log. Rewrite it from what was loaded, before serving (nothing else runs yet).
    if (std::string e = start_rewrite(now_ms); !e.empty()) return "cannot repair " + options_.filename + ": " + e;
    while (rewrite_) rewrite_step(now_ms);
    if (!last_rewrite_ok_) {
      return "cannot repair " + options_.filename + ": " + std::string(wasio::message(last_error_));
    }
  } else {
    auto f = dir_.open(options_.filename, open_mode::append);
    if (!f) return "cannot open " + options_.filename + " for appending: " + std::string(wasio::message(f.error()));
    file_ = std::move(*f);
    if (auto size = file_->size(); size) current_size_ = *size;
  }
  base_size_ = current_size_;
  engine_.attach(this);
  return "";
}

void aof::log(std::span<const std::string_view> args) {
  if (!options_.enabled) return;
  const std::size_t before = buffer_.size();
  if (!selected_) {
    const std::string_view select[] = {"SELECT", "0"};
    append_command(buffer_, select);
    selected_ = true;
  }
  append_command(buffer_, args);
  logged_ += buffer_.size() - before;
  if (rewrite_) append_command(rewrite_->tail, args);
}

std::int64_t aof::micros() const { return clock_us_ != nullptr ? clock_us_() : 0; }

void aof::set_error(errc code, const char* what) {
  last_error_ = code;
  if (!refusal_.empty()) return;  // already reported
  refusal_ = "MISCONF Errors writing to the AOF file: " + capitalised_message(code);
  std::fprintf(stderr, "kv: %s of the AOF failed: %.*s; write commands are refused until it succeeds\n", what,
               static_cast<int>(wasio::message(code).size()), wasio::message(code).data());
}

void aof::clear_error() {
  if (refusal_.empty()) return;
  refusal_.clear();
  failed_ = failure::none;
  std::fprintf(stderr, "kv: the AOF is written again; write commands are accepted\n");
}

bool aof::write_buffer() {
  if (!file_) return false;
  while (!buffer_.empty()) {
    auto n = file_->write(std::span(buffer_.data(), buffer_.size()));
    if (!n || *n == 0) {
      failed_ = failure::write;
      set_error(n ? errc::io : n.error(), "a write");
      return false;
    }
    // A short write continues where it stopped next time, so the file stays one whole log.
    buffer_.erase(0, *n);
    written_ += *n;
    current_size_ += *n;
  }
  if (failed_ == failure::write) clear_error();
  return true;
}

bool aof::sync_file(std::int64_t now_ms) {
  if (!file_ || synced_ == written_) return false;
  const std::int64_t t0 = micros();
  auto r = file_->sync();
  const auto took = static_cast<std::uint64_t>(micros() - t0);
  ++fsyncs_;
  fsync_last_us_ = took;
  if (took > fsync_max_us_) fsync_max_us_ = took;
  if (!r) {
    if (options_.fsync == fsync_policy::always) fatal_ = true;
    failed_ = failure::sync;
    set_error(r.error(), "an fsync");
    return false;
  }
  synced_ = written_;
  last_sync_ms_ = now_ms;
  if (failed_ == failure::sync) clear_error();
  return true;
}

bool aof::flush(std::int64_t now_ms) {
  now_ms_ = now_ms;
  if (!options_.enabled || fatal_) return false;
  const std::uint64_t before = acknowledged();
  if (!buffer_.empty()) {
    if (written_ == synced_) first_unsynced_ms_ = now_ms;
    write_buffer();
  }
  if (options_.fsync == fsync_policy::always) {
    if (buffer_.empty()) sync_file(now_ms);
  } else if (options_.fsync == fsync_policy::everysec) {
    // Early when much is dirty, so no one fsync has a long write-back to wait for.
    if (written_ - synced_ >= everysec_dirty_limit) sync_file(now_ms);
  }
  return acknowledged() != before;
}

bool aof::tick(std::int64_t now_ms) {
  now_ms_ = now_ms;
  if (!options_.enabled || fatal_) return false;
  const std::uint64_t before = acknowledged();
  if (!buffer_.empty()) flush(now_ms);  // a retry after a disk error
  // Synced within a second of the first write it covers: the tick's 100 ms come off the second.
  if (options_.fsync == fsync_policy::everysec && written_ > synced_ &&
      (now_ms - first_unsynced_ms_ >= 1000 - tick_ms || failed_ == failure::sync))
    sync_file(now_ms);
  if (!busy() && now_ms >= rewrite_not_before_ms_) {  // not while the last replaced file is cut down
    bool grown = false;
    if (options_.rewrite_percentage > 0 && current_size_ > options_.rewrite_min_size) {
      const std::uint64_t base = base_size_ > 0 ? base_size_ : 1;
      grown = (current_size_ - base) * 100 / base >= static_cast<std::uint64_t>(options_.rewrite_percentage) &&
              current_size_ > base;
    }
    if (grown || rewrite_scheduled_) {
      if (grown) std::fprintf(stderr, "kv: starting an automatic rewrite of the AOF (%llu bytes, base %llu)\n",
                              static_cast<unsigned long long>(current_size_),
                              static_cast<unsigned long long>(base_size_));
      (void)start_rewrite(now_ms);
    }
  }
  return acknowledged() != before;
}

std::string aof::start_rewrite(std::int64_t now_ms) {
  rewrite_scheduled_ = false;
  auto temp = dir_.open(temp_name(), open_mode::create_truncate);
  if (!temp) {
    last_rewrite_ok_ = false;
    last_error_ = temp.error();
    rewrite_not_before_ms_ = now_ms + rewrite_retry_delay_ms;
    std::fprintf(stderr, "kv: cannot start the AOF rewrite: %.*s\n", static_cast<int>(wasio::message(temp.error()).size()),
                 wasio::message(temp.error()).data());
    return "ERR cannot create " + temp_name() + ": " + std::string(wasio::message(temp.error()));
  }
  rewrite_ = std::make_unique<rewrite_state>();
  rewrite_->temp = std::move(*temp);
  rewrite_->started_ms = now_ms;
  store_.pin_buckets(true);
  rewrite_->buckets = store_.scan_buckets();
  const std::string_view select[] = {"SELECT", "0"};
  append_command(rewrite_->out, select);
  return "";
}

void aof::abort_rewrite(std::int64_t now_ms, errc code, const char* what) {
  rewrite_->temp.reset();
  (void)dir_.remove(temp_name());
  rewrite_.reset();
  store_.pin_buckets(false);
  last_rewrite_ok_ = false;
  last_error_ = code;
  rewrite_not_before_ms_ = now_ms + rewrite_retry_delay_ms;
  std::fprintf(stderr, "kv: the AOF rewrite failed (%s: %.*s); the old file stays in use\n", what,
               static_cast<int>(wasio::message(code).size()), wasio::message(code).data());
}

namespace {
// Writes all of `data` to `file`; the error of the first failed write.
wasio::result<void> write_all(aof_file& file, std::string_view data) {
  while (!data.empty()) {
    auto n = file.write(std::span(data.data(), data.size()));
    if (!n) return wasio::fail(n.error());
    if (*n == 0) return wasio::fail(errc::io);
    data.remove_prefix(*n);
  }
  return {};
}
}  // namespace

void aof::retire_step() {
  if (retired_size_ > retire_chunk) {
    retired_size_ -= retire_chunk;
    if (retired_->truncate(retired_size_)) return;
  }
  retired_.reset();  // small now (or truncate failed: close it all at once)
  retired_size_ = 0;
}

bool aof::rewrite_step(std::int64_t now_ms) {
  if (!rewrite_) {
    if (retired_) retire_step();
    return false;
  }
  now_ms_ = now_ms;
  const std::int64_t t0 = micros();
  rewrite_state& r = *rewrite_;
  bool moved = false;
  if (!r.scanned) {
    if (store_.scan_buckets() != r.buckets) {
      // The table rehashed after all (it grew past the pin): scan again; keys seen twice are harmless.
      r.cursor = 0;
      r.buckets = store_.scan_buckets();
    }
    r.cursor = store_.scan(r.cursor, rewrite_bucket_budget, now_ms, [&](std::string_view key, const kv_store::entry& e) {
      const std::string_view set[] = {"SET", key, e.value};
      append_command(r.out, set);
      if (e.expires_at != no_expiry) {
        const std::string when = std::to_string(e.expires_at);
        const std::string_view pexpireat[] = {"PEXPIREAT", key, when};
        append_command(r.out, pexpireat);
      }
    });
    if (r.cursor >= r.buckets) r.scanned = true;
    if (r.out.size() >= rewrite_write_size || r.scanned) {
      if (auto w = write_all(*r.temp, r.out); !w) {
        abort_rewrite(now_ms, w.error(), "writing the new file");
        return false;
      }
      r.temp_bytes += r.out.size();
      r.out.clear();
      if (r.temp_bytes - r.temp_synced >= rewrite_sync_interval) {
        // Incremental fsync (Redis's aof-rewrite-incremental-fsync): the last one stays short.
        if (auto s = r.temp->sync(); !s) {
          abort_rewrite(now_ms, s.error(), "syncing the new file");
          return false;
        }
        r.temp_synced = r.temp_bytes;
      }
    }
  } else if (r.tail.size() - r.tail_sent > rewrite_write_size * 16) {
    const std::string_view chunk = std::string_view(r.tail).substr(r.tail_sent, rewrite_write_size * 16);
    if (auto w = write_all(*r.temp, chunk); !w) {
      abort_rewrite(now_ms, w.error(), "writing the new file");
      return false;
    }
    r.tail_sent += chunk.size();
    r.temp_bytes += chunk.size();
    if (r.tail_sent > r.tail.size() / 2) {
      r.tail.erase(0, r.tail_sent);
      r.tail_sent = 0;
    }
  } else if (r.temp_bytes > r.temp_synced) {
    // A step of its own for the fsync of everything but the last turn's tail, so the final step
    // (tail, fsync, rename, directory fsync) has little left to flush.
    if (auto s = r.temp->sync(); !s) {
      abort_rewrite(now_ms, s.error(), "syncing the new file");
      return false;
    }
    r.temp_synced = r.temp_bytes;
  } else {
    moved = finish_rewrite(now_ms);
  }
  const auto took = static_cast<std::uint64_t>(micros() - t0);
  if (took > rewrite_step_max_us_) rewrite_step_max_us_ = took;
  return moved;
}

bool aof::finish_rewrite(std::int64_t now_ms) {
  rewrite_state& r = *rewrite_;
  const std::string_view rest = std::string_view(r.tail).substr(r.tail_sent);
  if (auto w = write_all(*r.temp, rest); !w) {
    abort_rewrite(now_ms, w.error(), "writing the new file");
    return false;
  }
  r.temp_bytes += rest.size();
  if (auto s = r.temp->sync(); !s) {
    abort_rewrite(now_ms, s.error(), "syncing the new file");
    return false;
  }
  if (auto m = dir_.rename(temp_name(), options_.filename); !m) {
    abort_rewrite(now_ms, m.error(), "renaming the new file");
    return false;
  }
  if (auto d = dir_.sync(); !d) {
    // The rename is done and cannot be taken back; only its durability across a power loss waits
    // for the next directory sync.
    std::fprintf(stderr, "kv: fsync of the AOF's directory failed: %.*s\n",
                 static_cast<int>(wasio::message(d.error()).size()), wasio::message(d.error()).data());
  }
  // Everything logged is in the new file now: the snapshot, then the tail. The old file is
  // unlinked; closing it would free all its blocks in one call (tens of ms for a large file, which
  // Redis leaves to a background thread): it is cut down in steps first (retire_step).
  retired_ = std::move(file_);
  if (retired_) {
    if (auto size = retired_->size(); size) retired_size_ = *size;
  }
  file_ = std::move(r.temp);
  buffer_.clear();
  selected_ = true;
  written_ = synced_ = logged_;
  last_sync_ms_ = now_ms;
  current_size_ = base_size_ = r.temp_bytes;
  last_rewrite_secs_ = (now_ms - r.started_ms) / 1000;
  rewrite_.reset();
  store_.pin_buckets(false);
  ++rewrites_;
  last_rewrite_ok_ = true;
  if (failed_ != failure::none && !fatal_) clear_error();
  std::fprintf(stderr, "kv: the AOF rewrite finished: %llu bytes\n", static_cast<unsigned long long>(current_size_));
  return true;
}

bool aof::finish(std::int64_t now_ms) {
  if (!options_.enabled) return true;
  if (rewrite_) {
    rewrite_->temp.reset();
    (void)dir_.remove(temp_name());
    rewrite_.reset();
    store_.pin_buckets(false);
  }
  if (!write_buffer()) return false;
  if (written_ != synced_ && !sync_file(now_ms)) return false;
  return !fatal_;
}

std::string aof::rewrite() {
  if (!options_.enabled) return "ERR the append-only file is off (start kv with --appendonly yes)";
  if (rewrite_) return "ERR Background append only file rewriting already in progress";
  if (std::string e = start_rewrite(now_ms_); !e.empty()) return e;
  return "Background append only file rewriting started";
}

std::string aof::save() {
  if (!options_.enabled) return "ERR this server keeps no append-only file (start it with --appendonly yes)";
  if (!write_buffer()) return "ERR " + refusal_;
  if (written_ != synced_ && !sync_file(now_ms_)) return "ERR " + refusal_;
  return "";
}

std::string aof::config_value(std::string_view option) const {
  if (option == "appendonly") return options_.enabled ? "yes" : "no";
  if (option == "appendfsync") return std::string(name(options_.fsync));
  if (option == "appendfilename") return options_.filename;
  if (option == "auto-aof-rewrite-percentage") return std::to_string(options_.rewrite_percentage);
  if (option == "auto-aof-rewrite-min-size") return std::to_string(options_.rewrite_min_size);
  return "";
}

void aof::info(std::string& text) {
  auto field = [&](std::string_view name, auto value) {
    text += name;
    text += ':';
    if constexpr (std::is_convertible_v<decltype(value), std::string_view>) text += std::string_view(value);
    else text += std::to_string(value);
    text += "\r\n";
  };
  field("loading", 0);
  field("async_loading", 0);
  field("rdb_bgsave_in_progress", 0);
  field("rdb_last_bgsave_status", "ok");
  field("aof_enabled", options_.enabled ? 1 : 0);
  field("aof_rewrite_in_progress", rewrite_ ? 1 : 0);
  field("aof_rewrite_scheduled", rewrite_scheduled_ ? 1 : 0);
  field("aof_last_rewrite_time_sec", last_rewrite_secs_);
  field("aof_current_rewrite_time_sec", rewrite_ ? (now_ms_ - rewrite_->started_ms) / 1000 : -1);
  field("aof_last_bgrewrite_status", last_rewrite_ok_ ? "ok" : "err");
  field("aof_rewrites", rewrites_);
  field("aof_last_write_status", refusal_.empty() ? "ok" : "err");
  field("aof_last_cow_size", 0);
  if (!options_.enabled) return;
  field("aof_current_size", current_size_);
  field("aof_base_size", base_size_);
  field("aof_pending_rewrite", 0);
  field("aof_buffer_length", buffer_.size());
  field("aof_pending_bio_fsync", 0);
  field("aof_delayed_fsync", 0);
  // Not in Redis: what the loop spent on the file, and what it refused for.
  field("aof_fsync_policy", name(options_.fsync));
  field("aof_fsyncs", fsyncs_);
  field("aof_last_fsync_usec", fsync_last_us_);
  field("aof_max_fsync_usec", fsync_max_us_);
  field("aof_max_rewrite_step_usec", rewrite_step_max_us_);
  field("aof_loaded_commands", loaded_commands_);
  field("aof_last_write_error", refusal_.empty() ? std::string_view("none") : wasio::name(last_error_));
}

}  // namespace kv
