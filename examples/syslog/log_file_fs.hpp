#pragma once
/// syslog::fs_log_directory: log_directory over wasio::fs (guest paths against the pre-opens).
///
/// Errors: those of wasio::fs (notcapable when no pre-open holds the path, nospc, io, ...).
/// Example (compiled in examples/syslog/main.cpp):
///   syslog::fs_log_directory directory;
///   syslog::log_file_sink sink(directory, options, log);

#include "log_file.hpp"

namespace syslog {

class fs_log_directory final : public log_directory {
 public:
  wasio::result<std::unique_ptr<log_file>> open_append(std::string_view path) override;
  wasio::result<void> rename(std::string_view from, std::string_view to) override;
  wasio::result<void> remove(std::string_view path) override;
};

}  // namespace syslog
