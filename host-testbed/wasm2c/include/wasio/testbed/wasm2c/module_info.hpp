#pragma once
/// wasio::testbed::wasm2c::module_info: what wasio-run must know about a module before running
/// it (imports with their signatures, exports, features wasm2c 1.0.32 cannot translate), read
/// straight from the wasm binary without translating anything.
///
/// Example (compiled in tests/host/wasm2c_module_info_test.cpp):
///   auto info = read_module_info(bytes);
///   if (!info) return report("not a wasm module");
///   for (const std::string& line : unresolved_imports(*info, preview1_function_names())) ...

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wasio/result.hpp"

namespace wasio::testbed::wasm2c {

enum class extern_kind : std::uint8_t { function = 0, table = 1, memory = 2, global = 3, tag = 4 };

struct module_import {
  std::string module;
  std::string name;
  extern_kind kind;
  /// Function imports: signature in letters ('i' i32, 'I' i64, 'f' f32, 'F' f64, 'v' v128,
  /// 'r' funcref, 'x' externref), empty for other kinds.
  std::string params, results;
};

struct module_export {
  std::string name;
  extern_kind kind;
};

struct module_info {
  std::vector<module_import> imports;
  std::vector<module_export> exports;
  /// Features the module declares that wasm2c 1.0.32 cannot translate ("threads (shared memory)",
  /// "SIMD (v128 values)", "memory64", ...), in the order found.
  std::vector<std::string> unsupported_features;

  bool exports_function(std::string_view name) const;
  bool exports_memory(std::string_view name) const;
};

/// Parses the sections wasio-run needs. Errors: inval (not a wasm binary, or malformed).
result<module_info> read_module_info(std::span<const std::byte> bytes);

/// One line per import the host cannot satisfy: imports from modules other than
/// wasi_snapshot_preview1, preview1 names outside `host_functions`, non-function preview1
/// imports, and preview1 functions whose signature differs from the WASI one.
/// Example line: "env.frobnicate (function, not from wasi_snapshot_preview1)".
std::vector<std::string> unresolved_imports(const module_info& info,
                                            std::span<const std::string_view> host_functions);

}  // namespace wasio::testbed::wasm2c
