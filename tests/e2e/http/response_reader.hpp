#pragma once
// Test helper: splits bytes a server wrote into responses with llhttp's own response parser, so the
// tests check framing (Content-Length agreeing with the body) the way a client would.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace http_test {

struct parsed_response {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  bool has(const std::string& name) const { return headers.count(name) != 0; }
  std::string header(const std::string& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? std::string() : found->second;
  }
};

struct read_result {
  std::vector<parsed_response> responses;
  bool ok = true;           // false when llhttp rejected the bytes
  std::size_t leftover = 0;  // bytes of an unfinished response at the end
};

/// Parses every complete response in `bytes`. `head_responses[i]` true means the i-th answers a HEAD
/// request (no body follows whatever Content-Length says); missing entries mean false.
read_result read_responses(std::string_view bytes, const std::vector<bool>& head_responses = {});

}  // namespace http_test
