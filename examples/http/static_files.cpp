// Static files: path decoding and normalisation, lookup without links, validators, ranges.
#include "static_files.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "http_date.hpp"

namespace http {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void append_hex(std::string& out, std::uint64_t value) {
  char digits[16];
  const auto end = std::to_chars(digits, digits + sizeof digits, value, 16).ptr;
  out.append(digits, end);
}

bool parse_u64(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

int month_index(std::string_view name) {
  static constexpr std::string_view months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i)
    if (name == months[i]) return i + 1;
  return 0;
}

bool read_number(std::string_view& s, std::size_t digits, unsigned& out) {
  if (s.size() < digits) return false;
  out = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + static_cast<unsigned>(s[i] - '0');
  }
  s.remove_prefix(digits);
  return true;
}

bool expect(std::string_view& s, std::string_view what) {
  if (!s.starts_with(what)) return false;
  s.remove_prefix(what.size());
  return true;
}

// "hh:mm:ss"
bool read_time(std::string_view& s, unsigned& h, unsigned& m, unsigned& sec) {
  return read_number(s, 2, h) && expect(s, ":") && read_number(s, 2, m) && expect(s, ":") && read_number(s, 2, sec) &&
         h < 24 && m < 60 && sec <= 60;
}

struct mime {
  std::string_view extension;
  std::string_view type;
};

// The common web types; the values are those of Debian's /etc/nginx/mime.types where it has them,
// so both servers label the same file the same way.
constexpr mime mime_table[] = {
    {"html", "text/html"}, {"htm", "text/html"}, {"css", "text/css"}, {"js", "application/javascript"},
    {"mjs", "application/javascript"}, {"json", "application/json"}, {"map", "application/json"},
    {"xml", "text/xml"}, {"txt", "text/plain"}, {"csv", "text/csv"}, {"md", "text/markdown"},
    {"png", "image/png"}, {"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"}, {"gif", "image/gif"},
    {"webp", "image/webp"}, {"avif", "image/avif"}, {"svg", "image/svg+xml"}, {"svgz", "image/svg+xml"},
    {"ico", "image/x-icon"}, {"bmp", "image/x-ms-bmp"}, {"tif", "image/tiff"}, {"tiff", "image/tiff"},
    {"woff", "font/woff"}, {"woff2", "font/woff2"}, {"ttf", "font/ttf"}, {"otf", "font/otf"},
    {"eot", "application/vnd.ms-fontobject"}, {"wasm", "application/wasm"}, {"pdf", "application/pdf"},
    {"zip", "application/zip"}, {"gz", "application/gzip"}, {"tar", "application/x-tar"},
    {"7z", "application/x-7z-compressed"}, {"xhtml", "application/xhtml+xml"}, {"atom", "application/atom+xml"},
    {"rss", "application/rss+xml"}, {"mp3", "audio/mpeg"}, {"ogg", "audio/ogg"}, {"m4a", "audio/x-m4a"},
    {"wav", "audio/wav"}, {"flac", "audio/flac"}, {"mp4", "video/mp4"}, {"webm", "video/webm"},
    {"mov", "video/quicktime"}, {"m3u8", "application/vnd.apple.mpegurl"}, {"ts", "video/mp2t"},
    {"bin", "application/octet-stream"}, {"exe", "application/octet-stream"}, {"iso", "application/octet-stream"},
};

std::string http_date_text(std::int64_t seconds) {
  std::array<char, 29> text;
  format_http_date(seconds, text);
  return std::string(text.data(), text.size());
}

// An entity-tag's opaque part with its quotes, and whether it was weak; false when `tag` is not one.
bool split_etag(std::string_view tag, std::string_view& opaque, bool& weak) {
  weak = tag.starts_with("W/");
  if (weak) tag.remove_prefix(2);
  if (tag.size() < 2 || tag.front() != '"' || tag.back() != '"') return false;
  opaque = tag;
  return true;
}

}  // namespace

