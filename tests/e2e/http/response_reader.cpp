#include "response_reader.hpp"

#include <cctype>

#include "llhttp.h"

namespace http_test {
namespace {

struct reader_state {
  read_result result;
  parsed_response current;
  std::string field;
  std::string value;
  bool in_value = false;
  const std::vector<bool>* head_responses = nullptr;
  std::size_t completed_bytes = 0;

  void finish_header() {
    if (!field.empty()) current.headers[field] = value;
    field.clear();
    value.clear();
    in_value = false;
  }
};

reader_state& state_of(llhttp_t* p) { return *static_cast<reader_state*>(p->data); }

}  // namespace

read_result read_responses(std::string_view bytes, const std::vector<bool>& head_responses) {
  llhttp_settings_t settings;
  llhttp_settings_init(&settings);
  settings.on_message_begin = [](llhttp_t* p) {
    state_of(p).current = parsed_response{};
    return 0;
  };
  settings.on_header_field = [](llhttp_t* p, const char* at, std::size_t size) {
    reader_state& s = state_of(p);
    if (s.in_value) s.finish_header();
    for (std::size_t i = 0; i < size; ++i) s.field += static_cast<char>(std::tolower(static_cast<unsigned char>(at[i])));
    return 0;
  };
  settings.on_header_value = [](llhttp_t* p, const char* at, std::size_t size) {
    reader_state& s = state_of(p);
    s.in_value = true;
    s.value.append(at, size);
    return 0;
  };
  settings.on_headers_complete = [](llhttp_t* p) {
    reader_state& s = state_of(p);
    s.finish_header();
    s.current.status = p->status_code;
    const std::size_t index = s.result.responses.size();
    const bool head = index < s.head_responses->size() && (*s.head_responses)[index];
    return head || p->status_code == 100 ? 1 : 0;
  };
  settings.on_body = [](llhttp_t* p, const char* at, std::size_t size) {
    state_of(p).current.body.append(at, size);
    return 0;
  };
  settings.on_message_complete = [](llhttp_t* p) {
    reader_state& s = state_of(p);
    s.result.responses.push_back(s.current);
    return static_cast<int>(HPE_PAUSED);
  };

  reader_state state;
  state.head_responses = &head_responses;
  llhttp_t parser;
  llhttp_init(&parser, HTTP_RESPONSE, &settings);
  parser.data = &state;
  const char* at = bytes.data();
  const char* end = at + bytes.size();
  while (at < end) {
    const llhttp_errno_t error = llhttp_execute(&parser, at, static_cast<std::size_t>(end - at));
    if (error == HPE_OK) {
      state.result.leftover = static_cast<std::size_t>(end - (bytes.data() + state.completed_bytes));
      break;
    }
    if (error != HPE_PAUSED) {
      state.result.ok = false;
      break;
    }
    at = llhttp_get_error_pos(&parser);
    state.completed_bytes = static_cast<std::size_t>(at - bytes.data());
    llhttp_resume(&parser);
  }
  return state.result;
}

}  // namespace http_test
