#pragma once
// An in-memory syslog::log_directory with faults on demand: a disk that holds `capacity` bytes
// (writes past it are short, then fail with nospc), failing opens and renames, and a record of
// every write call so tests can check what each one carried.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "log_file.hpp"

namespace syslog_test {

struct fake_disk {
  std::map<std::string, std::shared_ptr<std::string>> files;  // path -> contents (an inode)
  std::optional<std::size_t> capacity;                        // total bytes across files
  std::optional<wasio::errc> fail_writes;
  std::optional<wasio::errc> fail_opens;
  std::optional<wasio::errc> fail_renames;
  std::optional<wasio::errc> fail_syncs;
  std::vector<std::string> write_calls;   // what each successful write call carried
  std::vector<std::string> operations;    // "rename A B", "remove A", "open A"
  int syncs = 0;

  std::size_t used() const {
    std::size_t n = 0;
    for (const auto& [path, contents] : files) n += contents->size();
    return n;
  }
  std::string contents(const std::string& path) const {
    auto it = files.find(path);
    return it == files.end() ? std::string() : *it->second;
  }
};

class fake_file final : public syslog::log_file {
 public:
  fake_file(fake_disk& disk, std::shared_ptr<std::string> contents) : disk_(disk), contents_(std::move(contents)) {}
  wasio::result<std::size_t> write(std::string_view bytes) override {
    if (disk_.fail_writes) return wasio::fail(*disk_.fail_writes);
    std::size_t n = bytes.size();
    if (disk_.capacity) {
      const std::size_t room = *disk_.capacity > disk_.used() ? *disk_.capacity - disk_.used() : 0;
      if (room == 0) return wasio::fail(wasio::errc::nospc);
      n = std::min(n, room);
    }
    contents_->append(bytes.substr(0, n));
    disk_.write_calls.emplace_back(bytes.substr(0, n));
    return n;
  }
  wasio::result<void> sync() override {
    if (disk_.fail_syncs) return wasio::fail(*disk_.fail_syncs);
    ++disk_.syncs;
    return {};
  }
  wasio::result<std::uint64_t> size() override { return static_cast<std::uint64_t>(contents_->size()); }
  wasio::result<char> byte_at(std::uint64_t offset) override {
    if (offset >= contents_->size()) return wasio::fail(wasio::errc::inval);
    return (*contents_)[offset];
  }

 private:
  fake_disk& disk_;
  std::shared_ptr<std::string> contents_;
};

class fake_directory final : public syslog::log_directory {
 public:
  explicit fake_directory(fake_disk& disk) : disk_(disk) {}
  wasio::result<std::unique_ptr<syslog::log_file>> open_append(std::string_view path) override {
    disk_.operations.push_back("open " + std::string(path));
    if (disk_.fail_opens) return wasio::fail(*disk_.fail_opens);
    auto& contents = disk_.files[std::string(path)];
    if (!contents) contents = std::make_shared<std::string>();
    return std::unique_ptr<syslog::log_file>(std::make_unique<fake_file>(disk_, contents));
  }
  wasio::result<void> rename(std::string_view from, std::string_view to) override {
    disk_.operations.push_back("rename " + std::string(from) + " " + std::string(to));
    if (disk_.fail_renames) return wasio::fail(*disk_.fail_renames);
    auto it = disk_.files.find(std::string(from));
    if (it == disk_.files.end()) return wasio::fail(wasio::errc::noent);
    auto contents = it->second;
    disk_.files.erase(it);
    disk_.files[std::string(to)] = contents;
    return {};
  }
  wasio::result<void> remove(std::string_view path) override {
    disk_.operations.push_back("remove " + std::string(path));
    if (disk_.files.erase(std::string(path)) == 0) return wasio::fail(wasio::errc::noent);
    return {};
  }

 private:
  fake_disk& disk_;
};

}  // namespace syslog_test
