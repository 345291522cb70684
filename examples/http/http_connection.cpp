#include "http_connection.hpp"

#include <algorithm>

namespace http {
namespace {

constexpr std::string_view continue_expectation = "100-continue";
// The request headers a connection keeps, by index (http_connection::header), with a bound on each
// value: longer values are dropped whole (a truncated ETag list or Range could match wrongly).
constexpr std::string_view kept_fields[] = {"expect", "if-none-match", "if-modified-since", "range", "if-range"};
constexpr std::size_t kept_value_bound[] = {64, 1024, 64, 256, 256};
constexpr std::size_t longest_kept_field = 17;  // "if-modified-since"

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

method method_of(const llhttp_t& parser) {
  switch (parser.method) {
    case HTTP_GET: return method::get;
    case HTTP_HEAD: return method::head;
    case HTTP_POST: return method::post;
    default: return method::other;
  }
}

// Appends `text` to `into` while it stays within `limit`; reports whether everything fit.
bool append_bounded(std::string& into, const char* text, std::size_t size, std::size_t limit) {
  if (into.size() + size > limit) return false;
  into.append(text, size);
  return true;
}

}  // namespace

const llhttp_settings_t& http_connection::settings() {
  static const llhttp_settings_t table = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_message_begin = [](llhttp_t* p) {
      of(p).message_begun_ = true;
      return 0;
    };
    s.on_url = [](llhttp_t* p, const char* at, std::size_t size) {
      http_connection& c = of(p);
      // A target beyond the head limit fails with 431 once the head's size is known; keep none of it.
      (void)append_bounded(c.target_, at, size, c.context_.config.max_head_bytes);
      return 0;
    };
    s.on_header_field = [](llhttp_t* p, const char* at, std::size_t size) {
      http_connection& c = of(p);
      c.rules_.on_field({at, size});
      if (!append_bounded(c.header_field_, at, size, longest_kept_field)) c.field_too_long_ = true;
      return 0;
    };
    s.on_header_field_complete = [](llhttp_t* p) {
      http_connection& c = of(p);
      c.rules_.on_field_complete();
      c.kept_field_ = -1;
      for (int i = 0; i < header_count && !c.field_too_long_ && !c.in_trailers_; ++i)
        if (equals_ignoring_case(c.header_field_, kept_fields[i])) c.kept_field_ = i;
      c.header_field_.clear();
      c.field_too_long_ = false;
      return 0;
    };
    s.on_header_value = [](llhttp_t* p, const char* at, std::size_t size) {
      http_connection& c = of(p);
      c.rules_.on_value({at, size});
      if (c.kept_field_ >= 0 && !append_bounded(c.header_value_, at, size, kept_value_bound[c.kept_field_]))
        c.value_too_long_ = true;
      return 0;
    };
    s.on_header_value_complete = [](llhttp_t* p) {
      http_connection& c = of(p);
      c.rules_.on_value_complete();
      if (c.kept_field_ >= 0 && !c.value_too_long_) {
        std::string& kept = c.headers_[c.kept_field_];
        // A repeated field is one list (RFC 9110 5.3); past its bound it is dropped whole.
        if (!kept.empty()) kept += ", ";
        kept += trimmed(c.header_value_);
        if (kept.size() > kept_value_bound[c.kept_field_]) kept.clear();
      }
      c.header_value_.clear();
      c.kept_field_ = -1;
      c.value_too_long_ = false;
      return 0;
    };
    s.on_headers_complete = [](llhttp_t* p) {
      of(p).paused_ = pause_reason::headers_complete;
      return static_cast<int>(HPE_PAUSED);
    };
    s.on_chunk_header = [](llhttp_t* p) {
      // llhttp stores the chunk's size in content_length here; 0 is the last chunk, trailers follow.
      if (p->content_length == 0) {
        http_connection& c = of(p);
        c.in_trailers_ = true;
        c.rules_.begin_trailers();
      }
      return 0;
    };
    s.on_body = [](llhttp_t* p, const char* at, std::size_t size) { return of(p).on_body(at, size); };
    s.on_message_complete = [](llhttp_t* p) {
      http_connection& c = of(p);
      c.keep_alive_ = llhttp_should_keep_alive(p) != 0;
      c.paused_ = pause_reason::message_complete;
      return static_cast<int>(HPE_PAUSED);
    };
    return s;
  }();
  return table;
}