std::optional<static_mount> parse_static_mount(std::string_view spec, std::string& error) {
  const std::size_t equals = spec.find('=');
  if (equals == std::string_view::npos) {
    error = "--static \"" + std::string(spec) + "\": expected URL_PREFIX=GUEST_DIR";
    return std::nullopt;
  }
  std::string prefix(spec.substr(0, equals));
  std::string dir(spec.substr(equals + 1));
  while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
  std::string normal;
  if (prefix.empty() || prefix[0] != '/' || prefix.find('?') != std::string::npos ||
      !normalize_target_path(prefix, normal) || (normal != prefix && normal != prefix + "/")) {
    error = "--static \"" + std::string(spec) + "\": URL_PREFIX must be a normalised path starting with /";
    return std::nullopt;
  }
  if (dir.empty()) {
    error = "--static \"" + std::string(spec) + "\": GUEST_DIR is empty";
    return std::nullopt;
  }
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return static_mount{prefix, dir};
}

bool take_static_mounts(std::vector<std::string_view>& arguments, std::vector<static_mount>& mounts, std::string& error) {
  std::vector<std::string_view> rest;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    std::string_view spec;
    if (arguments[i] == "--static") {
      if (i + 1 == arguments.size()) {
        error = "--static needs URL_PREFIX=GUEST_DIR";
        return false;
      }
      spec = arguments[++i];
    } else if (arguments[i].starts_with("--static=")) {
      spec = arguments[i].substr(9);
    } else {
      rest.push_back(arguments[i]);
      continue;
    }
    auto mount = parse_static_mount(spec, error);
    if (!mount) return false;
    for (const static_mount& m : mounts)
      if (m.url_prefix == mount->url_prefix) {
        error = "--static: the prefix " + m.url_prefix + " is mounted twice";
        return false;
      }
    mounts.push_back(std::move(*mount));
  }
  arguments = std::move(rest);
  return true;
}

bool normalize_target_path(std::string_view target, std::string& path) {
  // Absolute form (RFC 9112 3.2.2): the path starts after the authority.
  for (std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
    if (target.size() >= scheme.size() && iequals(target.substr(0, scheme.size()), scheme)) {
      const std::size_t slash = target.find('/', scheme.size());
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
      break;
    }
  }
  target = target.substr(0, target.find_first_of("?#"));
  if (target.empty() || target[0] != '/') return false;
  std::string decoded;
  decoded.reserve(target.size());
  for (std::size_t i = 0; i < target.size(); ++i) {
    char c = target[i];
    if (c == '%') {
      if (i + 2 >= target.size()) return false;
      const int high = hex_value(target[i + 1]);
      const int low = hex_value(target[i + 2]);
      if (high < 0 || low < 0) return false;
      c = static_cast<char>(high * 16 + low);
      i += 2;
    }
    if (c == '\0' || c == '\\') return false;
    decoded.push_back(c);
  }
  // Segments, with "." and ".." resolved; ".." above the root is refused rather than clamped.
  path.clear();
  std::vector<std::size_t> starts;  // where each kept segment's '/' is in `path`
  bool trailing = false;
  std::size_t at = 0;
  while (at < decoded.size()) {
    const std::size_t next = decoded.find('/', at + 1);
    const std::string_view segment =
        std::string_view(decoded).substr(at + 1, (next == std::string::npos ? decoded.size() : next) - at - 1);
    at = next == std::string::npos ? decoded.size() : next;
    trailing = segment.empty() || segment == "." || segment == "..";
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (starts.empty()) return false;
      path.resize(starts.back());
      starts.pop_back();
      continue;
    }
    starts.push_back(path.size());
    path += '/';
    path += segment;
  }
  if (path.empty() || trailing) path += '/';
  return true;
}

std::string_view content_type_for(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  const std::size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return "application/octet-stream";
  const std::string_view extension = path.substr(dot + 1);
  for (const mime& m : mime_table)
    if (iequals(m.extension, extension)) return m.type;
  return "application/octet-stream";
}

std::string make_etag(const file_info& info) {
  const std::int64_t seconds = info.mtime_ns >= 0 ? info.mtime_ns / 1'000'000'000 : 0;
  const std::int64_t nanoseconds = info.mtime_ns >= 0 ? info.mtime_ns % 1'000'000'000 : 0;
  std::string tag = "\"";
  append_hex(tag, static_cast<std::uint64_t>(seconds));
  tag += '.';
  append_hex(tag, static_cast<std::uint64_t>(nanoseconds));
  tag += '-';
  append_hex(tag, info.size);
  tag += '"';
  return tag;
}

