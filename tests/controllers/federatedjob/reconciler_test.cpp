// The reconciler over an in-memory API server (FakeTransport) and a scripted FATE-Flow: one
// timeline of both sides proves the attempt reaches status before FATE-Flow sees a submission.
#include <gtest/gtest.h>

#include <map>

#include "../fate_auth_check.hpp"
#include "fake_world.hpp"

namespace flop::federatedjob {
namespace {

using Json = nlohmann::json;
using testing::at;
using testing::kClusterPath;
using testing::kJobPath;
using testing::World;

TEST(Reconciler, AttemptReachesStatusBeforeFateFlowSeesTheSubmission) {
  World world;
  kube::Result result = world.reconcile();
  EXPECT_EQ(world.submissions, 1);
  auto recorded = world.firstIndex("kube PATCH status");
  auto submitted = world.firstIndex("fate /v1/job/submit");
  ASSERT_GE(recorded, 0);
  ASSERT_GE(submitted, 0);
  EXPECT_LT(recorded, submitted);
  EXPECT_NE(world.timeline[recorded].find("\"attempts\":[{\"index\":1"), std::string::npos);
  EXPECT_LT(world.firstIndex("fate /v1/job/update"),
            world.firstIndex("kube PATCH status", "\"fateJobId\""))
      << "the tag is written before the id reaches status";
  const Json& status = world.job()["status"];
  EXPECT_EQ(status["fateJobId"], "job-1");
  EXPECT_EQ(status["phase"], "Running");
  EXPECT_EQ(world.job()["metadata"]["finalizers"], Json::array({"federatedlearning.dev/fate-job"}));
  EXPECT_EQ(result.kind, kube::Result::Kind::RequeueAfter);
  EXPECT_EQ(result.after, std::chrono::milliseconds(2000));
}

TEST(Reconciler, RestartWithoutTheStoredIdAdoptsInsteadOfSubmittingAgain) {
  World world;
  world.reconcile();
  ASSERT_EQ(world.submissions, 1);
  // The operator crashed after submitting: status still has the attempt without an id.
  world.job()["status"]["attempts"][0].erase("fateJobId");
  world.job()["status"]["attempts"][0].erase("state");
  world.job()["status"].erase("fateJobId");
  world.now = at(30);
  world.reconcile();
  EXPECT_EQ(world.submissions, 1);
  EXPECT_EQ(world.job()["status"]["attempts"].size(), 1u);
  EXPECT_EQ(world.job()["status"]["fateJobId"], "job-1");
}

TEST(Reconciler, NoPollBeforeTheScheduleEvenWhenWokenUp) {
  World world;
  world.reconcile();
  auto queries = world.timeline.size();
  world.now = at(1);  // a watch event right after our own status write
  world.reconcile();
  EXPECT_EQ(world.timeline.size(), queries) << "no FATE call, no status write";
  world.now = at(3);
  world.jobState = "success";
  world.reconcile();
  EXPECT_EQ(world.job()["status"]["phase"], "Succeeded");
}

TEST(Reconciler, FateFlowDownIsAConditionAndATimedRetry) {
  World world;
  world.fateDown = true;
  kube::Result result = world.reconcile();
  EXPECT_EQ(result.kind, kube::Result::Kind::RequeueAfter);
  EXPECT_EQ(result.after, std::chrono::milliseconds(10'000));
  bool found = false;
  for (const auto& condition : world.job()["status"]["conditions"]) {
    if (condition["type"] == "Reconciling") {
      found = true;
      EXPECT_EQ(condition["reason"], "FateFlowUnavailable");
      EXPECT_NE(condition["message"].get<std::string>().find("http://fate:9380"),
                std::string::npos);
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(world.submissions, 0);
  world.fateDown = false;
  world.now = at(10);
  world.reconcile();
  EXPECT_EQ(world.submissions, 1);
}

TEST(Reconciler, DeletionStopsTheJobThenReleasesTheFinalizer) {
  World world;
  world.reconcile();
  world.job()["metadata"]["deletionTimestamp"] = api::format_time(at(5));
  world.now = at(5);
  world.reconcile();
  EXPECT_EQ(world.stops, 1);
  EXPECT_EQ(world.objects.count(kJobPath), 0u) << "finalizer released, object gone";
}

TEST(Reconciler, MissingClusterIsReportedNotThrown) {
  World world;
  world.objects.erase(kClusterPath);
  world.reconcile();
  EXPECT_EQ(world.submissions, 0);
  bool found = false;
  for (const auto& condition : world.job()["status"]["conditions"]) {
    found |= condition["type"] == "Reconciling" && condition["reason"] == "ClusterNotFound";
  }
  EXPECT_TRUE(found);
}

const std::string kAuthSecretPath = "/api/v1/namespaces/team-a/secrets/fate-auth";

Json authSecret(const Json& data) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", "fate-auth"}, {"namespace", "team-a"}}},
          {"data", data}};
}

const Json* conditionOf(World& world, const std::string& type) {
  for (const auto& condition : world.job()["status"]["conditions"]) {
    if (condition["type"] == type) return &condition;
  }
  return nullptr;
}

TEST(Reconciler, FateFlowAuthSecretSignsEveryRequest) {
  World world;
  world.objects[kClusterPath]["spec"]["fate"]["flow"]["authSecretRef"] = {{"name", "fate-auth"}};
  // base64("operator-key"), base64("s3cret")
  world.objects[kAuthSecretPath] =
      authSecret({{"appKey", "b3BlcmF0b3Ita2V5"}, {"appSecret", "czNjcmV0"}});
  world.reconcile();
  EXPECT_EQ(world.submissions, 1);
  ASSERT_FALSE(world.fateRequests.empty());
  for (const auto& request : world.fateRequests) {
    EXPECT_TRUE(flop::testing::signedByFateAuth(request, {"operator-key", "s3cret"}, request.body));
  }
}

TEST(Reconciler, MissingAuthSecretOrKeyIsAConditionAndNothingIsSentUnsigned) {
  World world;
  world.objects[kClusterPath]["spec"]["fate"]["flow"]["authSecretRef"] = {{"name", "fate-auth"}};
  kube::Result result = world.reconcile();
  EXPECT_TRUE(world.fateRequests.empty());
  EXPECT_EQ(result.kind, kube::Result::Kind::RequeueAfter) << "retried: the Secret may appear";
  const Json* reconciling = conditionOf(world, "Reconciling");
  ASSERT_NE(reconciling, nullptr);
  EXPECT_EQ((*reconciling)["reason"], "FateFlowAuthSecretInvalid");
  EXPECT_NE((*reconciling)["message"].get<std::string>().find("fate-auth not found"),
            std::string::npos);

  world.objects[kAuthSecretPath] = authSecret({{"appKey", "b3BlcmF0b3Ita2V5"}});
  world.now = at(10);
  world.reconcile();
  EXPECT_TRUE(world.fateRequests.empty());
  reconciling = conditionOf(world, "Reconciling");
  ASSERT_NE(reconciling, nullptr);
  const auto message = (*reconciling)["message"].get<std::string>();
  EXPECT_NE(message.find("fate-auth has no usable key appSecret"), std::string::npos) << message;
  EXPECT_EQ(message.find("b3BlcmF0b3Ita2V5"), std::string::npos) << "no secret material";
}

TEST(Reconciler, TtlDeletesTheFinishedObject) {
  World world;
  world.job()["spec"]["runPolicy"] = {{"ttlSecondsAfterFinished", 60}};
  world.jobState = "success";
  world.reconcile();
  ASSERT_EQ(world.job()["status"]["phase"], "Succeeded");
  world.now = at(59);
  kube::Result result = world.reconcile();
  EXPECT_EQ(result.after, std::chrono::milliseconds(1000));
  world.now = at(60);
  world.reconcile();
  EXPECT_EQ(world.objects.count(kJobPath), 0u);
}

TEST(Reconciler, CountsCreatedAndFinishedJobsAndEveryFateCall) {
  World world;
  world.reconcile();
  EXPECT_EQ(world.outcomes["created"], 1);
  EXPECT_EQ(world.requests["/v1/job/submit 200"], 1);
  EXPECT_EQ(world.requests["/v1/job/update 200"], 1);
  world.now = at(5);
  world.jobState = "failed";
  world.reconcile();
  world.now = at(500);
  world.reconcile();  // already terminal: not counted twice
  EXPECT_EQ(world.outcomes["failed"], 1);
  EXPECT_EQ(world.outcomes["succeeded"], 0);
  World fresh;
  fresh.fateDown = true;
  fresh.reconcile();
  EXPECT_EQ(fresh.requests["/v1/job/query <error>"], 1);
}

TEST(MergePatch, NullsRemovedKeysAndKeepsUnchangedOnesOut) {
  Json from = {{"a", 1}, {"b", {{"c", 1}, {"d", 2}}}, {"gone", true}};
  Json to = {{"a", 1}, {"b", {{"c", 1}, {"d", 3}}}, {"new", "x"}};
  EXPECT_EQ(mergePatch(from, to), (Json{{"b", {{"d", 3}}}, {"gone", nullptr}, {"new", "x"}}));
}

TEST(FlowTarget, UrlServiceAndLegacyKeys) {
  api::FLCluster cluster;
  cluster.metadata.name = "p";
  cluster.metadata.namespace_ = "fate";
  EXPECT_FALSE(flowTargetOf(cluster, nullptr));
  cluster.spec.fate = api::FateSpec{};
  cluster.spec.fate->version = "1.6.1";
  cluster.spec.fate->flow.service = api::ServiceReference{"fateflow", std::nullopt};
  auto target = flowTargetOf(cluster, nullptr);
  ASSERT_TRUE(target);
  EXPECT_EQ(target->baseUrl, "http://fateflow.fate.svc:9380");
  EXPECT_EQ(target->keys, fateflow::SubmitKeys::Legacy);
  cluster.status.fate = api::FateStatus{"1.11.4", std::nullopt};
  EXPECT_EQ(flowTargetOf(cluster, nullptr)->keys, fateflow::SubmitKeys::Current);
  cluster.status.fate = api::FateStatus{"2.1.0", std::nullopt};
  FlowProblem problem;
  EXPECT_FALSE(flowTargetOf(cluster, &problem));
  EXPECT_EQ(problem.reason, "UnsupportedFateVersion");
  EXPECT_NE(problem.message.find("2.1.0"), std::string::npos);
}

}  // namespace
}  // namespace flop::federatedjob
