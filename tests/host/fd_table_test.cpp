// The fd table (host-testbed/core/src/fd_table.hpp) against std::map, and its memory bound.
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "fd_table.hpp"

namespace wasio::testbed {
namespace {

struct entry {
  abi::fd number = 0;
  std::vector<abi::fd>* destroyed = nullptr;
  ~entry() {
    if (destroyed != nullptr) destroyed->push_back(number);
  }
};

std::unique_ptr<entry> make(abi::fd number, std::vector<abi::fd>* destroyed = nullptr) {
  auto e = std::make_unique<entry>();
  e->number = number;
  e->destroyed = destroyed;
  return e;
}

TEST(FdTable, AgreesWithAMapUnderRandomInsertsAndRemovals) {
  fd_table<entry> table;
  std::map<abi::fd, entry*> model;
  std::mt19937 random(20);
  // Keys from a small range (many collisions and probe runs) and from all of u32.
  auto key = [&] {
    return random() % 2 == 0 ? static_cast<abi::fd>(random() % 512) : static_cast<abi::fd>(random());
  };
  for (int step = 0; step < 200000; ++step) {
    const abi::fd fd = key();
    const bool present = model.contains(fd);
    ASSERT_EQ(table.find(fd), present ? model[fd] : nullptr) << "fd " << fd << " at step " << step;
    if (!present && model.size() < 3000 && random() % 3 != 0) {
      model[fd] = &table.insert(fd, make(fd));
    } else if (present) {
      std::unique_ptr<entry> taken = table.take(fd);
      ASSERT_NE(taken, nullptr);
      ASSERT_EQ(taken->number, fd);
      model.erase(fd);
    } else {
      ASSERT_EQ(table.take(fd), nullptr);
    }
    ASSERT_EQ(table.size(), model.size());
  }
  for (const auto& [fd, e] : model) ASSERT_EQ(table.find(fd), e);
}

TEST(FdTable, LooksUpAnyU32WithoutGrowing) {
  fd_table<entry> table;
  EXPECT_EQ(table.find(UINT32_MAX), nullptr);
  EXPECT_EQ(table.capacity(), 0u) << "a lookup in an empty table allocates nothing";
  table.insert(3, make(3));
  const std::size_t capacity = table.capacity();
  for (abi::fd fd : {abi::fd{0}, abi::fd{4}, abi::fd{1u << 31}, abi::fd{UINT32_MAX}}) {
    EXPECT_EQ(table.find(fd), nullptr) << fd;
    EXPECT_EQ(table.take(fd), nullptr) << fd;
  }
  EXPECT_EQ(table.capacity(), capacity);
  table.insert(UINT32_MAX, make(UINT32_MAX));
  EXPECT_EQ(table.find(UINT32_MAX)->number, UINT32_MAX);
}

TEST(FdTable, MemoryFollowsTheOpenCountNotTheNumbers) {
  // The host's numbering: a counter that moves on. A listener keeps fd 3 while a million
  // connections come and go, at most 100 open at a time.
  fd_table<entry> table;
  table.insert(3, make(3));
  abi::fd next = 4;
  std::vector<abi::fd> open;
  std::size_t largest = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    if (open.size() == 100) {
      table.take(open.front()).reset();
      open.erase(open.begin());
    }
    table.insert(next, make(next));
    open.push_back(next++);
    largest = std::max(largest, table.capacity());
  }
  EXPECT_LE(largest, 512u) << "at most 1/2 full: 101 entries fit in 256 slots";
  for (abi::fd fd : open) table.take(fd).reset();
  EXPECT_LE(table.capacity(), 16u) << "shrinks back once the connections are gone";
  EXPECT_NE(table.find(3), nullptr);
}

TEST(FdTable, ClearDestroysFromTheHighestNumberDown) {
  std::vector<abi::fd> destroyed;
  {
    fd_table<entry> table;
    for (abi::fd fd : {abi::fd{1}, abi::fd{7}, abi::fd{0}, abi::fd{3}, abi::fd{1000}, abi::fd{2}})
      table.insert(fd, make(fd, &destroyed));
    table.clear();
    EXPECT_EQ(table.size(), 0u);
    EXPECT_EQ(table.find(7), nullptr);
    table.insert(5, make(5));  // usable again after clear
    EXPECT_EQ(table.find(5)->number, 5u);
  }
  EXPECT_EQ(destroyed, (std::vector<abi::fd>{1000, 7, 3, 2, 1, 0}));
}

}  // namespace
}  // namespace wasio::testbed
