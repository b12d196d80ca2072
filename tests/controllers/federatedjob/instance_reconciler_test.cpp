// The reconciler with spec.mindspore over the in-memory API server and a scripted scheduler: the
// attempt reaches status before /newInstance, which is never posted twice for one attempt.
#include <gtest/gtest.h>

#include "fake_world.hpp"
#include "flop/federatedjob/instance.hpp"

namespace flop::federatedjob {
namespace {

using Json = nlohmann::json;
using testing::at;
using testing::World;

const Json& conditionOf(World& world, const std::string& type) {
  for (const auto& condition : world.job()["status"]["conditions"]) {
    if (condition["type"] == type) return condition;
  }
  static const Json missing = {{"status", "absent"}, {"reason", ""}};
  return missing;
}

TEST(InstanceReconciler, RecordsTheAttemptThenPostsOnceAndFollowsToSucceeded) {
  World world;
  world.useMindSpore();
  world.reconcile();
  EXPECT_EQ(world.schedulerCalls["/newInstance"], 1);
  EXPECT_EQ(world.schedulerCalls["/queryInstance"], 1);
  auto recorded = world.firstIndex("kube PATCH status", "\"attempts\":[{\"index\":1");
  auto posted = world.firstIndex("sched /newInstance");
  ASSERT_GE(recorded, 0);
  EXPECT_LT(recorded, posted);
  EXPECT_EQ(world.scheduler->requests.front().body, R"({"fl_iteration_num":5,"fl_name":"lenet"})");
  const Json& status = world.job()["status"];
  EXPECT_EQ(status["phase"], "Succeeded");
  EXPECT_EQ(status["attempts"][0]["state"], "established");
  EXPECT_EQ(conditionOf(world, "Ready")["status"], "True");
  EXPECT_FALSE(world.job()["metadata"].contains("finalizers"));
  EXPECT_EQ(world.outcomes["created"], 1);
  EXPECT_EQ(world.outcomes["succeeded"], 1);
  EXPECT_EQ(world.requests["/newInstance 200"], 1);

  world.now = at(120);
  auto result = world.reconcile();
  EXPECT_EQ(world.schedulerCalls["/newInstance"], 1);
  EXPECT_EQ(world.schedulerCalls["/queryInstance"], 1);
  EXPECT_EQ(result.kind, kube::Result::Kind::Done);
}

TEST(InstanceReconciler, AnAttemptRecordedBeforeARestartIsNeverPosted) {
  World world;
  world.useMindSpore();
  world.job()["status"] = {
      {"attempts", {{{"index", 1}, {"startTime", api::format_time(at(0))}}}},
      {"mindspore",
       {{"hyperParametersDigest",
         hyperParametersDigest(world.job()["spec"]["mindspore"]["hyperParameters"])}}}};
  world.now = at(3);
  world.reconcile();
  EXPECT_EQ(world.schedulerCalls["/newInstance"], 0);
  EXPECT_EQ(world.schedulerCalls["/queryInstance"], 1);
  EXPECT_EQ(world.job()["status"]["phase"], "Succeeded");
  EXPECT_NE(world.job()["status"]["attempts"][0]["message"].get<std::string>().find(
                "instance established"),
            std::string::npos);
}

TEST(InstanceReconciler, AnUnansweredAttemptIsMarkedEvenWithoutAScheduler) {
  World world;
  world.useMindSpore();
  world.job()["status"] = {{"attempts", {{{"index", 1}, {"startTime", api::format_time(at(0))}}}}};
  world.objects.erase(testing::kClusterPath);
  world.now = at(3);
  world.reconcile();
  EXPECT_TRUE(world.schedulerCalls.empty());
  EXPECT_EQ(world.job()["status"]["attempts"][0]["state"], "unknown");
  EXPECT_EQ(conditionOf(world, "Reconciling")["reason"], "ClusterNotFound");
}

TEST(InstanceReconciler, WaitsForReadyThenCalls) {
  World world;
  world.useMindSpore("NODE_TIMEOUT");
  auto result = world.reconcile();
  EXPECT_TRUE(world.schedulerCalls.empty());
  EXPECT_EQ(conditionOf(world, "Reconciling")["reason"], "WaitingForScheduler");
  EXPECT_EQ(result.kind, kube::Result::Kind::RequeueAfter);
  world.setClusterState("CLUSTER_READY");
  world.now = at(5);
  world.reconcile();
  EXPECT_EQ(world.schedulerCalls["/newInstance"], 1);
  EXPECT_EQ(world.job()["status"]["phase"], "Succeeded");
}

TEST(InstanceReconciler, SuspendAndResumeCallTheFlsEndpointsOnce) {
  World world;
  world.useMindSpore();
  world.reconcile();
  world.job()["spec"]["runPolicy"] = {{"suspend", true}};
  world.job()["metadata"]["generation"] = 2;
  world.now = at(10);
  world.reconcile();
  world.reconcile();
  EXPECT_EQ(world.schedulerCalls["/disableFLS"], 1);
  EXPECT_EQ(world.job()["status"]["phase"], "Suspended");
  EXPECT_EQ(world.job()["status"]["mindspore"]["serversEnabled"], false);
  world.job()["spec"]["runPolicy"]["suspend"] = false;
  world.job()["metadata"]["generation"] = 3;
  world.now = at(20);
  world.reconcile();
  world.reconcile();
  EXPECT_EQ(world.schedulerCalls["/enableFLS"], 1);
  EXPECT_EQ(world.schedulerCalls["/newInstance"], 1);
  EXPECT_EQ(world.job()["status"]["phase"], "Succeeded");
  EXPECT_EQ(world.job()["status"]["observedGeneration"], 3);
}

TEST(InstanceReconciler, OlderSchedulerApiIsStalledWithoutACall) {
  World world;
  world.useMindSpore("CLUSTER_READY", "1.4");
  auto result = world.reconcile();
  EXPECT_TRUE(world.schedulerCalls.empty());
  EXPECT_EQ(conditionOf(world, "Stalled")["reason"], "UnsupportedSchedulerApi");
  EXPECT_EQ(conditionOf(world, "Reconciling")["status"], "absent");
  EXPECT_EQ(result.kind, kube::Result::Kind::Done);
}

TEST(InstanceReconciler, NoAnswerToNewInstanceIsFollowedUpNeverReposted) {
  World world;
  world.useMindSpore();
  world.schedulerDown = true;
  world.reconcile();
  EXPECT_EQ(world.schedulerCalls["/newInstance"], 1);
  EXPECT_EQ(world.job()["status"]["attempts"][0]["state"], "unknown");
  EXPECT_EQ(conditionOf(world, "Reconciling")["reason"], "SchedulerUnavailable");
  world.schedulerDown = false;
  world.now = at(10);
  world.reconcile();
  EXPECT_EQ(world.schedulerCalls["/newInstance"], 1);
  EXPECT_EQ(world.schedulerCalls["/queryInstance"], 1);
  EXPECT_EQ(world.job()["status"]["phase"], "Succeeded");
}

TEST(InstanceReconciler, NewInstanceTimeoutFailsTerminallyWithTheSchedulersWords) {
  World world;
  world.useMindSpore();
  world.newInstanceError = "The new instance is timeout.";
  world.reconcile();
  EXPECT_EQ(world.job()["status"]["phase"], "Failed");
  EXPECT_EQ(conditionOf(world, "Stalled")["status"], "True");
  EXPECT_NE(conditionOf(world, "Stalled")["message"].get<std::string>().find(
                "The new instance is timeout."),
            std::string::npos);
  EXPECT_EQ(world.outcomes["failed"], 1);
  world.now = at(400);
  world.reconcile();
  EXPECT_EQ(world.schedulerCalls["/newInstance"], 1);
}

}  // namespace
}  // namespace flop::federatedjob
