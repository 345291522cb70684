#pragma once
/// http::static_files: GET and HEAD of files under pre-opened directories (`--static PREFIX=DIR`).
///
/// A request's path is mapped to a file in four steps, each of which can only refuse:
/// 1. normalize_target_path: the query is dropped, %XX escapes are decoded once, then `//` merges,
///    `.` segments go and `..` removes the segment before it. A bad escape, a NUL or a backslash
///    (raw or decoded) and a `..` above the root are 400.
/// 2. The longest mount prefix covering the path (on a segment boundary) picks the directory.
/// 3. Every component below the mount is looked at with lstat, in order: a symbolic link or a
///    non-directory in the middle is 404 (nothing is said about what lies outside), so no link is
///    ever followed, wherever it points. The host's resolver keeps every path inside its pre-open
///    on top of that.
/// 4. A directory without a trailing slash is 301 to the path with one (query kept); with one, its
///    index.html (a regular file, not a link) is served, else 403. Anything that is neither a
///    regular file nor a directory is 403.
///
/// A served file (opened, then described by fstat: size and mtime are the open file's):
/// - Content-Type from the extension (content_type_for, the common web types; otherwise
///   application/octet-stream); ETag "<mtime s hex>.<mtime ns hex>-<size hex>" (strong);
///   Last-Modified; Accept-Ranges: bytes.
/// - If-None-Match (a list, W/ tags compared weakly, or *) that matches: 304. Else
///   If-Modified-Since with a valid HTTP-date not before the mtime: 304. 304s carry ETag and
///   Last-Modified and no Content-Length.
/// - A single `Range: bytes=` range: 206 with Content-Range (HEAD too: its head is GET's); a range that starts past the
///   end (or a zero suffix): 416 with `Content-Range: bytes */SIZE`. Several ranges, or a syntax
///   error, are ignored (200 with the whole file), as RFC 9110 14.2 allows. If-Range (an ETag
///   compared strongly, or a date compared exactly) that does not match also means the whole file.
/// - Bodies up to inline_limit are read at once into the response (one write with the head);
///   longer ones are returned as a file body that the server streams in chunks
///   (http_server.cpp), so memory per connection stays one chunk whatever the file's size.
///
/// Errors: none escape; a file that cannot be opened or read is 404 (noent, notdir, loop,
/// nametoolong), 400 (ilseq: a name that is not UTF-8), 403 (acces, perm, notcapable) or 500.
/// Notes: a file that changes while it is sent is handled as nginx does: the length is fixed when the
/// file is opened, the bytes come from the open file (a file replaced by rename keeps being served
/// whole from the old one), a file that grew is sent to its old length, and one that shrank ends the
/// connection early (the client sees a short body; counted as static.truncated).
///
/// Example (compiled in tests/e2e/http/static_files_test.cpp):
///   http::static_files files(fs, {{"/", "/srv/www"}});
///   if (auto reply = files.serve(request, stats.statics)) use(*reply);  // nullopt: no mount covers it

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "response.hpp"
#include "router.hpp"
#include "server_stats.hpp"
#include "static_fs.hpp"

namespace http {

struct static_mount {
  std::string url_prefix;  // starts with '/', no trailing slash except for "/" itself
  std::string guest_dir;   // a guest path, no trailing slash (except "/")
};

/// Parses `--static`'s "URL_PREFIX=GUEST_DIR". Errors: nullopt and a one-line `error`.
std::optional<static_mount> parse_static_mount(std::string_view spec, std::string& error);

/// Takes every `--static SPEC` and `--static=SPEC` out of `arguments` into `mounts`.
/// Errors: false and a one-line `error` (a bad SPEC, a missing one, the same prefix twice).
bool take_static_mounts(std::vector<std::string_view>& arguments, std::vector<static_mount>& mounts, std::string& error);

/// The path of `target` decoded and normalised into `path` (starting with '/'; a trailing slash is
/// kept). False means 400 (see step 1 above). Absolute-form targets (http://host/...) use their path.
bool normalize_target_path(std::string_view target, std::string& path);

/// "text/html", "image/png", ... by the extension of `path` (case-insensitive); octet-stream otherwise.
std::string_view content_type_for(std::string_view path);

/// The ETag of a file (quotes included).
std::string make_etag(const file_info& info);

/// Seconds since the epoch of an HTTP-date: IMF-fixdate, RFC 850 or asctime (RFC 9110 5.6.7).
std::optional<std::int64_t> parse_http_date(std::string_view text);

/// True when the If-None-Match `list` names `etag` (weak comparison) or is "*".
bool etag_list_matches(std::string_view list, std::string_view etag);

struct byte_range {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
};
enum class range_outcome : std::uint8_t { whole, partial, unsatisfiable };
/// Reads a Range header against a representation of `size` bytes (see the header comment).
range_outcome parse_range(std::string_view header, std::uint64_t size, byte_range& range);

/// The request fields static serving reads (empty: the header was absent).
struct static_request {
  method verb = method::get;
  std::string_view target;
  std::string_view if_none_match;
  std::string_view if_modified_since;
  std::string_view range;
  std::string_view if_range;
};

/// What to send: the head's fields, and the body inline or from an open file.
struct static_reply {
  http::status status = status::ok;
  std::string_view content_type = "text/plain";
  std::string headers;      // extra header lines, each as "\r\nName: value"
  std::string inline_body;  // error texts and small files
  std::unique_ptr<static_file> file;  // a longer GET body, [offset, offset + length) of it
  std::uint64_t offset = 0;
  std::uint64_t length = 0;           // the Content-Length (HEAD: of the body a GET would get)
  bool has_length = true;             // false for a 304

  /// The response to append, and its extra head fields (both point into this reply).
  response as_response() const;
  response_extras extras() const;
};

class static_files {
 public:
  static constexpr std::uint64_t inline_limit = 64u << 10;

  static_files(static_fs& fs, std::vector<static_mount> mounts);

  /// Answers `request` when a mount covers its path; nullopt otherwise (the router answers it).
  std::optional<static_reply> serve(const static_request& request, static_counters& counters);

  const std::vector<static_mount>& mounts() const { return mounts_; }

 private:
  static_reply serve_file(const static_request& request, const std::string& path, static_counters& counters);

  static_fs& fs_;
  std::vector<static_mount> mounts_;
};

}  // namespace http
