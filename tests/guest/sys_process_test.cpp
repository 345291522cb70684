// The sys layer's clocks, randomness, arguments and environment through the native front-end.

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "sys_test_support.hpp"

namespace wasio {
namespace {

using sys_test::installed_host;
using testbed::profile;

std::vector<std::string> fetch(result<sys::strings_sizes> (*sizes_get)(), result<void> (*get)(char**, char*)) {
  auto sizes = sizes_get();
  EXPECT_TRUE(sizes);
  if (!sizes) return {};
  std::vector<char*> pointers(sizes->count);
  std::vector<char> buffer(sizes->buffer_size, '\x7f');
  EXPECT_TRUE(get(pointers.data(), buffer.data()));
  std::vector<std::string> strings;
  for (char* p : pointers) {
    // Every string must lie inside the buffer the sizes call asked for, NUL included.
    EXPECT_GE(p, buffer.data());
    EXPECT_LT(p, buffer.data() + buffer.size());
    strings.emplace_back(p);
  }
  EXPECT_EQ(buffer.back(), '\0') << "buffer_size must count every terminator";
  return strings;
}

TEST(SysProcess, ArgsMatchTheirSizes) {
  const std::vector<std::string> args{"prog", "", "two words", "caf\xc3\xa9"};
  installed_host h(profile::strict, args);
  EXPECT_EQ(fetch(sys::args_sizes_get, sys::args_get), args);
  auto sizes = sys::args_sizes_get();
  ASSERT_TRUE(sizes);
  EXPECT_EQ(sizes->count, 4u);
  EXPECT_EQ(sizes->buffer_size, 5u + 1u + 10u + 6u);
}

TEST(SysProcess, EnvironmentMatchesItsSizes) {
  const std::vector<std::string> env{"A=1", "EMPTY=", "PATH=/usr/bin:/bin"};
  installed_host h(profile::strict, {"prog"}, env);
  EXPECT_EQ(fetch(sys::environ_sizes_get, sys::environ_get), env);
}

TEST(SysProcess, EmptyEnvironmentHasNoStrings) {
  installed_host h(profile::strict, {"prog"}, {});
  auto sizes = sys::environ_sizes_get();
  ASSERT_TRUE(sizes);
  EXPECT_EQ(sizes->count, 0u);
  EXPECT_EQ(sizes->buffer_size, 0u);
  EXPECT_TRUE(sys::environ_get(nullptr, nullptr));
}

TEST(SysProcess, MonotonicClockNeverGoesBack) {
  installed_host h(profile::strict);
  auto first = sys::clock_time_get(abi::clockid::monotonic);
  auto second = sys::clock_time_get(abi::clockid::monotonic);
  ASSERT_TRUE(first && second);
  EXPECT_LE(*first, *second);
  auto resolution = sys::clock_res_get(abi::clockid::monotonic);
  ASSERT_TRUE(resolution);
  EXPECT_GT(*resolution, 0u);
}

TEST(SysProcess, UnknownClockIsInvalid) {
  installed_host h(profile::strict);
  auto now = sys::clock_time_get(static_cast<abi::clockid>(99));
  ASSERT_FALSE(now);
  EXPECT_EQ(now.error(), errc::inval);
}

TEST(SysProcess, RandomGetFillsTheWholeBuffer) {
  installed_host h(profile::strict);
  // Two 256-byte draws that agree, or a draw with a zero tail, would mean bytes were left unfilled.
  std::array<std::byte, 256> a{}, b{};
  ASSERT_TRUE(sys::random_get(a));
  ASSERT_TRUE(sys::random_get(b));
  EXPECT_NE(a, b);
  EXPECT_NE(std::vector<std::byte>(a.end() - 32, a.end()), std::vector<std::byte>(32));
}

TEST(SysProcess, SchedYieldSucceeds) {
  installed_host h(profile::strict);
  EXPECT_TRUE(sys::sched_yield());
}

}  // namespace
}  // namespace wasio
