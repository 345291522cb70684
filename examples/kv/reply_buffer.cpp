// RESP2 encoding. Integers go through std::to_chars: this is on every reply's path.
#include "reply_buffer.hpp"

#include <charconv>

namespace kv {

void reply_buffer::simple(std::string_view text) {
  data_.push_back('+');
  data_.append(text);
  data_.append("\r\n");
}

void reply_buffer::error(std::string_view message) {
  const std::size_t start = data_.size() + 1;
  data_.push_back('-');
  data_.append(message);
  for (std::size_t i = start; i < data_.size(); ++i)
    if (data_[i] == '\r' || data_[i] == '\n') data_[i] = ' ';
  data_.append("\r\n");
}

void reply_buffer::error_trimmed(std::string_view message) {
  auto is_newline = [](char c) { return c == '\r' || c == '\n'; };
  while (!message.empty() && is_newline(message.front())) message.remove_prefix(1);
  while (!message.empty() && is_newline(message.back())) message.remove_suffix(1);
  error(message);
}

void reply_buffer::number_line(char prefix, std::int64_t value) {
  char text[24];
  text[0] = prefix;
  const auto end = std::to_chars(text + 1, text + sizeof text - 2, value).ptr;
  end[0] = '\r';
  end[1] = '\n';
  data_.append(text, static_cast<std::size_t>(end + 2 - text));
}

void reply_buffer::integer(std::int64_t value) { number_line(':', value); }

void reply_buffer::bulk(std::string_view data) {
  number_line('$', static_cast<std::int64_t>(data.size()));
  data_.append(data);
  data_.append("\r\n");
}

void reply_buffer::array(std::size_t count) { number_line('*', static_cast<std::int64_t>(count)); }

void reply_buffer::consume(std::size_t count) {
  if (count >= data_.size()) data_.clear();
  else data_.erase(0, count);
}

}  // namespace kv