http_connection& http_connection::of(llhttp_t* parser) { return *static_cast<http_connection*>(parser->data); }

http_connection::http_connection(server_context& context) : context_(context) {
  llhttp_init(&parser_, HTTP_REQUEST, &settings());
  parser_.data = this;
}

void http_connection::set_phase(connection_phase p) {
  if (phase_ == p) return;
  phase_ = p;
  ++phase_changes_;
}

void http_connection::begin_request() {
  rules_.begin();
  message_begun_ = false;
  leading_bytes_ = 0;
  head_bytes_ = 0;
  target_.clear();
  header_field_.clear();
  header_value_.clear();
  for (std::string& h : headers_) h.clear();
  kept_field_ = -1;
  field_too_long_ = false;
  value_too_long_ = false;
  expects_continue_ = false;
  chunked_ = false;
  in_trailers_ = false;
  declared_length_ = 0;
  body_bytes_ = 0;
  keep_alive_ = false;
  pending_status_ = status::ok;
  framing_run_ = 0;
  echo_ = false;
  echo_started_ = false;
  echo_close_ = false;
  held_.clear();
  set_phase(connection_phase::head);
}

std::size_t http_connection::feed(std::string_view input) {
  const char* at = input.data();
  const char* const end = at + input.size();
  // After a head, llhttp must run once more even with no input left: a request without a body
  // completes right there, without consuming another byte.
  bool head_just_ended = false;
  while ((at < end || head_just_ended) && phase_ != connection_phase::closing) {
    head_just_ended = false;
    if (phase_ == connection_phase::idle) {
      // A file body still to send holds the next request back, as output does.
      if (output_.size() >= output_high_water || file_body_.file) break;
      begin_request();  // a byte of the next request is here: its head deadline starts now
    }
    if (phase_ == connection_phase::head && !message_begun_) {
      // llhttp 8.1 skips any number of CR and LF before a request line, outside every limit (and
      // before on_message_begin, so no head timer would start): RFC 9112 2.2 asks a server to
      // tolerate "at least one" empty line; this one takes up to max_leading_bytes of them.
      const char* p = at;
      while (p < end && (*p == '\r' || *p == '\n')) ++p;
      leading_bytes_ += static_cast<std::size_t>(p - at);
      if (leading_bytes_ > max_leading_bytes) {
        fail(status::bad_request, error_kind::bad_request);
        break;
      }
    }
    const connection_phase was = phase_;
    // An echoed body goes to output_ as it is parsed, and llhttp hands over a body in one span as
    // long as its input: give it at most one read's worth at a time, and stop once output_ is full.
    const char* slice_end = end;
    if (was == connection_phase::body && echo_) {
      if (output_.size() >= output_high_water) break;
      if (static_cast<std::size_t>(end - at) > read_buffer_bytes) slice_end = at + read_buffer_bytes;
    }
    paused_ = pause_reason::none;
    framing_from_ = at;
    const llhttp_errno_t error = llhttp_execute(&parser_, at, static_cast<std::size_t>(slice_end - at));
    const char* stop = error == HPE_OK ? slice_end : llhttp_get_error_pos(&parser_);
    if (stop == nullptr || stop < at || stop > slice_end) stop = error == HPE_OK ? slice_end : at;
    if (was == connection_phase::head) {
      head_bytes_ += static_cast<std::size_t>(stop - at);
      rules_.scan_head({at, static_cast<std::size_t>(stop - at)});
    } else if (was == connection_phase::body && chunked_ && framing_from_ != nullptr && phase_ != connection_phase::closing) {
      if (!on_framing(framing_from_, stop) && error == HPE_OK) {
        fail(pending_status_, pending_kind_);
        break;
      }
    }
    at = stop;
    if (error == HPE_OK) {
      if (phase_ == connection_phase::head && head_bytes_ > context_.config.max_head_bytes)
        fail(status::request_header_fields_too_large, error_kind::head_too_large);
      continue;
    }
    if (error == HPE_PAUSED) {
      llhttp_resume(&parser_);
      if (pending_status_ != status::ok) {
        fail(pending_status_, pending_kind_);
      } else if (paused_ == pause_reason::headers_complete) {
        on_headers_done();
        head_just_ended = true;
      } else if (paused_ == pause_reason::message_complete) {
        more_input_ = at < end;
        on_message_done();
      } else if (paused_ == pause_reason::output_full) {
        break;  // the caller writes output() and feeds the rest
      }
      continue;
    }
    if (error == HPE_PAUSED_UPGRADE) {
      // The request asked to switch protocols after it (Upgrade, CONNECT). This server speaks only
      // HTTP/1.1, which RFC 9110 7.8 allows by ignoring Upgrade; the bytes that follow are HTTP again.
      llhttp_resume_after_upgrade(&parser_);
      more_input_ = at < end;
      if (paused_ == pause_reason::message_complete) on_message_done();
      continue;
    }
    if (error == HPE_USER && pending_status_ != status::ok) {
      fail(pending_status_, pending_kind_);
    } else {
      const status code = was == connection_phase::head ? rules_.status_for_parse_error() : status::bad_request;
      fail(code, code == status::http_version_not_supported ? error_kind::version_not_supported
                                                            : error_kind::bad_request);
    }
  }
  if (phase_ == connection_phase::closing) return input.size();
  return static_cast<std::size_t>(at - input.data());
}

