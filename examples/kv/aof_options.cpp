// The AOF options: redis-server's names, values and error wording (config.c).
#include "aof_options.hpp"

#include <array>

#include "resp_parser.hpp"

namespace kv {
namespace {

constexpr std::array<std::string_view, 7> option_names = {
    "appendonly", "appendfsync", "appendfilename", "dir", "auto-aof-rewrite-percentage",
    "auto-aof-rewrite-min-size", "aof-load-truncated"};

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_nocase(std::string_view a, std::string_view lower_b) {
  if (a.size() != lower_b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower_b[i]) return false;
  return true;
}

bool parse_yes_no(std::string_view v, bool& out) {
  if (equals_nocase(v, "yes")) out = true;
  else if (equals_nocase(v, "no")) out = false;
  else return false;
  return true;
}

}  // namespace

std::string_view name(fsync_policy p) {
  switch (p) {
    case fsync_policy::always: return "always";
    case fsync_policy::everysec: return "everysec";
    case fsync_policy::no: return "no";
  }
  return "everysec";
}

bool parse_memory(std::string_view text, std::uint64_t& out) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return false;
  const std::string_view unit = text.substr(digits);
  std::uint64_t mul = 1;
  if (unit.empty() || equals_nocase(unit, "b")) mul = 1;
  else if (equals_nocase(unit, "k")) mul = 1000;
  else if (equals_nocase(unit, "kb")) mul = 1024;
  else if (equals_nocase(unit, "m")) mul = 1000 * 1000;
  else if (equals_nocase(unit, "mb")) mul = 1024 * 1024;
  else if (equals_nocase(unit, "g")) mul = 1000ull * 1000 * 1000;
  else if (equals_nocase(unit, "gb")) mul = 1024ull * 1024 * 1024;
  else return false;
  std::int64_t value = 0;
  if (!parse_int64(text.substr(0, digits), value)) return false;
  const auto v = static_cast<std::uint64_t>(value);
  if (v != 0 && mul > UINT64_MAX / v) return false;
  out = v * mul;
  return true;
}

bool aof_options::known(std::string_view n) {
  for (std::string_view o : option_names)
    if (equals_nocase(n, o)) return true;
  return false;
}

const std::string_view* aof_options::names_begin() { return option_names.data(); }
const std::string_view* aof_options::names_end() { return option_names.data() + option_names.size(); }

std::string aof_options::environment_name(std::string_view option) {
  std::string out = "KV_";
  for (char c : option) out += c == '-' ? '_' : (c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  return out;
}

std::string aof_options::set(std::string_view n, std::string_view v) {
  if (equals_nocase(n, "appendonly")) {
    return parse_yes_no(v, enabled) ? "" : "argument must be 'yes' or 'no'";
  }
  if (equals_nocase(n, "aof-load-truncated")) {
    return parse_yes_no(v, load_truncated) ? "" : "argument must be 'yes' or 'no'";
  }
  if (equals_nocase(n, "appendfsync")) {
    if (equals_nocase(v, "always")) fsync = fsync_policy::always;
    else if (equals_nocase(v, "everysec")) fsync = fsync_policy::everysec;
    else if (equals_nocase(v, "no")) fsync = fsync_policy::no;
    else return "argument(s) must be one of the following: always, everysec, no";
    return "";
  }
  if (equals_nocase(n, "appendfilename")) {
    if (v.empty() || v.find('/') != std::string_view::npos || v == "." || v == "..")
      return "appendfilename can't be a path, just a filename";
    filename.assign(v);
    return "";
  }
  if (equals_nocase(n, "dir")) {
    if (v.empty()) return "dir can't be empty";
    dir.assign(v);
    return "";
  }
  if (equals_nocase(n, "auto-aof-rewrite-percentage")) {
    std::int64_t p = 0;
    if (!parse_int64(v, p) || p < 0) return "argument couldn't be parsed into an integer";
    rewrite_percentage = p;
    return "";
  }
  if (equals_nocase(n, "auto-aof-rewrite-min-size")) {
    return parse_memory(v, rewrite_min_size) ? "" : "argument must be a memory value";
  }
  return "unknown option";
}

std::string aof_options::describe() const {
  std::string out;
  out += "appendonly ";
  out += enabled ? "yes" : "no";
  out += " appendfsync ";
  out += name(fsync);
  out += " dir " + dir;
  out += " appendfilename " + filename;
  out += " auto-aof-rewrite-percentage " + std::to_string(rewrite_percentage);
  out += " auto-aof-rewrite-min-size " + std::to_string(rewrite_min_size);
  out += " aof-load-truncated ";
  out += load_truncated ? "yes" : "no";
  return out;
}

}  // namespace kv
