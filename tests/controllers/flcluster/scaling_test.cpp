// The scaling protocol as a pure function with a fake clock (mindspore-fl-scheduler.md §7-§8).
#include "flop/flcluster/scaling.hpp"

#include <gtest/gtest.h>

namespace flop::flcluster {
namespace {

using namespace std::chrono_literals;

const Clock::time_point kT0 = Clock::time_point{} + 1'000'000s;

class ScalingTest : public ::testing::Test {
 protected:
  ScalingInput in;

  void SetUp() override {
    in.serverSetName = "flc-server";
    in.now = kT0;
    in.policy.deadline = 600s;
  }

  // A formed cluster of n servers, pods 0..n-1 running and registered in ordinal order.
  void formed(int n, ClusterState state = ClusterState::Ready) {
    in.desiredReplicas = n;
    in.recordedServerNum = n;
    in.setReplicas = n;
    pods(n);
    scheduler(state, n);
  }
  void pods(int n, Clock::time_point created = kT0 - 3600s) {
    in.pods.clear();
    for (int i = 0; i < n; ++i)
      in.pods.push_back(
          {serverPodName("flc-server", i), i, true, true, false, created, std::nullopt});
  }
  void scheduler(ClusterState state, int registered, std::vector<int> rankOfOrdinal = {}) {
    SchedulerView view;
    view.state = state;
    view.rawState = std::string(clusterStateName(state));
    for (int i = 0; i < registered; ++i) {
      auto rank = rankOfOrdinal.empty() ? i : rankOfOrdinal.at(i);
      view.nodes.push_back({serverPodName("flc-server", i), rank, "SERVER", true});
    }
    view.nodes.push_back({"sched", 0, "SCHEDULER", true});
    in.scheduler = view;
  }
  static const ConditionChange* condition(const Decision& d, const std::string& type) {
    const ConditionChange* found = nullptr;
    for (const auto& c : d.conditions)
      if (c.type == type) found = &c;
    return found;
  }
  static bool isTrue(const Decision& d, const std::string& type) {
    auto* c = condition(d, type);
    return c && c->status;
  }
};

TEST_F(ScalingTest, FormingWaitsForAllServersThenRecordsServerNum) {
  in.desiredReplicas = 4;
  pods(4);
  scheduler(ClusterState::Starting, 2);
  auto d = decideScaling(in);
  EXPECT_EQ(d.setReplicas, 4);
  EXPECT_EQ(d.serverNum, 4);
  EXPECT_FALSE(d.recordedServerNum);
  EXPECT_EQ(condition(d, "Reconciling")->reason, "Forming");
  EXPECT_EQ(d.call, SchedulerCall::None);

  scheduler(ClusterState::Ready, 4);
  d = decideScaling(in);
  EXPECT_EQ(d.recordedServerNum, 4);
  EXPECT_FALSE(isTrue(d, "Reconciling"));
  EXPECT_EQ(d.readyReplicas, 4);
}

TEST_F(ScalingTest, SteadyStateDoesNothing) {
  formed(4);
  auto d = decideScaling(in);
  EXPECT_EQ(d.call, SchedulerCall::None);
  EXPECT_FALSE(d.operation);
  EXPECT_EQ(d.setReplicas, 4);
  EXPECT_EQ(condition(d, "Scaling")->reason, "Idle");
  EXPECT_FALSE(isTrue(d, "Stalled"));
}

TEST_F(ScalingTest, ScaleOutCallsTheSchedulerBeforeAnyNewPodExists) {
  formed(4);
  in.desiredReplicas = 6;
  auto d = decideScaling(in);
  EXPECT_EQ(d.call, SchedulerCall::ScaleOut);
  EXPECT_EQ(d.scaleOutIncrement, 2);  // an increment, not a target
  EXPECT_EQ(d.setReplicas, 4);        // pods only after the scheduler accepted
  EXPECT_EQ(d.serverNum, 4);
  ASSERT_TRUE(d.operation);
  EXPECT_EQ(*d.operation, (ScaleRecord{4, 6, kT0}));
  EXPECT_TRUE(isTrue(d, "Scaling"));
  EXPECT_EQ(d.events.at(0).reason, "ScaleOutRequested");
}

TEST_F(ScalingTest, AcceptedScaleOutRaisesTheSetWithTheNewServerNum) {
  formed(4, ClusterState::ScaleOut);
  in.desiredReplicas = 6;
  in.operation = ScaleRecord{4, 6, kT0};
  in.now = kT0 + 10s;
  auto d = decideScaling(in);
  EXPECT_EQ(d.call, SchedulerCall::None);
  EXPECT_EQ(d.setReplicas, 6);
  EXPECT_EQ(d.serverNum, 6);
  EXPECT_EQ(d.operation, in.operation);
  EXPECT_EQ(d.recordedServerNum, 4);
  EXPECT_FALSE(isTrue(d, "Stalled"));
  EXPECT_EQ(d.requeueAfter, 200ms);  // READY is only seen by asking: poll closely while scaling
}

TEST_F(ScalingTest, ScaleOutCompletesWhenReadyWithTheNewTotal) {
  formed(6);
  in.recordedServerNum = 4;
  in.operation = ScaleRecord{4, 6, kT0};
  auto d = decideScaling(in);
  EXPECT_EQ(d.recordedServerNum, 6);
  EXPECT_FALSE(d.operation);
  EXPECT_EQ(d.setReplicas, 6);
  EXPECT_EQ(condition(d, "Scaling")->reason, "ScaleOutCompleted");
}

TEST_F(ScalingTest, ResumeAfterRestartDoesNotCallASecondTime) {
  // The operator recorded the scale, called /scaleout and died before raising the set.
  formed(4, ClusterState::ScaleOut);
  in.desiredReplicas = 6;
  in.operation = ScaleRecord{4, 6, kT0};
  in.now = kT0 + 30s;
  auto d = decideScaling(in);
  EXPECT_EQ(d.call, SchedulerCall::None);
  EXPECT_EQ(d.setReplicas, 6);
}

TEST_F(ScalingTest, RecordedButNeverSentScaleOutIsSentOnceWithAFreshStart) {
  formed(4);
  in.desiredReplicas = 6;
  in.operation = ScaleRecord{4, 6, kT0 - 3000s};  // long before the deadline: operator was down
  auto d = decideScaling(in);
  EXPECT_EQ(d.call, SchedulerCall::ScaleOut);
  EXPECT_EQ(d.scaleOutIncrement, 2);
  EXPECT_EQ(d.operation->startTime, kT0);
  EXPECT_EQ(d.setReplicas, 4);
}

TEST_F(ScalingTest, ScaleInChoosesTheHighestOrdinals) {
  formed(6);
  in.desiredReplicas = 3;
  auto d = decideScaling(in);
  EXPECT_EQ(d.call, SchedulerCall::ScaleIn);
  EXPECT_EQ(d.scaleInNodeIds,
            (std::vector<std::string>{"flc-server-5", "flc-server-4", "flc-server-3"}));
  EXPECT_EQ(d.setReplicas, 6);  // victims stay until the scheduler is READY again
  EXPECT_EQ(*d.operation, (ScaleRecord{6, 3, kT0}));
}

TEST_F(ScalingTest, ScaleInRefusedWhenRankZeroIsAmongTheVictims) {
  formed(4);
  scheduler(ClusterState::Ready, 4, {1, 2, 3, 0});  // flc-server-3 registered first
  in.desiredReplicas = 2;
  auto d = decideScaling(in);
  EXPECT_EQ(d.call, SchedulerCall::None);
  EXPECT_FALSE(d.operation);
  EXPECT_EQ(d.setReplicas, 4);
  ASSERT_TRUE(isTrue(d, "Stalled"));
  EXPECT_EQ(condition(d, "Stalled")->reason, "ScaleInRefused");
  EXPECT_NE(condition(d, "Stalled")->message.find("flc-server-3 holds rank 0"), std::string::npos);
  EXPECT_NE(condition(d, "Stalled")->message.find("keep at least 4 servers"), std::string::npos);
  EXPECT_TRUE(d.events.at(0).warning);
}

TEST_F(ScalingTest, RankZeroOnALowOrdinalDoesNotBlockScaleIn) {
  formed(4);
  scheduler(ClusterState::Ready, 4, {1, 0, 2, 3});
  in.desiredReplicas = 2;
  EXPECT_EQ(decideScaling(in).call, SchedulerCall::ScaleIn);
}

TEST_F(ScalingTest, ScaleInInFlightKeepsTheVictims) {
  formed(6, ClusterState::ScaleIn);
  in.desiredReplicas = 3;
  in.operation = ScaleRecord{6, 3, kT0};
  in.now = kT0 + 5s;
  auto d = decideScaling(in);
  EXPECT_EQ(d.call, SchedulerCall::None);
  EXPECT_EQ(d.setReplicas, 6);
  EXPECT_TRUE(isTrue(d, "Scaling"));
}

TEST_F(ScalingTest, ScaleInLowersTheSetOnlyAfterReadyThenCompletesWhenVictimsAreGone) {
  formed(6);
  scheduler(ClusterState::Ready, 3);
  in.recordedServerNum = 6;
  in.desiredReplicas = 3;
  in.operation = ScaleRecord{6, 3, kT0};
  auto d = decideScaling(in);
  EXPECT_EQ(d.setReplicas, 3);
  EXPECT_TRUE(d.operation);  // victim pods still exist
  EXPECT_EQ(d.recordedServerNum, 6);

  pods(3);
  in.setReplicas = 3;
  d = decideScaling(in);
  EXPECT_FALSE(d.operation);
  EXPECT_EQ(d.recordedServerNum, 3);
  EXPECT_EQ(condition(d, "Scaling")->reason, "ScaleInCompleted");
}

TEST_F(ScalingTest, RecordedButNeverSentScaleInIsSentOnce) {
  formed(6);
  in.desiredReplicas = 3;
  in.operation = ScaleRecord{6, 3, kT0 - 100s};
  auto d = decideScaling(in);
  EXPECT_EQ(d.call, SchedulerCall::ScaleIn);
  EXPECT_EQ(d.scaleInNodeIds.size(), 3u);
}

TEST_F(ScalingTest, OneScaleAtATime) {
  formed(4, ClusterState::ScaleOut);
  in.operation = ScaleRecord{4, 6, kT0};
  in.desiredReplicas = 2;  // changed mid-flight
  auto d = decideScaling(in);
  EXPECT_EQ(d.call, SchedulerCall::None);
  EXPECT_EQ(d.operation, in.operation);
  EXPECT_EQ(d.setReplicas, 6);
}

TEST_F(ScalingTest, NeverScalesOutsideReady) {
  for (auto state :
       {ClusterState::NodeTimeout, ClusterState::Busy, ClusterState::DisableFls,
        ClusterState::SchedulerRecovery, ClusterState::Starting, ClusterState::ScaleIn}) {
    formed(4, state);
    in.desiredReplicas = 5;
    auto d = decideScaling(in);
    EXPECT_EQ(d.call, SchedulerCall::None) << clusterStateName(state);
    EXPECT_FALSE(d.operation);
    EXPECT_TRUE(isTrue(d, "Reconciling"));
  }
}

TEST_F(ScalingTest, LeftoverScaledInPodBlocksTheNextScale) {
  formed(3);
  pods(4);
  in.pods.back().terminating = true;
  in.desiredReplicas = 5;
  auto d = decideScaling(in);
  EXPECT_EQ(d.call, SchedulerCall::None);
  EXPECT_EQ(condition(d, "Reconciling")->reason, "WaitingForScaledInPods");
}

TEST_F(ScalingTest, DeadlineBoundary) {
  formed(4, ClusterState::ScaleOut);
  in.desiredReplicas = 6;
  in.operation = ScaleRecord{4, 6, kT0};
  in.now = kT0 + 599s;
  auto d = decideScaling(in);
  EXPECT_FALSE(isTrue(d, "Stalled"));
  EXPECT_EQ(d.requeueAfter, 200ms);
  in.now = kT0 + 600s - 200ms;  // wake up exactly at the deadline
  d = decideScaling(in);
  EXPECT_FALSE(isTrue(d, "Stalled"));
  EXPECT_EQ(d.requeueAfter, 200ms);
  in.now = kT0 + 600s;
  d = decideScaling(in);
  ASSERT_TRUE(isTrue(d, "Stalled"));
  EXPECT_EQ(condition(d, "Stalled")->reason, "ScaleDeadlineExceeded");
  EXPECT_EQ(d.call, SchedulerCall::None);  // onStuck Wait
  EXPECT_TRUE(d.podsToDelete.empty());
  EXPECT_EQ(d.operation, in.operation);
}

TEST_F(ScalingTest, StuckScaleOutRollsBackWhereTheSchedulerCan) {
  formed(4, ClusterState::ScaleOut);
  in.operation = ScaleRecord{4, 6, kT0};
  in.policy.onStuck = StuckAction::Rollback;
  in.rollbackAvailable = true;
  in.now = kT0 + 601s;
  auto d = decideScaling(in);
  EXPECT_EQ(d.call, SchedulerCall::ScaleOutRollback);
  EXPECT_EQ(d.setReplicas, 6);
  EXPECT_NE(condition(d, "Stalled")->message.find("/scaleoutRollback"), std::string::npos);
}

TEST_F(ScalingTest, RollbackCompletionRestoresTheOldSetAndBlocksRetry) {
  formed(4);
  in.setReplicas = 6;
  in.desiredReplicas = 6;
  in.operation = ScaleRecord{4, 6, kT0};
  in.now = kT0 + 700s;
  auto d = decideScaling(in);
  EXPECT_EQ(d.call, SchedulerCall::None);
  EXPECT_TRUE(d.scaleRolledBack);
  EXPECT_EQ(d.setReplicas, 4);
  EXPECT_EQ(d.recordedServerNum, 4);
  EXPECT_FALSE(d.operation);
  EXPECT_EQ(condition(d, "Stalled")->reason, "ScaleRolledBack");

  in.operation.reset();
  in.setReplicas = 4;
  in.retryBlocked = true;
  d = decideScaling(in);
  EXPECT_EQ(d.call, SchedulerCall::None);
  EXPECT_EQ(condition(d, "Stalled"), nullptr);  // left as it is
}

TEST_F(ScalingTest, RollbackUnavailableFallsBackToRecreatingServers) {
  formed(4, ClusterState::ScaleOut);
  pods(6);
  in.pods[5].ready = false;
  in.pods[4].running = false;
  in.setReplicas = 6;
  in.operation = ScaleRecord{4, 6, kT0};
  in.policy.onStuck = StuckAction::Rollback;
  in.now = kT0 + 600s;
  auto d = decideScaling(in);
  EXPECT_EQ(d.call, SchedulerCall::None);
  EXPECT_EQ(d.podsToDelete, (std::vector<std::string>{"flc-server-4", "flc-server-5"}));
}

TEST_F(ScalingTest, RecreateServersDeletesEachStuckPodOncePerScale) {
  formed(4, ClusterState::ScaleOut);
  pods(6);
  in.pods[4].ready = false;
  in.pods[5] = {"flc-server-5", 5,          false,       false,
                false,          kT0 + 601s, std::nullopt};  // already recreated
  in.setReplicas = 6;
  in.operation = ScaleRecord{4, 6, kT0};
  in.policy.onStuck = StuckAction::RecreateServers;
  in.now = kT0 + 700s;
  auto d = decideScaling(in);
  EXPECT_EQ(d.podsToDelete, (std::vector<std::string>{"flc-server-4"}));
}

TEST_F(ScalingTest, ServerZeroLostIsStalled) {
  formed(4, ClusterState::NodeTimeout);
  in.scheduler->nodes[0].alive = false;
  in.desiredReplicas = 5;
  auto d = decideScaling(in);
  ASSERT_TRUE(isTrue(d, "Stalled"));
  EXPECT_EQ(condition(d, "Stalled")->reason, "ServerZeroLost");
  EXPECT_EQ(d.call, SchedulerCall::None);
}

TEST_F(ScalingTest, ServerZeroLostDetectedFromItsPodOn15) {
  formed(4, ClusterState::NodeTimeout);
  for (auto& node : in.scheduler->nodes) node.alive.reset();
  in.pods.erase(in.pods.begin());  // flc-server-0 had rank 0 and its pod is gone
  in.lastRankZeroNodeId = "flc-server-0";
  auto d = decideScaling(in);
  EXPECT_EQ(condition(d, "Stalled")->reason, "ServerZeroLost");
}

TEST_F(ScalingTest, OtherServerLostWaitsForRecovery) {
  formed(4, ClusterState::NodeTimeout);
  in.scheduler->nodes[2].alive = false;
  auto d = decideScaling(in);
  EXPECT_FALSE(isTrue(d, "Stalled"));
  EXPECT_EQ(condition(d, "Reconciling")->reason, "NodeTimeout");
  EXPECT_EQ(d.serverNum, 4);  // the recreated pod starts with the current server_num
  EXPECT_EQ(d.readyReplicas, 3);
}

TEST_F(ScalingTest, UnreachableSchedulerChangesNothing) {
  formed(4);
  in.scheduler.reset();
  in.desiredReplicas = 6;
  auto d = decideScaling(in);
  EXPECT_EQ(d.call, SchedulerCall::None);
  EXPECT_EQ(d.setReplicas, 4);
  EXPECT_EQ(condition(d, "SchedulerReady")->reason, "SchedulerUnreachable");
}

TEST_F(ScalingTest, UnreachableSchedulerIsReconcilingWithinTheBoundThenStalled) {
  formed(4);
  in.scheduler.reset();
  in.schedulerError = "Failed to connect to any resolved endpoint";
  in.peerStallAfter = 300s;
  // First failure: not down before, retried after 1 s.
  auto first = decideScaling(in);
  EXPECT_FALSE(condition(first, "SchedulerReachable")->status);
  EXPECT_NE(condition(first, "SchedulerReachable")->message.find("Failed to connect"),
            std::string::npos);
  EXPECT_TRUE(isTrue(first, "Reconciling"));
  EXPECT_EQ(condition(first, "Reconciling")->reason, "SchedulerUnreachable");
  EXPECT_EQ(condition(first, "Stalled"), nullptr);
  EXPECT_EQ(first.requeueAfter, 1s);
  // Down 40 s: backoff grows with the time down, the message does not change (no status churn).
  in.schedulerDownSince = kT0 - 40s;
  auto later = decideScaling(in);
  EXPECT_EQ(later.requeueAfter, 40s);
  EXPECT_EQ(condition(later, "Reconciling")->message, condition(first, "Reconciling")->message);
  // Close to the threshold: look again when it passes, not a full backoff later.
  in.schedulerDownSince = kT0 - 290s;
  EXPECT_EQ(decideScaling(in).requeueAfter, 10s);
  // Past it: Stalled names the peer and the error; Reconciling goes; backoff capped at 60 s.
  in.schedulerDownSince = kT0 - 301s;
  auto stalled = decideScaling(in);
  ASSERT_TRUE(isTrue(stalled, "Stalled"));
  EXPECT_EQ(condition(stalled, "Stalled")->reason, "SchedulerUnreachable");
  EXPECT_NE(condition(stalled, "Stalled")
                ->message.find("scheduler management API unreachable: "
                               "Failed to connect"),
            std::string::npos);
  EXPECT_FALSE(isTrue(stalled, "Reconciling"));
  EXPECT_EQ(stalled.requeueAfter, 60s);
  EXPECT_EQ(stalled.call, SchedulerCall::None);
}

TEST_F(ScalingTest, SchedulerBackClearsWhatTheOutageSet) {
  formed(4);
  in.schedulerDownSince = kT0 - 400s;  // was down; answers again
  auto d = decideScaling(in);
  EXPECT_TRUE(condition(d, "SchedulerReachable")->status);
  EXPECT_FALSE(isTrue(d, "Stalled"));
  EXPECT_FALSE(isTrue(d, "Reconciling"));
  EXPECT_TRUE(isTrue(d, "SchedulerReady"));
  EXPECT_EQ(d.requeueAfter, 30s);
}

TEST_F(ScalingTest, UnreachableSchedulerKeepsTheRollbackMarker) {
  formed(2);
  in.desiredReplicas = 4;
  in.retryBlocked = true;
  in.scheduler.reset();
  in.schedulerDownSince = kT0 - 400s;
  auto d = decideScaling(in);
  EXPECT_EQ(condition(d, "Stalled"), nullptr);  // Stalled/ScaleRolledBack is left as it is
  scheduler(ClusterState::Ready, 2);
  auto back = decideScaling(in);
  EXPECT_EQ(condition(back, "Stalled"), nullptr);
  EXPECT_EQ(back.call, SchedulerCall::None);
}

TEST_F(ScalingTest, UnreachableDuringAScaleStallsAtItsDeadlineWithoutCalling) {
  formed(4);
  in.desiredReplicas = 6;
  in.operation = ScaleRecord{4, 6, kT0 - 700s};
  in.setReplicas = 6;
  in.scheduler.reset();
  in.schedulerDownSince = kT0 - 10s;
  auto d = decideScaling(in);
  EXPECT_EQ(d.call, SchedulerCall::None);
  EXPECT_TRUE(d.podsToDelete.empty());
  EXPECT_EQ(condition(d, "Stalled")->reason, "ScaleDeadlineExceeded");
  EXPECT_EQ(condition(d, "Reconciling")->reason, "SchedulerUnreachable");
  EXPECT_EQ(d.operation, in.operation);  // kept: the scheduler tells later whether it happened
  EXPECT_EQ(d.requeueAfter, 10s);
}

TEST_F(ScalingTest, SingleServerEncryptionRefusesScaleOut) {
  formed(1);
  in.desiredReplicas = 2;
  in.singleServerOnly = true;
  auto d = decideScaling(in);
  EXPECT_EQ(d.call, SchedulerCall::None);
  EXPECT_EQ(condition(d, "Stalled")->reason, "SingleServerOnly");
}

TEST_F(ScalingTest, RejectedCallDropsTheOperationAndQuotesTheScheduler) {
  formed(4);
  in.desiredReplicas = 6;
  auto d = decideScaling(in);
  applyCallOutcome(d, CallOutcome{false, 400, "The cluster is not ready."});
  EXPECT_FALSE(d.operation);
  EXPECT_EQ(condition(d, "Scaling")->reason, "ScaleRejected");
  EXPECT_NE(condition(d, "Scaling")->message.find("The cluster is not ready."), std::string::npos);
  EXPECT_EQ(d.requeueAfter, 15s);
}

TEST_F(ScalingTest, AcceptedCallKeepsTheDecision) {
  formed(4);
  in.desiredReplicas = 6;
  auto d = decideScaling(in);
  auto before = d.conditions.size();
  applyCallOutcome(d, CallOutcome{true, 200, "Cluster begin to scale out."});
  EXPECT_TRUE(d.operation);
  EXPECT_EQ(d.conditions.size(), before);
}

}  // namespace
}  // namespace flop::flcluster
