// The reconciler over an in-memory API server (FakeTransport) and a scripted FATE-Flow: one
// timeline of both sides proves the attempt reaches status before FATE-Flow sees a submission.
#include <gtest/gtest.h>

#include <map>

#include "flop/federatedjob/controller.hpp"
#include "flop/http/fake_transport.hpp"
#include "job_fixtures.hpp"
#include "scripted_transport.hpp"

namespace flop::federatedjob {
namespace {

using Json = nlohmann::json;
using testing::at;
using testing::jsonResponse;
using testing::ScriptedTransport;

const std::string kJobPath =
    "/apis/federatedlearning.dev/v1alpha1/namespaces/team-a/federatedjobs/lr";
const std::string kClusterPath =
    "/apis/federatedlearning.dev/v1alpha1/namespaces/team-a/flclusters/guest-9999";

struct World {
  World() {
    kube->setHandler([this](const http::Request& request) { return apiServer(request); });
    kube::Config config;
    config.server = "https://fake-apiserver";
    config.qps = 0;
    client = std::make_unique<kube::Client>(config, kube);
    fate = std::make_shared<ScriptedTransport>([this](const http::Request& r) { return flow(r); });
    Options options;
    options.fateTransport = fate;
    options.clock = [this] { return now; };
    options.metrics.jobOutcome = [this](const std::string& result) { ++outcomes[result]; };
    options.metrics.externalRequest = [this](const std::string& endpoint, const std::string& code) {
      ++requests[endpoint + " " + code];
    };
    reconciler = std::make_unique<FederatedJobReconciler>(*client, nullptr, options);

    Json job = testing::fateJob();  // to_json of the fixture
    job["apiVersion"] = "federatedlearning.dev/v1alpha1";
    job["kind"] = "FederatedJob";
    job["metadata"]["resourceVersion"] = "1";
    objects[kJobPath] = job;
    objects[kClusterPath] = {
        {"apiVersion", "federatedlearning.dev/v1alpha1"},
        {"kind", "FLCluster"},
        {"metadata", {{"name", "guest-9999"}, {"namespace", "team-a"}, {"uid", "c1"}}},
        {"spec",
         {{"partyId", 9999},
          {"fate", {{"version", "1.11.1"}, {"flow", {{"url", "http://fate:9380"}}}}}}}};
  }

  std::optional<http::Response> apiServer(const http::Request& request) {
    std::string path = request.url.substr(request.url.find("/apis/"));
    path = path.substr(0, path.find('?'));
    bool status = path.ends_with("/status");
    if (status) path.resize(path.size() - 7);
    auto it = objects.find(path);
    if (it == objects.end()) {
      return http::FakeTransport::status(404, "NotFound", path + " not found");
    }
    if (request.method == "GET") return http::FakeTransport::json(200, it->second);
    if (request.method == "PATCH") {
      Json patch = Json::parse(request.body);
      timeline.push_back(std::string("kube PATCH") + (status ? " status " : " ") + patch.dump());
      it->second.merge_patch(patch);
      auto version = std::stoi(it->second["metadata"].value("resourceVersion", "1")) + 1;
      it->second["metadata"]["resourceVersion"] = std::to_string(version);
      if (it->second["metadata"].contains("deletionTimestamp") &&
          it->second["metadata"].value("finalizers", Json::array()).empty()) {
        Json gone = it->second;
        objects.erase(it);
        return http::FakeTransport::json(200, gone);
      }
      return http::FakeTransport::json(200, it->second);
    }
    if (request.method == "DELETE") {
      timeline.push_back("kube DELETE " + path);
      objects.erase(it);
      return http::FakeTransport::json(200, {{"status", "Success"}});
    }
    return std::nullopt;
  }

  http::Response flow(const http::Request& request) {
    std::string path = request.url.substr(request.url.find("/v1/"));
    timeline.push_back("fate " + path);
    if (fateDown) {
      throw http::TransportError(http::TransportError::Kind::Connect, "connection refused");
    }
    Json body = Json::parse(request.body);
    if (path == "/v1/job/query" && body.contains("description")) {
      Json rows = Json::array();
      if (!taggedJob.empty()) {
        rows.push_back({{"f_job_id", taggedJob},
                        {"f_role", "guest"},
                        {"f_party_id", "9999"},
                        {"f_status", "running"},
                        {"f_is_initiator", true},
                        {"f_description", body["description"]}});
      }
      return jsonResponse(200, {{"retcode", 0}, {"retmsg", "success"}, {"data", rows}});
    }
    if (path == "/v1/job/submit") {
      ++submissions;
      taggedJob = "job-" + std::to_string(submissions);
      return jsonResponse(
          200, {{"retcode", 0}, {"jobId", taggedJob}, {"data", {{"job_id", taggedJob}}}});
    }
    if (path == "/v1/job/query") {
      return jsonResponse(200, {{"retcode", 0},
                                {"retmsg", "success"},
                                {"data", Json::array({{{"f_job_id", body["job_id"]},
                                                       {"f_role", "guest"},
                                                       {"f_party_id", "9999"},
                                                       {"f_status", jobState},
                                                       {"f_is_initiator", true}}})}});
    }
    if (path == "/v1/job/stop") ++stops;
    return jsonResponse(200, {{"retcode", 0}, {"retmsg", "success"}});
  }

  kube::Result reconcile() { return reconciler->reconcile({"team-a", "lr"}); }
  Json& job() { return objects.at(kJobPath); }
  std::ptrdiff_t firstIndex(const std::string& prefix, const std::string& needle = "") const {
    for (std::size_t i = 0; i < timeline.size(); ++i) {
      if (timeline[i].rfind(prefix, 0) == 0 && timeline[i].find(needle) != std::string::npos) {
        return static_cast<std::ptrdiff_t>(i);
      }
    }
    return -1;
  }

  Clock::time_point now = at(0);
  std::map<std::string, Json> objects;
  std::vector<std::string> timeline;
  std::string taggedJob;
  std::string jobState = "running";
  std::map<std::string, int> outcomes;
  std::map<std::string, int> requests;
  int submissions = 0;
  int stops = 0;
  bool fateDown = false;
  std::shared_ptr<http::FakeTransport> kube = std::make_shared<http::FakeTransport>();
  std::unique_ptr<kube::Client> client;
  std::shared_ptr<ScriptedTransport> fate;
  std::unique_ptr<FederatedJobReconciler> reconciler;
};

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
}

}  // namespace
}  // namespace flop::federatedjob