bool http_connection::on_framing(const char* from, const char* to) {
  if (from >= to) return true;
  const std::string_view bytes(from, static_cast<std::size_t>(to - from));
  rules_.scan_framing(bytes);
  framing_run_ += bytes.size();
  framing_from_ = to;
  if (rules_.broken()) {
    pending_status_ = rules_.broken().code;
    pending_kind_ = error_kind::bad_request;
    return false;
  }
  const std::size_t limit = max_chunk_line_bytes + (in_trailers_ ? context_.config.max_head_bytes : 0);
  if (framing_run_ > limit) {
    pending_status_ = in_trailers_ ? status::request_header_fields_too_large : status::bad_request;
    pending_kind_ = in_trailers_ ? error_kind::head_too_large : error_kind::bad_request;
    return false;
  }
  return true;
}

int http_connection::fail_later(status code, error_kind kind) {
  if (pending_status_ == status::ok) {
    pending_status_ = code;
    pending_kind_ = kind;
  }
  return static_cast<int>(HPE_USER);
}

int http_connection::on_body(const char* at, std::size_t size) {
  if (chunked_) {
    if (!on_framing(framing_from_, at)) return static_cast<int>(HPE_USER);
    framing_from_ = at + size;
    framing_run_ = 0;  // data ends a run of framing bytes
  }
  body_bytes_ += size;
  if (body_bytes_ > context_.config.max_body_bytes) return fail_later(status::content_too_large, error_kind::body_too_large);
  if (echo_) echo({at, size});
  if (output_.size() >= output_high_water) {
    paused_ = pause_reason::output_full;
    return static_cast<int>(HPE_PAUSED);
  }
  return 0;
}

void http_connection::echo(std::string_view data) {
  if (!echo_started_) {
    if (held_.size() + data.size() <= echo_hold_bytes) {
      held_.append(data);
      return;
    }
    // Too long to hold: the response starts now and the body streams through output_.
    echo_started_ = true;
    echo_close_ = llhttp_should_keep_alive(&parser_) == 0;
    const response head{status::ok, "application/octet-stream", {}, {}};
    append_head(output_, head, chunked_ ? std::nullopt : std::optional<std::uint64_t>(declared_length_),
                context_.date.value(), framing_for(echo_close_));
    if (chunked_) append_chunk(output_, held_);
    else output_ += held_;
    std::string().swap(held_);
  }
  if (chunked_) append_chunk(output_, data);
  else output_.append(data);
}

void http_connection::on_headers_done() {
  set_phase(connection_phase::body);
  const server_config& config = context_.config;
  if (head_bytes_ > config.max_head_bytes) {
    fail(status::request_header_fields_too_large, error_kind::head_too_large);
    return;
  }
  if (const rejection broken = rules_.check_head(parser_.http_major, parser_.http_minor,
                                                 (parser_.flags & F_TRANSFER_ENCODING) != 0)) {
    fail(broken.code, broken.code == status::http_version_not_supported ? error_kind::version_not_supported
                                                                        : error_kind::bad_request);
    return;
  }
  chunked_ = (parser_.flags & F_CHUNKED) != 0;
  // A declared length over the limit is refused before its body arrives (and before a 100 Continue).
  if ((parser_.flags & F_CONTENT_LENGTH) != 0 && parser_.content_length > config.max_body_bytes) {
    fail(status::content_too_large, error_kind::body_too_large);
    return;
  }
  declared_length_ = parser_.content_length;
  expects_continue_ = equals_ignoring_case(headers_[header::expect], continue_expectation);
  echo_ = wants_body(method_of(parser_), target_);
  const bool body_follows = chunked_ || parser_.content_length > 0;
  // RFC 9110 10.1.1: a 1.0 client cannot understand an interim response; it just sends the body.
  if (expects_continue_ && body_follows && parser_.http_major == 1 && parser_.http_minor >= 1)
    output_ += continue_response;
}

