// The log file sink: batching, whole-line writes, rotation, failures kept in a bounded buffer.
#include "log_file_sink.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace syslog {
namespace {

std::string numbered(const std::string& path, unsigned n) { return path + "." + std::to_string(n); }

std::string errno_text(wasio::errc code) {
  const auto text = wasio::message(code);
  return std::string(text) + " (errno " + std::to_string(static_cast<unsigned>(code)) + ")";
}

}  // namespace

std::string_view name(fsync_policy policy) {
  switch (policy) {
    case fsync_policy::never: return "never";
    case fsync_policy::always: return "always";
    case fsync_policy::interval: return "interval";
  }
  return "?";
}

log_file_sink::log_file_sink(log_directory& directory, file_sink_options options,
                             std::function<void(std::string_view what, std::string_view detail)> log)
    : directory_(directory), options_(std::move(options)), log_(std::move(log)) {
  if (options_.flush_bytes == 0) options_.flush_bytes = 1;
  // The bound must hold at least one batch, or the buffer would drop before it could flush.
  options_.buffer_bytes = std::max(options_.buffer_bytes, 2 * options_.flush_bytes);
}

wasio::result<void> log_file_sink::open() {
  auto r = open_file();
  if (!r) {
    ++stats_.open_errors;
    return r;
  }
  return {};
}

wasio::result<void> log_file_sink::open_file() {
  auto opened = directory_.open_append(options_.path);
  if (!opened) return wasio::fail(opened.error());
  auto size = (*opened)->size();
  if (!size) return wasio::fail(size.error());
  file_ = std::move(*opened);
  offset_ = *size;
  // After a short write the buffer's head is the rest of a line whose start is in a file.
  const bool continuing = line_open_;
  bool ends_inside_line = false;
  if (offset_ > 0) {
    auto last = file_->byte_at(offset_ - 1);
    ends_inside_line = last && *last != '\n';
  }
  if (ends_inside_line && !continuing) {
    // The fragment of a line a previous writer never finished: end it, so the next line is a line
    // of its own.
    buffer_.insert(head_, 1, '\n');
    ++stats_.repaired_tails;
    log_("output repaired", options_.path + " ended inside a line (a previous writer stopped mid-write); "
         "that fragment is ended with a newline");
  } else if (!ends_inside_line && continuing) {
    // The line's start went to another file (PATH was renamed under us): its rest alone would be
    // a broken line here.
    const std::size_t lf = buffer_.find('\n', head_);
    const std::size_t size = (lf == std::string::npos ? buffer_.size() : lf + 1) - head_;
    head_ += size;
    ++stats_.dropped_lines;
    stats_.dropped_bytes += size;
    log_("output line dropped", "the rest of a line cut by a short write: its start is in the previous file");
  }
  line_open_ = ends_inside_line && continuing;
  return {};
}

void log_file_sink::accept(std::string_view lines, clock::time_point) {
  if (lines.empty()) return;
  if (pending() + lines.size() <= options_.buffer_bytes) {
    if (dropping_) {
      dropping_ = false;
      log_("output buffer has room again", std::to_string(dropped_in_run_) + " lines were dropped while it was full");
      dropped_in_run_ = 0;
    }
    buffer_.append(lines);
    return;
  }
  // Past the bound: keep the lines that fit, in order, drop the others.
  while (!lines.empty()) {
    const std::size_t end = lines.find('\n');
    const std::size_t size = end == std::string_view::npos ? lines.size() : end + 1;
    if (pending() + size <= options_.buffer_bytes) {
      buffer_.append(lines.substr(0, size));
    } else {
      if (!dropping_) {
        dropping_ = true;
        log_("output buffer full", std::to_string(options_.buffer_bytes) + " bytes wait for " + options_.path +
                                       ": dropping lines until it has room");
      }
      ++stats_.dropped_lines;
      ++dropped_in_run_;
      stats_.dropped_bytes += size;
    }
    lines.remove_prefix(size);
  }
}

void log_file_sink::on_input(clock::time_point) {
  if (!failing_ && pending() >= options_.flush_bytes) {
    write_pending();
    if (options_.fsync == fsync_policy::always) sync_now();
  }
}

void log_file_sink::on_tick(clock::time_point now) {
  rotation_failed_ = false;  // a rotation that failed is tried again once per tick
  write_pending();
  if (!dirty_) return;
  if (options_.fsync == fsync_policy::always ||
      (options_.fsync == fsync_policy::interval && now - last_sync_ >= options_.fsync_interval)) {
    sync_now();
    last_sync_ = now;
  }
}

void log_file_sink::reopen(clock::time_point) {
  write_pending();
  if (options_.fsync != fsync_policy::never) sync_now();
  file_.reset();
  ++stats_.reopens;
  if (auto r = open_file(); !r) {
    ++stats_.open_errors;
    failed("cannot reopen", r.error());
  }
}

wasio::result<void> log_file_sink::finish(clock::time_point) {
  write_pending();
  if (options_.fsync != fsync_policy::never) sync_now();
  if (pending() > 0) return wasio::fail(failing_.value_or(wasio::errc::io));
  return {};
}