std::optional<std::int64_t> parse_http_date(std::string_view s) {
  s = trim(s);
  unsigned day = 0, year = 0, h = 0, m = 0, sec = 0;
  int month = 0;
  const std::size_t comma = s.find(',');
  if (comma == 3) {
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    s.remove_prefix(4);
    if (!expect(s, " ") || !read_number(s, 2, day) || !expect(s, " ")) return std::nullopt;
    month = month_index(s.substr(0, 3));
    s.remove_prefix(std::min<std::size_t>(3, s.size()));
    if (!expect(s, " ") || !read_number(s, 4, year) || !expect(s, " ") || !read_time(s, h, m, sec) || s != " GMT")
      return std::nullopt;
  } else if (comma != std::string_view::npos && comma > 3) {
    // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" (a two-digit year: 70..99 are 19xx, as RFC 9110 asks for past dates)
    s.remove_prefix(comma + 1);
    if (!expect(s, " ") || !read_number(s, 2, day) || !expect(s, "-")) return std::nullopt;
    month = month_index(s.substr(0, 3));
    s.remove_prefix(std::min<std::size_t>(3, s.size()));
    if (!expect(s, "-") || !read_number(s, 2, year) || !expect(s, " ") || !read_time(s, h, m, sec) || s != " GMT")
      return std::nullopt;
    year += year >= 70 ? 1900 : 2000;
  } else {
    // asctime: "Sun Nov  6 08:49:37 1994"
    if (s.size() < 4 || s[3] != ' ') return std::nullopt;
    s.remove_prefix(4);
    month = month_index(s.substr(0, 3));
    s.remove_prefix(std::min<std::size_t>(3, s.size()));
    if (!expect(s, " ")) return std::nullopt;
    if (!s.empty() && s[0] == ' ') {
      s.remove_prefix(1);
      if (!read_number(s, 1, day)) return std::nullopt;
    } else if (!read_number(s, 2, day)) {
      return std::nullopt;
    }
    if (!expect(s, " ") || !read_time(s, h, m, sec) || !expect(s, " ") || !read_number(s, 4, year) || !s.empty())
      return std::nullopt;
  }
  if (month == 0 || day < 1 || day > 31) return std::nullopt;
  return days_from_civil(year, static_cast<unsigned>(month), day) * 86400 + h * 3600 + m * 60 + sec;
}

bool etag_list_matches(std::string_view list, std::string_view etag) {
  if (trim(list) == "*") return true;
  std::string_view want;
  bool want_weak = false;
  if (!split_etag(etag, want, want_weak)) return false;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view item = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    std::string_view opaque;
    bool weak = false;
    if (split_etag(item, opaque, weak) && opaque == want) return true;  // weak comparison: W/ ignored
  }
  return false;
}

range_outcome parse_range(std::string_view header, std::uint64_t size, byte_range& range) {
  header = trim(header);
  if (header.size() < 6 || !iequals(header.substr(0, 6), "bytes=")) return range_outcome::whole;
  const std::string_view spec = trim(header.substr(6));
  if (spec.find(',') != std::string_view::npos) return range_outcome::whole;  // several ranges: whole file
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return range_outcome::whole;
  const std::string_view first_text = trim(spec.substr(0, dash));
  const std::string_view last_text = trim(spec.substr(dash + 1));
  std::uint64_t first = 0, last = 0;
  if (first_text.empty()) {
    // A suffix: the last N bytes.
    if (!parse_u64(last_text, last)) return range_outcome::whole;
    if (last == 0 || size == 0) return range_outcome::unsatisfiable;
    range.first = size - std::min(last, size);
    range.last = size - 1;
    return range_outcome::partial;
  }
  if (!parse_u64(first_text, first)) return range_outcome::whole;
  if (last_text.empty()) {
    last = UINT64_MAX;
  } else if (!parse_u64(last_text, last) || last < first) {
    return range_outcome::whole;  // invalid: ignored (RFC 9110 14.1.1)
  }
  if (first >= size) return range_outcome::unsatisfiable;
  range.first = first;
  range.last = std::min(last, size - 1);
  return range_outcome::partial;
}