void http_connection::on_message_done() {
  const method m = method_of(parser_);
  ++context_.stats.requests;
  if (echo_started_) {
    // The head went out when the body outgrew echo_hold_bytes; only its end is left.
    if (chunked_) append_last_chunk(output_);
    set_phase(echo_close_ || (draining_ && !more_input_) ? connection_phase::closing : connection_phase::idle);
    return;
  }
  // Static mounts answer GET and HEAD of every path but the example's own /echo and /stats.
  std::optional<static_reply> file_reply;
  if (context_.statics != nullptr && (m == method::get || m == method::head)) {
    const std::string_view path = std::string_view(target_).substr(0, target_.find('?'));
    if (path != "/echo" && path != "/stats")
      file_reply = context_.statics->serve(
          static_request{m, target_, headers_[header::if_none_match], headers_[header::if_modified_since],
                         headers_[header::range], headers_[header::if_range]},
          context_.stats.statics);
  }
  const response r = file_reply ? file_reply->as_response() : route(m, target_, held_, context_.stats, stats_scratch_);
  // After a CONNECT the client would send tunnel bytes, not HTTP: closing is the only safe answer.
  // Shutting down: the last request read so far gets `Connection: close`, the ones before it do not
  // (they are answered in full first).
  const bool close = !keep_alive_ || (parser_.upgrade != 0 && parser_.method == HTTP_CONNECT) ||
                     (draining_ && !more_input_);
  if (r.status == status::not_found) context_.stats.count(error_kind::not_found);
  if (r.status == status::method_not_allowed) context_.stats.count(error_kind::method_not_allowed);
  framing how = framing_for(close);
  how.head_only = m == method::head;
  append_response(output_, r, context_.date.value(), how, file_reply ? file_reply->extras() : response_extras{});
  if (file_reply && file_reply->file && m != method::head)
    file_body_ = file_body{std::move(file_reply->file), file_reply->offset, file_reply->length};
  // Lifetime: the response pointed into held_ and stats_scratch_; it is in output_ now.
  held_.clear();
  set_phase(close ? connection_phase::closing : connection_phase::idle);
}

void http_connection::release_idle_buffers() {
  if (phase_ != connection_phase::idle || !output_.empty() || file_body_.file) return;
  // Small buffers stay (a keep-alive GET reuses them); only what a big request grew goes back.
  constexpr std::size_t keep = 4096;
  if (output_.capacity() > keep) std::string().swap(output_);
  if (held_.capacity() > keep) std::string().swap(held_);
  if (target_.capacity() > keep) std::string().swap(target_);
}

void http_connection::fail(status code, error_kind kind) {
  context_.stats.count(kind);
  set_phase(connection_phase::closing);
  if (echo_started_) {
    // The 200 is already on its way: cutting it short is the only way left to say "failed".
    aborted_ = true;
    return;
  }
  std::string_view text;
  switch (code) {
    case status::bad_request: text = "Bad Request\n"; break;
    case status::request_timeout: text = "Request Timeout\n"; break;
    case status::content_too_large: text = "Content Too Large\n"; break;
    case status::request_header_fields_too_large: text = "Request Header Fields Too Large\n"; break;
    case status::http_version_not_supported: text = "HTTP Version Not Supported\n"; break;
    default: text = reason_phrase(code); break;
  }
  append_response(output_, response{code, "text/plain", text, {}}, context_.date.value(), framing_for(true));
}

framing http_connection::framing_for(bool close) const {
  framing how;
  how.close = close;
  how.http10_keep_alive = !close && parser_.http_major == 1 && parser_.http_minor == 0;
  return how;
}

void http_connection::on_timeout() {
  if (phase_ == connection_phase::closing) return;
  if (phase_ == connection_phase::idle) {
    ++context_.stats.idle_closed;
    set_phase(connection_phase::closing);
    return;
  }
  fail(status::request_timeout, error_kind::request_timeout);
}

void http_connection::on_peer_closed() { set_phase(connection_phase::closing); }

}  // namespace http
