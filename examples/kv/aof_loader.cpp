// Start-up replay of the append-only file (Redis's loadSingleAppendOnlyFile, as a parser loop).
#include "aof_loader.hpp"

#include <memory>
#include <string_view>

#include "wasio/errc.hpp"

namespace kv {
namespace {

constexpr std::size_t read_chunk = 1u << 20;

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) {
    if (c >= 0x20 && c < 0x7f) out += c;
    else {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[(static_cast<unsigned char>(c) >> 4) & 15];
      out += hex[static_cast<unsigned char>(c) & 15];
    }
  }
  return out;
}

}  // namespace

aof_load_result load_aof(aof_file& file, command_engine& engine, request_limits limits, std::int64_t now_ms) {
  aof_load_result r;
  resp_parser parser(limits);
  reply_buffer scratch;
  std::string buffer;
  std::size_t pos = 0;        // start of the command being parsed, in buffer
  std::uint64_t base = 0;     // file offset of buffer[0]
  bool eof = false;
  auto fail_at = [&](std::uint64_t offset, std::string message) {
    r.error = "Bad file format reading the append only file at offset " + std::to_string(offset) + ": " +
              std::move(message);
    return r;
  };
  for (;;) {
    if (pos == buffer.size() || buffer[pos] != '*') {
      if (pos < buffer.size()) {
        const std::uint64_t at = base + pos;
        if (at == 0 && std::string_view(buffer).substr(0, 5) == "REDIS")
          return fail_at(0, "the file starts with an RDB preamble (aof-use-rdb-preamble yes), which kv does not read");
        return fail_at(at, "expected '*', got '" + printable(std::string_view(buffer).substr(pos, 1)) + "'");
      }
    }
    const parse_status status =
        pos < buffer.size() ? parser.parse(std::string_view(buffer).substr(pos)) : parse_status::incomplete;
    if (status == parse_status::protocol_error) return fail_at(base + pos, std::string(parser.error()));
    if (status == parse_status::complete) {
      const auto args = parser.arguments();
      if (!args.empty()) {
        scratch.clear();
        engine.execute(args, scratch, now_ms);
        const std::string_view reply = scratch.view();
        if (reply.starts_with("-ERR unknown command"))
          return fail_at(base + pos, "unknown command '" + printable(args[0]) + "'");
        if (reply.starts_with("-")) {
          return fail_at(base + pos, "'" + printable(args[0]) + "' failed: " +
                                         std::string(reply.substr(1, reply.size() - 3)));
        }
        ++r.commands;
      }
      pos += parser.consumed();
      parser.reset();
      r.valid_bytes = base + pos;
      continue;
    }
    // Incomplete: more bytes, or the end of the file inside a command.
    if (eof) {
      r.truncated = pos < buffer.size();
      return r;
    }
    if (pos > 0 && pos >= buffer.size() / 2) {  // the parser's offsets count from the command's start
      buffer.erase(0, pos);
      base += pos;
      pos = 0;
    }
    const std::size_t old = buffer.size();
    buffer.resize(old + read_chunk);
    auto got = file.read(std::span(buffer.data() + old, read_chunk));
    if (!got) {
      buffer.resize(old);
      r.error = "Error reading the append only file at offset " + std::to_string(base + old) + ": " +
                std::string(wasio::message(got.error()));
      return r;
    }
    buffer.resize(old + *got);
    r.file_bytes += *got;
    if (*got == 0) eof = true;
  }
}

}  // namespace kv
