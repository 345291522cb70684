// wasio::interest and wasio::token: the vocabulary types.

#include "wasio/io/interest.hpp"

#include <gtest/gtest.h>

#include "wasio/io/token.hpp"

namespace wasio {
namespace {

TEST(Interest, ReadableAndWritableCombineIntoBoth) {
  auto both = interest::readable | interest::writable;
  EXPECT_TRUE(both.is_readable());
  EXPECT_TRUE(both.is_writable());
  EXPECT_FALSE(interest::readable.is_writable());
  EXPECT_FALSE(interest::writable.is_readable());
}

TEST(Interest, RemovingLeavesTheOtherDirection) {
  auto both = interest::readable | interest::writable;
  auto only_read = both.remove(interest::writable);  // the header's example
  ASSERT_TRUE(only_read.has_value());
  EXPECT_EQ(*only_read, interest::readable);
}

TEST(Interest, RemovingEverythingGivesNoInterestRatherThanAnEmptyOne) {
  EXPECT_FALSE(interest::readable.remove(interest::readable).has_value());
  EXPECT_FALSE(interest::writable.remove(interest::readable | interest::writable).has_value());
}

TEST(Token, DefaultTokenIsInvalidAndDiffersFromEveryHandedOutToken) {
  token none;
  EXPECT_FALSE(none.is_valid());
  EXPECT_NE(none, token(0, 1));
  EXPECT_NE(token(0, 1), token(0, 2));
  EXPECT_EQ(token(3, 7), token(3, 7));
}

}  // namespace
}  // namespace wasio
