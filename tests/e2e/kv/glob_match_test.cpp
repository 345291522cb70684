#include "glob_match.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

TEST(GlobMatch, StarAndQuestionMark) {
  EXPECT_TRUE(kv::glob_match("user:*", "user:42"));
  EXPECT_TRUE(kv::glob_match("h?llo", "hallo"));
  EXPECT_FALSE(kv::glob_match("h?llo", "hllo"));
  EXPECT_TRUE(kv::glob_match("*:*:*", "a:b:c"));
  EXPECT_FALSE(kv::glob_match("*:*:*", "a:b"));
  EXPECT_TRUE(kv::glob_match("a*", "a"));
}

TEST(GlobMatch, SetsRangesAndNegation) {
  EXPECT_TRUE(kv::glob_match("h[ae]llo", "hello"));
  EXPECT_FALSE(kv::glob_match("h[ae]llo", "hillo"));
  EXPECT_FALSE(kv::glob_match("h[^e]llo", "hello"));
  EXPECT_TRUE(kv::glob_match("h[^e]llo", "hallo"));
  EXPECT_TRUE(kv::glob_match("h[a-b]llo", "hbllo"));
  EXPECT_TRUE(kv::glob_match("h[b-a]llo", "hallo"));
}

TEST(GlobMatch, BackslashEscapesSpecialCharacters) {
  EXPECT_TRUE(kv::glob_match("a\\*b", "a*b"));
  EXPECT_FALSE(kv::glob_match("a\\*b", "axb"));
  EXPECT_TRUE(kv::glob_match("[\\]]", "]"));
}

TEST(GlobMatch, EmptyTextMatchesOnlyEmptyPatternLikeRedis) {
  EXPECT_TRUE(kv::glob_match("", ""));
  EXPECT_FALSE(kv::glob_match("*", ""));
  EXPECT_FALSE(kv::glob_match("", "a"));
}

TEST(GlobMatch, UnterminatedSetRunsToTheEnd) {
  EXPECT_TRUE(kv::glob_match("[abc", "a"));
  EXPECT_FALSE(kv::glob_match("[abc", "d"));
}

TEST(GlobMatch, HostileStarPatternFinishes) {
  std::string pattern;
  for (int i = 0; i < 5000; ++i) pattern += "*a";
  pattern += "b";
  EXPECT_FALSE(kv::glob_match(pattern, std::string(3000, 'a')));
  EXPECT_FALSE(kv::glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", std::string(3000, 'a')));
}

TEST(GlobMatch, BracketRangesCompareSignedCharsAsRedisDoes) {
  EXPECT_TRUE(kv::glob_match("[\x80-z]", "\xff"));  // -128..122: every byte >= 0x80 and NUL..'z'
  EXPECT_TRUE(kv::glob_match("[\x80-z]", "a"));
  EXPECT_FALSE(kv::glob_match("[\x80-z]", "\x7f"));
  EXPECT_TRUE(kv::glob_match("[a-\xff]", "\xff"));  // read as [\xff-a]
  EXPECT_FALSE(kv::glob_match("[a-\xff]", "b"));
}

}  // namespace