response static_reply::as_response() const {
  response r;
  r.status = status;
  r.content_type = content_type;
  r.body = inline_body;
  return r;
}

response_extras static_reply::extras() const {
  response_extras e;
  e.headers = headers;
  e.has_length = has_length;
  if (file != nullptr || inline_body.size() != length) e.length = length;
  return e;
}

static_files::static_files(static_fs& fs, std::vector<static_mount> mounts) : fs_(fs), mounts_(std::move(mounts)) {
  // Longest prefix first: the first match is the most specific mount.
  std::stable_sort(mounts_.begin(), mounts_.end(),
                   [](const static_mount& a, const static_mount& b) { return a.url_prefix.size() > b.url_prefix.size(); });
}

namespace {

static_reply error_reply(status code, std::string_view text, static_counters& counters) {
  ++counters.refused;
  static_reply r;
  r.status = code;
  r.inline_body = text;
  r.length = text.size();
  return r;
}

static_reply refusal_for(wasio::errc code, static_counters& counters) {
  switch (code) {
    case wasio::errc::noent:
    case wasio::errc::notdir:
    case wasio::errc::loop:
    case wasio::errc::nametoolong:
      return error_reply(status::not_found, "Not Found\n", counters);
    case wasio::errc::ilseq:  // a name that is not UTF-8 (decoded bytes like %c0%ae) cannot name a file here
      return error_reply(status::bad_request, "Bad Request\n", counters);
    case wasio::errc::acces:
    case wasio::errc::perm:
    case wasio::errc::notcapable:
      return error_reply(status::forbidden, "Forbidden\n", counters);
    default:
      return error_reply(status::internal_server_error, "Internal Server Error\n", counters);
  }
}

}  // namespace

std::optional<static_reply> static_files::serve(const static_request& request, static_counters& counters) {
  std::string path;
  const bool valid = normalize_target_path(request.target, path);
  const static_mount* mount = nullptr;
  if (valid) {
    for (const static_mount& m : mounts_) {
      const std::string_view p = m.url_prefix;
      if (p == "/" || path == p || (path.starts_with(p) && path[p.size()] == '/')) {
        mount = &m;
        break;
      }
    }
    if (mount == nullptr) return std::nullopt;
  } else {
    // A path that does not decode is refused by static serving when any mount could have held it.
    if (mounts_.empty()) return std::nullopt;
    return error_reply(status::bad_request, "Bad Request\n", counters);
  }
  // Below the mount: "/a/b/" -> components a, b, each looked at without following links.
  const std::string_view below = std::string_view(path).substr(mount->url_prefix == "/" ? 0 : mount->url_prefix.size());
  std::string guest = mount->guest_dir;
  file_info info{file_kind::directory, 0, 0};
  std::size_t at = 0;
  while (at < below.size()) {
    const std::size_t next = below.find('/', at + 1);
    const std::string_view segment = below.substr(at + 1, (next == std::string_view::npos ? below.size() : next) - at - 1);
    at = next == std::string_view::npos ? below.size() : next;
    if (segment.empty()) continue;
    if (info.kind != file_kind::directory) return error_reply(status::not_found, "Not Found\n", counters);
    if (guest.back() != '/') guest += '/';
    guest += segment;
    auto got = fs_.lstat(guest);
    if (!got) return refusal_for(got.error(), counters);
    info = *got;
    if (info.kind == file_kind::symlink) return error_reply(status::not_found, "Not Found\n", counters);
  }
  if (info.kind == file_kind::directory) {
    if (!path.ends_with('/')) {
      ++counters.redirects;
      static_reply r;
      r.status = status::moved_permanently;
      r.content_type = "text/plain";
      std::string location = path + "/";
      const std::size_t query = request.target.find('?');
      if (query != std::string_view::npos) location += request.target.substr(query);
      r.headers = "\r\nLocation: " + location;
      r.inline_body = "Moved Permanently\n";
      r.length = r.inline_body.size();
      return r;
    }
    guest += guest.back() == '/' ? "index.html" : "/index.html";
    auto index = fs_.lstat(guest);
    if (!index || index->kind != file_kind::regular) return error_reply(status::forbidden, "Forbidden\n", counters);
    return serve_file(request, guest, counters);
  }
  if (info.kind != file_kind::regular) return error_reply(status::forbidden, "Forbidden\n", counters);
  return serve_file(request, guest, counters);
}

