#pragma once
/// syslog::take_output_option: the receiver's file output options, one FLAG VALUE pair at a time.
///
/// | flag              | value                      | default     |
/// |-------------------|----------------------------|-------------|
/// | --output PATH     | a guest path (pre-opened)  | stdout      |
/// | --flush-ms N      | 1 .. 3600000               | 500         |
/// | --flush-bytes N   | 1 .. 16 MiB                | 65536       |
/// | --fsync POLICY    | never, always, interval    | interval    |
/// | --fsync-ms N      | 1 .. 3600000               | 1000        |
/// | --rotate-bytes N  | 0 (never) .. 2^50          | 0           |
/// | --rotate-keep N   | 0 .. 1000                  | 5           |
/// | --buffer-bytes N  | 64 KiB .. 1 GiB            | 8 MiB       |
///
/// Errors: take_output_option returns true with a one-line `error` for a known flag with a bad value;
/// false for a flag it does not know (the caller tries its own).
/// Example (compiled in examples/syslog/main.cpp):
///   if (syslog::take_output_option(flag, value, output, error)) { if (!error.empty()) fail(error); }

#include <string>
#include <string_view>

#include "log_file_sink.hpp"

namespace syslog {

/// Options that only make sense with --output; a caller that got them without it refuses to start.
struct output_request {
  bool wanted = false;  // --output was given
  bool tuned = false;   // another output option was given
  file_sink_options options;
};

bool take_output_option(std::string_view flag, std::string_view value, output_request& out, std::string& error);

/// The usage lines of these options.
std::string_view output_usage();

}  // namespace syslog
