// wasio-run --workers and --connection-log: the options, the restart delays, and the supervisor
// itself with workers that are plain functions (forked from this test process).
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "command_line.hpp"
#include "workers.hpp"

namespace {

using namespace wasio::run;
using namespace std::chrono_literals;

TEST(WasioRunWorkers, OptionsParse) {
  std::string error;
  auto cl = parse_command_line({"--workers", "2", "--connection-log=-", "m.wasm"}, error);
  ASSERT_TRUE(cl) << error;
  EXPECT_EQ(cl->workers, 2u);
  EXPECT_EQ(cl->connection_log, "-");
  cl = parse_command_line({"m.wasm"}, error);
  ASSERT_TRUE(cl) << error;
  EXPECT_EQ(cl->workers, 0u) << "no supervisor unless asked";
  EXPECT_TRUE(cl->connection_log.empty());
  for (const char* bad : {"0", "257", "two", "2x", ""}) {
    EXPECT_FALSE(parse_command_line({"--workers", bad, "m.wasm"}, error)) << bad;
    EXPECT_NE(error.find("--workers"), std::string::npos) << error;
  }
  EXPECT_FALSE(parse_command_line({"--connection-log=", "m.wasm"}, error));
}

TEST(WasioRunWorkers, RestartDelayDoublesFrom100MsTo5S) {
  EXPECT_EQ(restart_delay(1), 100ms);
  EXPECT_EQ(restart_delay(2), 200ms);
  EXPECT_EQ(restart_delay(3), 400ms);
  EXPECT_EQ(restart_delay(6), 3200ms);
  EXPECT_EQ(restart_delay(7), 5000ms);
  EXPECT_EQ(restart_delay(1000), 5000ms);
}

TEST(WasioRunWorkers, EveryWorkerEndingWithZeroIsStatusZero) {
  worker_options options;
  options.count = 3;
  EXPECT_EQ(supervise_workers(options, [](unsigned) { return 0; }), 0);
}

TEST(WasioRunWorkers, ACrashedWorkerIsRestartedAndItsLastRunCounts) {
  char path[] = "/tmp/wasio-workers-test-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  worker_options options;
  options.count = 2;
  // Worker 2 fails on its first run (status 7) and ends with 0 on its second; each run leaves a line.
  const int status = supervise_workers(options, [&](unsigned worker) {
    std::ofstream(path, std::ios::app) << worker << "\n";
    if (worker != 2) return 0;
    std::ifstream in(path);
    int runs = 0;
    for (std::string line; std::getline(in, line);) runs += line == "2";
    return runs == 1 ? 7 : 0;
  });
  std::ifstream in(path);
  std::vector<std::string> runs;
  for (std::string line; std::getline(in, line);) runs.push_back(line);
  std::remove(path);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(std::count(runs.begin(), runs.end(), "1"), 1);
  EXPECT_EQ(std::count(runs.begin(), runs.end(), "2"), 2) << "worker 2 was not restarted once";
}

TEST(WasioRunWorkers, SigtermReachesEveryWorkerAndItsStatusIsReported) {
  worker_options options;
  options.count = 2;
  // Worker 1 asks the supervisor to stop; both then wait for the signal it passes on, which ends
  // them by its default action: status 128 + SIGTERM, as a single wasio-run killed by it.
  const int status = supervise_workers(options, [](unsigned worker) {
    if (worker == 1) ::kill(::getppid(), SIGTERM);
    for (;;) ::pause();
    return 0;
  });
  EXPECT_EQ(status, 128 + SIGTERM);
}

}  // namespace
