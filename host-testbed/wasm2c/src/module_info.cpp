#include "wasio/testbed/wasm2c/module_info.hpp"

#include <algorithm>

#include "wasio/testbed/wasm2c/imports.hpp"

namespace wasio::testbed::wasm2c {
namespace {

/// A cursor over untrusted bytes: every read checks the end, a failed read poisons the reader.
class reader {
 public:
  explicit reader(std::span<const std::byte> bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ >= bytes_.size(); }
  std::size_t remaining() const { return ok_ ? bytes_.size() - pos_ : 0; }

  std::uint8_t byte() {
    if (!ok_ || pos_ >= bytes_.size()) return poison();
    return static_cast<std::uint8_t>(bytes_[pos_++]);
  }
  std::uint32_t u32() {
    std::uint32_t value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      std::uint8_t b = byte();
      if (!ok_) return 0;
      value |= static_cast<std::uint32_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return value;
    }
    return poison();
  }
  std::uint64_t u64() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      std::uint8_t b = byte();
      if (!ok_) return 0;
      value |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return value;
    }
    return poison();
  }
  std::string name() {
    std::uint32_t length = u32();
    if (!ok_ || length > remaining()) return poison(), std::string();
    std::string text(reinterpret_cast<const char*>(bytes_.data() + pos_), length);
    pos_ += length;
    return text;
  }
  reader sub(std::uint32_t length) {
    if (!ok_ || length > remaining()) {
      poison();
      return reader({});
    }
    reader inner(bytes_.subspan(pos_, length));
    pos_ += length;
    return inner;
  }
  void skip(std::uint32_t length) { (void)sub(length); }

 private:
  std::uint8_t poison() {
    ok_ = false;
    return 0;
  }
  std::span<const std::byte> bytes_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

char type_letter(std::uint8_t code) {
  switch (code) {
    case 0x7f: return 'i';
    case 0x7e: return 'I';
    case 0x7d: return 'f';
    case 0x7c: return 'F';
    case 0x7b: return 'v';
    case 0x70: return 'r';
    case 0x6f: return 'x';
    default: return '?';
  }
}

std::string type_text(std::string_view letters) {
  std::string text = "(";
  for (char c : letters) {
    if (text.size() > 1) text += ", ";
    switch (c) {
      case 'i': text += "i32"; break;
      case 'I': text += "i64"; break;
      case 'f': text += "f32"; break;
      case 'F': text += "f64"; break;
      case 'v': text += "v128"; break;
      case 'r': text += "funcref"; break;
      case 'x': text += "externref"; break;
      default: text += "?"; break;
    }
  }
  return text + ")";
}

std::string_view kind_name(extern_kind kind) {
  switch (kind) {
    case extern_kind::function: return "function";
    case extern_kind::table: return "table";
    case extern_kind::memory: return "memory";
    case extern_kind::global: return "global";
    case extern_kind::tag: return "tag";
  }
  return "unknown";
}

void note_feature(module_info& info, std::string feature) {
  if (std::find(info.unsupported_features.begin(), info.unsupported_features.end(), feature) ==
      info.unsupported_features.end())
    info.unsupported_features.push_back(std::move(feature));
}

struct function_type {
  std::string params, results;
};

void read_value_types(reader& in, std::string& out, module_info& info) {
  std::uint32_t count = in.u32();
  for (std::uint32_t i = 0; i < count && in.ok(); ++i) {
    char letter = type_letter(in.byte());
    if (letter == 'v') note_feature(info, "SIMD (v128 values)");
    out += letter;
  }
}

/// limits: flags 0x01 has max, 0x02 shared (threads), 0x04 64-bit (memory64).
void read_limits(reader& in, module_info& info, bool memory) {
  std::uint8_t flags = in.byte();
  if (memory && (flags & 0x02)) note_feature(info, "threads (shared memory)");
  if (memory && (flags & 0x04)) note_feature(info, "memory64");
  if (flags & 0x04) {
    (void)in.u64();
    if (flags & 0x01) (void)in.u64();
  } else {
    (void)in.u32();
    if (flags & 0x01) (void)in.u32();
  }
}

}  // namespace

bool module_info::exports_function(std::string_view name) const {
  return std::any_of(exports.begin(), exports.end(),
                     [&](const module_export& e) { return e.kind == extern_kind::function && e.name == name; });
}

bool module_info::exports_memory(std::string_view name) const {
  return std::any_of(exports.begin(), exports.end(),
                     [&](const module_export& e) { return e.kind == extern_kind::memory && e.name == name; });
}

