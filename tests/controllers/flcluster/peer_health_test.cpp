// Peer outage judgement (scheduler management API, FATE-Flow) with a fake clock.
#include "flop/flcluster/peer_health.hpp"

#include <gtest/gtest.h>

#include "flop/api/conditions.hpp"

namespace flop::flcluster {
namespace {

using namespace std::chrono_literals;

const Clock::time_point kNow = api::parse_time("2026-11-24T06:00:00Z");

TEST(JudgeUnreachable, BacksOffWithTheTimeDownAndStallsAtTheThreshold) {
  EXPECT_EQ(judgeUnreachable(std::nullopt, kNow, 120s).retryAfter, 1s);
  EXPECT_FALSE(judgeUnreachable(std::nullopt, kNow, 120s).stalled);
  EXPECT_EQ(judgeUnreachable(kNow - 2s, kNow, 120s).retryAfter, 2s);
  EXPECT_EQ(judgeUnreachable(kNow - 8s, kNow, 120s).retryAfter, 8s);
  EXPECT_EQ(judgeUnreachable(kNow - 100s, kNow, 120s).retryAfter, 20s);  // to the threshold
  EXPECT_FALSE(judgeUnreachable(kNow - 119s, kNow, 120s).stalled);
  auto at = judgeUnreachable(kNow - 120s, kNow, 120s);
  EXPECT_TRUE(at.stalled);
  EXPECT_EQ(at.retryAfter, 60s);  // capped
  EXPECT_EQ(judgeUnreachable(kNow - 3600s, kNow, 120s).retryAfter, 60s);
  // A clock that went backwards is "just went down", never a negative wait.
  EXPECT_EQ(judgeUnreachable(kNow + 30s, kNow, 120s).retryAfter, 1s);
}

TEST(UnreachableSince, IsWhenTheReachableConditionTurnedFalse) {
  api::FLClusterStatus status;
  EXPECT_FALSE(unreachableSince(status, "SchedulerReachable"));
  api::Condition c;
  c.type = "SchedulerReachable";
  c.status = "True";
  c.reason = "Reachable";
  api::set_condition(status.conditions, c, kNow - 600s);
  EXPECT_FALSE(unreachableSince(status, "SchedulerReachable"));
  c.status = "False";
  c.reason = "SchedulerUnreachable";
  api::set_condition(status.conditions, c, kNow - 60s);
  c.message = "another error text";
  api::set_condition(status.conditions, c, kNow);  // still False: the time it turned stays
  EXPECT_EQ(unreachableSince(status, "SchedulerReachable"), kNow - 60s);
  EXPECT_FALSE(unreachableSince(status, "FateFlowReachable"));
}

}  // namespace
}  // namespace flop::flcluster
