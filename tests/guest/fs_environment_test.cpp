// WASIO_DIR / WASIO_DIR_RO: how a natively linked guest pre-opens directories.

#include <gtest/gtest.h>

#include <string>

#include "environment_config.hpp"

namespace wasio::testbed::native::detail {
namespace {

TEST(FsEnvironment, DirectoriesAreReadInOrderReadOnlyOnesLast) {
  std::string problem;
  wasio_variables v;
  v.dir = "/srv/data::/data,/var/log";
  v.dir_ro = "/srv/www::/www";
  v.tcplisten = "127.0.0.1:0";
  auto config = config_from_variables(v, problem);
  ASSERT_TRUE(config) << problem;
  ASSERT_EQ(config->preopens.size(), 3u);
  EXPECT_EQ(config->preopens[0].host_path, "/srv/data");
  EXPECT_EQ(config->preopens[0].guest_path, "/data");
  EXPECT_FALSE(config->preopens[0].read_only);
  EXPECT_EQ(config->preopens[1].guest_path, "/var/log");  // GUEST defaults to HOST
  EXPECT_EQ(config->preopens[2].guest_path, "/www");
  EXPECT_TRUE(config->preopens[2].read_only);
  EXPECT_EQ(config->listeners.size(), 1u);
}

TEST(FsEnvironment, AMalformedEntryNamesTheVariable) {
  std::string problem;
  wasio_variables v;
  v.dir = "/ok,::/nohost";
  EXPECT_FALSE(config_from_variables(v, problem));
  EXPECT_NE(problem.find("WASIO_DIR: '::/nohost'"), std::string::npos) << problem;
  v = {};
  v.dir_ro = "/x::";
  EXPECT_FALSE(config_from_variables(v, problem));
  EXPECT_NE(problem.find("WASIO_DIR_RO"), std::string::npos) << problem;
}

}  // namespace
}  // namespace wasio::testbed::native::detail
