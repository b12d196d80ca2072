// --federatedjob-* flags: taken out of argv, durations in the manager's syntax, checked.
#include <gtest/gtest.h>

#include "flop/error.hpp"
#include "flop/federatedjob/flags.hpp"

namespace flop::federatedjob {
namespace {

using namespace std::chrono_literals;

TEST(Flags, TakesItsOwnAndLeavesTheManagersInOrder) {
  Options options;
  auto rest = takeFlags({"--leader-elect", "--federatedjob-poll-min=1s", "--log-level", "debug",
                         "--federatedjob-retry-max", "10m", "--federatedjob-fate-timeout=1500ms"},
                        options);
  EXPECT_EQ(rest, (std::vector<std::string>{"--leader-elect", "--log-level", "debug"}));
  EXPECT_EQ(options.timing.pollMin, 1s);
  EXPECT_EQ(options.timing.retryMax, 600s);
  EXPECT_EQ(options.fateTimeout, 1500ms);
  EXPECT_EQ(options.timing.pollMax, 30s) << "untouched flags keep the defaults";
}

TEST(Flags, RejectsUnknownBadAndInconsistentValues) {
  Options options;
  EXPECT_THROW(takeFlags({"--federatedjob-poll"}, options), InvalidInput);
  EXPECT_THROW(takeFlags({"--federatedjob-nope=1s"}, options), InvalidInput);
  EXPECT_THROW(takeFlags({"--federatedjob-poll-min=soon"}, options), InvalidInput);
  EXPECT_THROW(takeFlags({"--federatedjob-poll-min=500ms"}, options), InvalidInput);
  EXPECT_THROW(takeFlags({"--federatedjob-poll-min=1m", "--federatedjob-poll-max=30s"}, options),
               InvalidInput);
}

TEST(Flags, UsageListsEveryFlagWithItsDefault) {
  auto usage = flagsUsage();
  EXPECT_NE(usage.find("--federatedjob-poll-max D"), std::string::npos);
  EXPECT_NE(usage.find("(default 300s)"), std::string::npos);
  EXPECT_NE(usage.find("--federatedjob-scheduler-timeout"), std::string::npos);
}

}  // namespace
}  // namespace flop::federatedjob
