// The accept loop's error policy (wasio/rt/accept_loop.hpp). The loop itself serves every example's
// listeners and is exercised end to end by the echo, kv and syslog e2e tests.
#include <gtest/gtest.h>

#include "wasio/rt/accept_loop.hpp"

namespace wasio::rt {
namespace {

TEST(AcceptLoop, AnAbortedClientIsSkippedAtOnce) {
  EXPECT_EQ(classify_accept_error(errc::connaborted), accept_error_action::accept_next);
}

TEST(AcceptLoop, RunningOutOfResourcesBacksOffAndGoesOn) {
  for (errc code : {errc::mfile, errc::nfile, errc::nobufs, errc::nomem, errc::io}) {
    EXPECT_EQ(classify_accept_error(code), accept_error_action::back_off) << name(code);
  }
}

TEST(AcceptLoop, AStopOrAClosedListenerEndsQuietly) {
  EXPECT_EQ(classify_accept_error(errc::canceled), accept_error_action::stop_quietly);
  EXPECT_EQ(classify_accept_error(errc::badf), accept_error_action::stop_quietly);
}

TEST(AcceptLoop, AnythingElseIsReportedAndEndsTheLoop) {
  for (errc code : {errc::inval, errc::notsock, errc::notsup, errc::again}) {
    EXPECT_EQ(classify_accept_error(code), accept_error_action::stop) << name(code);
  }
}

}  // namespace
}  // namespace wasio::rt