static_reply static_files::serve_file(const static_request& request, const std::string& path, static_counters& counters) {
  auto opened = fs_.open(path);
  if (!opened) return refusal_for(opened.error(), counters);
  auto described = (*opened)->info();
  if (!described) return refusal_for(described.error(), counters);
  const file_info info = *described;
  if (info.kind != file_kind::regular) return error_reply(status::forbidden, "Forbidden\n", counters);

  static_reply r;
  r.content_type = content_type_for(path);
  const std::string etag = make_etag(info);
  const std::int64_t mtime = info.mtime_ns >= 0 ? info.mtime_ns / 1'000'000'000 : 0;
  const std::string last_modified = http_date_text(mtime);
  r.headers = "\r\nLast-Modified: " + last_modified + "\r\nETag: " + etag;

  // RFC 9110 13.2.2: If-None-Match first; If-Modified-Since only without it.
  bool not_modified = false;
  if (!request.if_none_match.empty()) {
    not_modified = etag_list_matches(request.if_none_match, etag);
  } else if (!request.if_modified_since.empty()) {
    const auto since = parse_http_date(request.if_modified_since);
    not_modified = since && mtime <= *since;
  }
  if (not_modified) {
    ++counters.not_modified;
    r.status = status::not_modified;
    r.content_type = {};
    r.has_length = false;
    return r;
  }

  r.headers += "\r\nAccept-Ranges: bytes";
  std::uint64_t first = 0;
  std::uint64_t length = info.size;
  // HEAD gets the head GET would get (RFC 9110 9.3.2), Range included, as nginx does.
  if (!request.range.empty()) {
    bool use_range = true;
    if (!request.if_range.empty()) {
      const std::string_view validator = trim(request.if_range);
      if (validator.starts_with('"') || validator.starts_with("W/")) use_range = validator == etag;  // strong only
      else use_range = parse_http_date(validator) == mtime;
    }
    byte_range range;
    const range_outcome outcome = use_range ? parse_range(request.range, info.size, range) : range_outcome::whole;
    if (outcome == range_outcome::unsatisfiable) {
      ++counters.not_satisfiable;
      static_reply refused;
      refused.status = status::range_not_satisfiable;
      refused.headers = "\r\nContent-Range: bytes */" + std::to_string(info.size);
      refused.inline_body = "Range Not Satisfiable\n";
      refused.length = refused.inline_body.size();
      return refused;
    }
    if (outcome == range_outcome::partial) {
      ++counters.partial;
      r.status = status::partial_content;
      first = range.first;
      length = range.last - range.first + 1;
      r.headers += "\r\nContent-Range: bytes " + std::to_string(range.first) + "-" + std::to_string(range.last) + "/" +
                   std::to_string(info.size);
    }
  }
  ++counters.hits;
  r.offset = first;
  r.length = length;
  if (request.verb == method::head) return r;
  if (length > inline_limit) {
    r.file = std::move(*opened);
    return r;
  }
  // Small: read it now, so the head and the body leave in one write.
  r.inline_body.resize(static_cast<std::size_t>(length));
  std::size_t filled = 0;
  while (filled < length) {
    auto got = (*opened)->pread(std::span(r.inline_body.data() + filled, r.inline_body.size() - filled), first + filled);
    if (!got) return refusal_for(got.error(), counters);
    if (*got == 0) {
      // Shrunk between fstat and read: nothing was sent yet, so the head can still say so.
      ++counters.truncated;
      return error_reply(status::internal_server_error, "Internal Server Error\n", counters);
    }
    filled += *got;
  }
  counters.bytes_sent += length;  // counted as handed to the connection; inline bodies go out with the head
  return r;
}

}  // namespace http