std::size_t log_file_sink::next_chunk() const {
  const char* const data = buffer_.data() + head_;
  const std::size_t available = pending();
  // A write that stays within one page is all-or-nothing under SIGKILL (see the header).
  std::uint64_t limit = page_bytes - offset_ % page_bytes;
  if (options_.rotate_bytes > 0 && offset_ < options_.rotate_bytes)
    limit = std::min<std::uint64_t>(limit, options_.rotate_bytes - offset_);
  const std::size_t window = static_cast<std::size_t>(std::min<std::uint64_t>(limit, available));
  // The last LF within the window ends the chunk ...
  for (std::size_t i = window; i > 0; --i)
    if (data[i - 1] == '\n') return i;
  // ... or, when the first line alone is longer than the window, that line is written by itself.
  const void* lf = std::memchr(data, '\n', available);
  return lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - data) + 1 : available;
}

void log_file_sink::write_pending() {
  while (pending() > 0) {
    if (!file_) {
      if (auto r = open_file(); !r) {
        ++stats_.open_errors;
        failed("cannot open", r.error());
        return;
      }
    }
    const std::size_t chunk = next_chunk();
    if (options_.rotate_bytes > 0 && offset_ > 0 && !line_open_ && !rotation_failed_ &&
        offset_ + chunk > options_.rotate_bytes) {
      rotate();
      continue;  // the next chunk starts a new file (or, when PATH did not open, the loop retries once)
    }
    const std::string_view bytes(buffer_.data() + head_, chunk);
    auto put = file_->write(bytes);
    if (!put || *put == 0) {
      ++stats_.write_errors;
      failed("cannot write", put ? wasio::errc::io : put.error());
      return;
    }
    const std::size_t n = *put;
    if (n < chunk) ++stats_.short_writes;
    ++stats_.writes;
    stats_.bytes_written += n;
    stats_.lines_written += static_cast<std::uint64_t>(std::count(bytes.begin(), bytes.begin() + n, '\n'));
    offset_ += n;
    head_ += n;
    line_open_ = bytes[n - 1] != '\n';
    dirty_ = true;
    recovered();
  }
  compact();
}

void log_file_sink::rotate() {
  if (options_.fsync != fsync_policy::never) sync_now();
  file_.reset();
  const std::string& path = options_.path;
  auto step = [&](wasio::result<void> r, const char* what) {
    if (!r && r.error() != wasio::errc::noent) {
      ++stats_.rotate_errors;
      failed(what, r.error());
    }
  };
  if (options_.rotate_keep == 0) {
    auto removed = directory_.remove(path);
    if (!removed && removed.error() != wasio::errc::noent) rotation_failed_ = true;
    step(removed, "cannot remove for rotation");
  } else {
    step(directory_.remove(numbered(path, options_.rotate_keep)), "cannot remove the oldest rotated file");
    for (unsigned i = options_.rotate_keep; i > 1; --i)
      step(directory_.rename(numbered(path, i - 1), numbered(path, i)), "cannot rename a rotated file");
    auto moved = directory_.rename(path, numbered(path, 1));
    if (!moved && moved.error() != wasio::errc::noent) rotation_failed_ = true;  // PATH is still there, full: write on to it until the next tick
    step(moved, "cannot rotate");
  }
  ++stats_.rotations;
  // When the rename of PATH failed this reopens the same, full file: writing on beats losing lines.
  if (auto r = open_file(); !r) {
    ++stats_.open_errors;
    failed("cannot open after rotation", r.error());
  }
}

void log_file_sink::sync_now() {
  if (!file_ || !dirty_) return;
  if (auto r = file_->sync(); !r) {
    ++stats_.fsync_errors;
    failed("cannot fsync", r.error());
    return;
  }
  ++stats_.fsyncs;
  dirty_ = false;
}

void log_file_sink::compact() {
  if (head_ == buffer_.size()) {
    buffer_.clear();
    head_ = 0;
    // One burst during a failure must not pin its memory for ever.
    if (buffer_.capacity() > 4 * options_.flush_bytes) buffer_.shrink_to_fit();
  } else if (head_ > options_.flush_bytes && head_ > buffer_.size() / 2) {
    buffer_.erase(0, head_);
    head_ = 0;
  }
}

void log_file_sink::failed(const char* what, wasio::errc code) {
  ++failed_attempts_;
  // One line when a run of failures begins (or its cause changes), one when it ends: a full disk
  // retried every tick does not flood stderr.
  if (failing_ == code) return;
  failing_ = code;
  log_(std::string("output ") + what, options_.path + ": " + errno_text(code) + "; " + std::to_string(pending()) +
                                         " bytes of lines kept, retrying every " +
                                         std::to_string(options_.flush_interval.count()) + " ms");
}

void log_file_sink::recovered() {
  if (!failing_) return;
  log_("output recovered", "writing " + options_.path + " again after " + std::to_string(failed_attempts_) +
                              " failed attempts");
  failing_.reset();
  failed_attempts_ = 0;
}

std::string log_file_sink::summary() const {
  const file_sink_stats& s = stats_;
  auto field = [](const char* key, std::uint64_t value) { return std::string(" ") + key + "=" + std::to_string(value); };
  return "syslog: output: path=" + options_.path + field("lines", s.lines_written) + field("bytes", s.bytes_written) +
         field("writes", s.writes) + field("short_writes", s.short_writes) + field("write_errors", s.write_errors) +
         field("open_errors", s.open_errors) + field("rotations", s.rotations) +
         field("rotate_errors", s.rotate_errors) + field("reopens", s.reopens) + field("fsyncs", s.fsyncs) +
         field("fsync_errors", s.fsync_errors) + field("backpressure_waits", s.backpressure_waits) +
         field("dropped_lines", s.dropped_lines) + field("dropped_bytes", s.dropped_bytes) +
         field("repaired_tails", s.repaired_tails) + field("unwritten", pending());
}

}  // namespace syslog
