// wasio::result<T>: the std::expected-style operations, propagation macros, std::error_code interop
// and one-call reporting. Also compiles result.hpp's header example.

#include "wasio/result.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "wasio/rt/transfer.hpp"

namespace {

using wasio::errc;
using wasio::fail;
using wasio::result;

// --- result.hpp's example, as written there.
result<int> parse(std::string_view s) {
  if (s.empty()) return wasio::fail(wasio::errc::inval);
  return 42;
}
result<int> doubled(std::string_view s) {
  WASIO_TRY_ASSIGN(const int n, parse(s));  // returns parse's error, if any
  return n * 2;
}

TEST(Result, HeaderExampleParsesAndPropagates) {
  EXPECT_EQ(*parse("x"), 42);
  EXPECT_EQ(*doubled("x"), 84);
  ASSERT_FALSE(doubled(""));
  EXPECT_EQ(doubled("").error(), errc::inval);
}

TEST(Result, AndThenChainsOnSuccessAndPassesTheErrorOn) {
  auto half = [](int v) -> result<int> {
    if (v % 2 != 0) return fail(errc::dom);
    return v / 2;
  };
  EXPECT_EQ(*result<int>(8).and_then(half).and_then(half), 2);
  EXPECT_EQ(result<int>(6).and_then(half).and_then(half).error(), errc::dom);
  EXPECT_EQ(result<int>(fail(errc::badf)).and_then(half).error(), errc::badf);
  // To another type, and from result<void>.
  result<std::string> text = result<int>(7).and_then([](int v) -> result<std::string> { return std::to_string(v); });
  EXPECT_EQ(*text, "7");
  int calls = 0;
  result<int> from_void = result<void>().and_then([&]() -> result<int> { return ++calls; });
  EXPECT_EQ(*from_void, 1);
  EXPECT_EQ(result<void>(fail(errc::pipe)).and_then([&]() -> result<int> { return ++calls; }).error(), errc::pipe);
  EXPECT_EQ(calls, 1);
}

TEST(Result, TransformMapsTheValueOnly) {
  EXPECT_EQ(*result<int>(20).transform([](int v) { return v + 1; }), 21);
  EXPECT_EQ(result<int>(fail(errc::again)).transform([](int v) { return v + 1; }).error(), errc::again);
  result<std::size_t> length = result<std::string>(std::string("abc")).transform([](const std::string& s) { return s.size(); });
  EXPECT_EQ(*length, 3u);
  int seen = 0;
  result<void> done = result<int>(5).transform([&](int v) { seen = v; });
  EXPECT_TRUE(done);
  EXPECT_EQ(seen, 5);
  EXPECT_EQ(*result<void>().transform([] { return 9; }), 9);
}

TEST(Result, OrElseRecoversOrReplacesTheError) {
  auto fallback = [](errc code) -> result<int> {
    if (code == errc::noent) return 0;  // a missing entry counts as zero
    return fail(code);
  };
  EXPECT_EQ(*result<int>(fail(errc::noent)).or_else(fallback), 0);
  EXPECT_EQ(result<int>(fail(errc::io)).or_else(fallback).error(), errc::io);
  EXPECT_EQ(*result<int>(3).or_else(fallback), 3);
  EXPECT_TRUE(result<void>(fail(errc::again)).or_else([](errc) { return result<void>(); }));
}

TEST(Result, TransformErrorValueOrAndErrorOr) {
  EXPECT_EQ(result<int>(fail(errc::again)).transform_error([](errc) { return errc::timedout; }).error(), errc::timedout);
  EXPECT_EQ(*result<int>(1).transform_error([](errc) { return errc::timedout; }), 1);
  EXPECT_EQ(result<int>(fail(errc::io)).value_or(-1), -1);
  EXPECT_EQ(result<std::unique_ptr<int>>(std::make_unique<int>(4)).value_or(nullptr).operator*(), 4);
  EXPECT_EQ(result<int>(2).error_or(errc::success), errc::success);
  EXPECT_EQ(result<int>(fail(errc::pipe)).error_or(errc::success), errc::pipe);
  EXPECT_EQ(result<void>(fail(errc::pipe)).error_or(errc::success), errc::pipe);
}

result<void> step(bool ok, int& progress) {
  ++progress;
  if (!ok) return fail(errc::io);
  return {};
}
result<int> steps(bool first, bool second, int& progress) {
  WASIO_TRY(step(first, progress));
  WASIO_TRY(step(second, progress));
  return progress;
}
wasio::rt::transfer moved_some() { return wasio::rt::transfer(fail(errc::connreset), 7); }
result<void> from_transfer() {
  WASIO_TRY(moved_some());
  return {};
}

TEST(Result, TryReturnsTheFirstErrorAndStopsThere) {
  int progress = 0;
  EXPECT_EQ(*steps(true, true, progress), 2);
  progress = 0;
  EXPECT_EQ(steps(false, true, progress).error(), errc::io);
  EXPECT_EQ(progress, 1) << "the second step must not run after the first failed";
  EXPECT_EQ(from_transfer().error(), errc::connreset);
}

TEST(Result, ConvertsToStdErrorCode) {
  std::error_code ec = errc::connreset;
  EXPECT_EQ(ec.value(), 15);
  EXPECT_STREQ(ec.category().name(), "wasio");
  EXPECT_EQ(ec.message(), "connection reset");
  EXPECT_EQ(ec, wasio::make_error_code(errc::connreset));
  EXPECT_FALSE(wasio::to_error_code(result<int>(1)));
  EXPECT_EQ(wasio::to_error_code(result<int>(fail(errc::badf))), std::error_code(errc::badf));
}

TEST(Result, ReportPrintsContextMessageAndNameInOneLine) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  wasio::report("kv: cannot accept", errc::mfile, out);
  wasio::report("sleep", errc::timedout, out);
  std::rewind(out);
  char line[256];
  ASSERT_NE(std::fgets(line, sizeof line, out), nullptr);
  EXPECT_STREQ(line, "kv: cannot accept: too many open files (mfile)\n");
  ASSERT_NE(std::fgets(line, sizeof line, out), nullptr);
  EXPECT_STREQ(line, "sleep: timed out (timedout)\n") << "a timeout is not a connection's timeout";
  std::fclose(out);
}

}  // namespace
