// Rate-limited error lines (wasio/rt/error_log.hpp).
#include "wasio/rt/error_log.hpp"

#include <charconv>
#include <cstdio>

namespace wasio::rt {
namespace {

void to_stderr(std::string_view line, void*) {
  // One fwrite per line (the newline included) so lines from one process never interleave mid-line.
  std::string text(line);
  text += '\n';
  (void)std::fwrite(text.data(), 1, text.size(), stderr);
  (void)std::fflush(stderr);
}

std::string_view clipped(std::string_view text) { return text.substr(0, error_log::max_text); }

void append_number(std::string& out, std::uint64_t value) {
  char digits[20];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
}

// "12.3": seconds with one decimal, from a non-negative duration.
void append_seconds(std::string& out, clock::duration d) {
  const auto tenths = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) / 100;
  append_number(out, tenths / 10);
  out += '.';
  out += static_cast<char>('0' + tenths % 10);
}

}  // namespace

error_log::error_log(std::string_view program, clock::duration interval, sink_fn sink, void* sink_context,
                     now_fn now)
    : program_(clipped(program)),
      interval_(interval),
      sink_(sink ? sink : &to_stderr),
      sink_context_(sink ? sink_context : nullptr),
      now_(now ? now : &clock::now) {}

error_log::~error_log() { flush(); }

clock::time_point error_log::now() const { return now_(); }

void error_log::report(std::string_view what, errc code) { report_kind(what, true, code, message(code)); }

void error_log::report(std::string_view what, std::string_view detail) { report_kind(what, false, errc{}, detail); }

error_log::kind& error_log::slot_for(std::string_view what, bool has_code, errc code, clock::time_point now,
                                     bool& fresh) {
  what = clipped(what);
  kind* free = nullptr;
  kind* oldest = nullptr;
  for (kind& k : kinds_) {
    if (!k.used) {
      if (!free) free = &k;
      continue;
    }
    if (k.has_code == has_code && (!has_code || k.code == code) && k.what == what) {
      fresh = false;
      return k;
    }
    if (!oldest || k.printed_at < oldest->printed_at) oldest = &k;
  }
  kind* k = free;
  if (!k) {
    // Full: the kind printed longest ago makes room, its held count printed first so none is lost.
    k = oldest;
    if (k->held != 0) print(*k, now);
  }
  k->used = true;
  k->has_code = has_code;
  k->code = code;
  k->what.assign(what);
  k->held = 0;
  fresh = true;
  return *k;
}

void error_log::report_kind(std::string_view what, bool has_code, errc code, std::string_view detail) {
  const clock::time_point at = now();
  bool fresh = false;
  kind& k = slot_for(what, has_code, code, at, fresh);
  k.detail.assign(clipped(detail));
  if (!fresh && at - k.printed_at < interval_) {
    ++k.held;
    ++held_total_;
    tick();
    return;
  }
  // This occurrence is printed, with the count of those held back since the kind's last line.
  line_.assign(program_).append(": ").append(k.what).append(": ").append(k.detail);
  if (k.held != 0) {
    line_ += " (and ";
    append_number(line_, k.held);
    line_ += " more in the last ";
    append_seconds(line_, at - k.printed_at);
    line_ += " s)";
  }
  k.held = 0;
  k.printed_at = at;
  ++printed_;
  sink_(line_, sink_context_);
  tick();  // after this kind's own line, so its count is not printed on a line of its own as well
}

void error_log::print(kind& k, clock::time_point now) {
  // A summary without a new occurrence: the held reports are counted, none is printed twice.
  line_.assign(program_).append(": ").append(k.what).append(": ").append(k.detail).append(": ");
  append_number(line_, k.held);
  line_ += " more in the last ";
  append_seconds(line_, now - k.printed_at);
  line_ += " s";
  k.held = 0;
  k.printed_at = now;
  ++printed_;
  sink_(line_, sink_context_);
}

void error_log::tick() {
  const clock::time_point at = now();
  for (kind& k : kinds_)
    if (k.used && k.held != 0 && at - k.printed_at >= interval_) print(k, at);
}

void error_log::flush() {
  const clock::time_point at = now();
  for (kind& k : kinds_)
    if (k.used && k.held != 0) print(k, at);
}

}  // namespace wasio::rt