result<module_info> read_module_info(std::span<const std::byte> bytes) {
  static constexpr std::uint8_t header[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  if (bytes.size() < sizeof header || !std::equal(std::begin(header), std::end(header), bytes.begin(),
                                                  [](std::uint8_t a, std::byte b) { return a == static_cast<std::uint8_t>(b); }))
    return fail(errc::inval);
  module_info info;
  std::vector<function_type> types;
  reader in(bytes.subspan(sizeof header));
  while (in.ok() && !in.at_end()) {
    std::uint8_t id = in.byte();
    reader section = in.sub(in.u32());
    if (!in.ok()) return fail(errc::inval);
    switch (id) {
      case 1: {  // type
        std::uint32_t count = section.u32();
        for (std::uint32_t i = 0; i < count && section.ok(); ++i) {
          if (section.byte() != 0x60) {
            note_feature(info, "non-function types (GC proposal)");
            return info;  // the rest cannot be decoded without that proposal
          }
          function_type type;
          read_value_types(section, type.params, info);
          read_value_types(section, type.results, info);
          types.push_back(std::move(type));
        }
        break;
      }
      case 2: {  // import
        std::uint32_t count = section.u32();
        for (std::uint32_t i = 0; i < count && section.ok(); ++i) {
          module_import entry;
          entry.module = section.name();
          entry.name = section.name();
          std::uint8_t kind = section.byte();
          switch (kind) {
            case 0: {
              std::uint32_t index = section.u32();
              if (index >= types.size()) return fail(errc::inval);
              entry.params = types[index].params;
              entry.results = types[index].results;
              break;
            }
            case 1: (void)section.byte(); read_limits(section, info, false); break;
            case 2: read_limits(section, info, true); break;
            case 3: {
              if (type_letter(section.byte()) == 'v') note_feature(info, "SIMD (v128 values)");
              (void)section.byte();
              break;
            }
            case 4: note_feature(info, "exception handling"); (void)section.byte(); (void)section.u32(); break;
            default: return fail(errc::inval);
          }
          entry.kind = static_cast<extern_kind>(kind);
          info.imports.push_back(std::move(entry));
        }
        break;
      }
      case 5: {  // memory
        std::uint32_t count = section.u32();
        if (count > 1) note_feature(info, "multiple memories");
        for (std::uint32_t i = 0; i < count && section.ok(); ++i) read_limits(section, info, true);
        break;
      }
      case 6: {  // global: only the value types matter here; stop at the first init expression
        std::uint32_t count = section.u32();
        if (count > 0 && type_letter(section.byte()) == 'v') note_feature(info, "SIMD (v128 values)");
        break;
      }
      case 7: {  // export
        std::uint32_t count = section.u32();
        for (std::uint32_t i = 0; i < count && section.ok(); ++i) {
          module_export entry;
          entry.name = section.name();
          std::uint8_t kind = section.byte();
          (void)section.u32();
          if (kind > 4) return fail(errc::inval);
          entry.kind = static_cast<extern_kind>(kind);
          info.exports.push_back(std::move(entry));
        }
        break;
      }
      case 10: {  // code: local declarations reveal v128 use (wasm2c 1.0.32 aborts on SIMD)
        std::uint32_t count = section.u32();
        for (std::uint32_t i = 0; i < count && section.ok(); ++i) {
          reader body = section.sub(section.u32());
          std::uint32_t groups = body.u32();
          for (std::uint32_t g = 0; g < groups && body.ok(); ++g) {
            (void)body.u32();
            if (type_letter(body.byte()) == 'v') note_feature(info, "SIMD (v128 values)");
          }
        }
        break;
      }
      case 13: note_feature(info, "exception handling"); break;
      default: break;
    }
    if (!section.ok()) return fail(errc::inval);
  }
  if (!in.ok()) return fail(errc::inval);
  return info;
}

std::vector<std::string> unresolved_imports(const module_info& info,
                                            std::span<const std::string_view> host_functions) {
  static constexpr std::string_view preview1 = "wasi_snapshot_preview1";
  std::vector<std::string> missing;
  for (const module_import& entry : info.imports) {
    std::string label = entry.module + "." + entry.name + " (" + std::string(kind_name(entry.kind));
    if (entry.module != preview1) {
      missing.push_back(label + ", not from " + std::string(preview1) + ")");
      continue;
    }
    if (entry.kind != extern_kind::function) {
      missing.push_back(label + ", preview1 exports only functions)");
      continue;
    }
    bool host_has = std::find(host_functions.begin(), host_functions.end(), entry.name) != host_functions.end();
    const import_signature* expected = find_preview1_import(entry.name);
    if (!host_has || expected == nullptr) {
      missing.push_back(label + ", not a preview1 function this host provides)");
      continue;
    }
    if (entry.params != expected->params || entry.results != expected->results)
      missing.push_back(label + " " + type_text(entry.params) + " -> " + type_text(entry.results) +
                        ", preview1 has " + type_text(expected->params) + " -> " + type_text(expected->results) + ")");
  }
  return missing;
}

}  // namespace wasio::testbed::wasm2c
