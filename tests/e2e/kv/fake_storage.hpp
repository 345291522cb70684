#pragma once
// An in-memory kv::aof_directory for the AOF's unit tests, with the faults a disk has: a capacity
// (writes take what fits, then fail with nospc), failing fsyncs and renames, and a power loss that
// keeps only what was synced.

#include <map>
#include <memory>
#include <string>

#include "aof_storage.hpp"

namespace kv::testing {

struct fake_disk {
  struct file_data {
    std::string bytes;
    std::size_t synced = 0;  // prefix made durable by sync()
  };
  std::map<std::string, std::shared_ptr<file_data>, std::less<>> files;
  std::size_t capacity = static_cast<std::size_t>(-1);  // total bytes all files may hold
  wasio::errc fail_sync = wasio::errc::success;
  wasio::errc fail_rename = wasio::errc::success;
  int syncs = 0;
  int directory_syncs = 0;

  std::size_t used() const {
    std::size_t n = 0;
    for (const auto& [name, f] : files) n += f->bytes.size();
    return n;
  }
  std::string& contents(const std::string& name) { return files.at(name)->bytes; }
  bool exists(const std::string& name) const { return files.count(name) != 0; }
};

class fake_file final : public aof_file {
 public:
  fake_file(fake_disk& disk, std::shared_ptr<fake_disk::file_data> data) : disk_(disk), data_(std::move(data)) {}
  wasio::result<std::size_t> write(std::span<const char> data) override {
    const std::size_t used = disk_.used();
    const std::size_t room = disk_.capacity > used ? disk_.capacity - used : 0;
    if (room == 0) return wasio::fail(wasio::errc::nospc);
    const std::size_t n = std::min(room, data.size());
    data_->bytes.append(data.data(), n);
    return n;
  }
  wasio::result<std::size_t> read(std::span<char> into) override {
    const std::size_t n = std::min(into.size(), data_->bytes.size() - read_at_);
    data_->bytes.copy(into.data(), n, read_at_);
    read_at_ += n;
    return n;
  }
  wasio::result<void> sync() override {
    ++disk_.syncs;
    if (disk_.fail_sync != wasio::errc::success) return wasio::fail(disk_.fail_sync);
    data_->synced = data_->bytes.size();
    return {};
  }
  wasio::result<std::uint64_t> size() override { return data_->bytes.size(); }
  wasio::result<void> truncate(std::uint64_t length) override {
    data_->bytes.resize(std::min<std::size_t>(length, data_->bytes.size()));
    data_->synced = std::min(data_->synced, data_->bytes.size());
    return {};
  }

 private:
  fake_disk& disk_;
  std::shared_ptr<fake_disk::file_data> data_;
  std::size_t read_at_ = 0;
};

class fake_directory final : public aof_directory {
 public:
  explicit fake_directory(fake_disk& disk) : disk_(disk) {}
  wasio::result<std::unique_ptr<aof_file>> open(std::string_view name, open_mode mode) override {
    auto it = disk_.files.find(name);
    if (it == disk_.files.end()) {
      if (mode == open_mode::read) return wasio::fail(wasio::errc::noent);
      it = disk_.files.emplace(std::string(name), std::make_shared<fake_disk::file_data>()).first;
    } else if (mode == open_mode::create_truncate) {
      it->second->bytes.clear();
      it->second->synced = 0;
    }
    return std::unique_ptr<aof_file>(std::make_unique<fake_file>(disk_, it->second));
  }
  wasio::result<void> rename(std::string_view from, std::string_view to) override {
    if (disk_.fail_rename != wasio::errc::success) return wasio::fail(disk_.fail_rename);
    auto it = disk_.files.find(from);
    if (it == disk_.files.end()) return wasio::fail(wasio::errc::noent);
    auto data = it->second;
    disk_.files.erase(it);
    disk_.files[std::string(to)] = data;
    return {};
  }
  wasio::result<void> remove(std::string_view name) override {
    auto it = disk_.files.find(name);
    if (it == disk_.files.end()) return wasio::fail(wasio::errc::noent);
    disk_.files.erase(it);
    return {};
  }
  wasio::result<void> sync() override {
    ++disk_.directory_syncs;
    return {};
  }

 private:
  fake_disk& disk_;
};

}  // namespace kv::testing
