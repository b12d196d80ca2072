#pragma once
// The reconciler's world for tests and benchmarks: an in-memory API server (FakeTransport) holding
// one FederatedJob and its FLCluster, a scripted FATE-Flow, a settable clock, and one timeline of
// both sides' calls.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "flop/federatedjob/controller.hpp"
#include "flop/http/fake_transport.hpp"
#include "job_fixtures.hpp"
#include "scripted_transport.hpp"

namespace flop::federatedjob::testing {

using Json = nlohmann::json;

inline const std::string kJobPath =
    "/apis/federatedlearning.dev/v1alpha1/namespaces/team-a/federatedjobs/lr";
inline const std::string kClusterPath =
    "/apis/federatedlearning.dev/v1alpha1/namespaces/team-a/flclusters/guest-9999";

struct World {
  World() {
    kube->setHandler([this](const http::Request& request) { return apiServer(request); });
    kube::Config config;
    config.server = "https://fake-apiserver";
    config.qps = 0;
    client = std::make_unique<kube::Client>(config, kube);
    fate = std::make_shared<ScriptedTransport>([this](const http::Request& r) { return flow(r); });
    scheduler =
        std::make_shared<ScriptedTransport>([this](const http::Request& r) { return sched(r); });
    Options options;
    options.fateTransport = fate;
    options.schedulerTransport = scheduler;
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
    std::string path = request.url.substr(request.url.find("/api"));  // /apis/... or /api/v1/...
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
    fateRequests.push_back(request);
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

  // The job becomes a MindSpore instance and the cluster a MindSpore FL server group whose
  // controller reports `clusterState`.
  void useMindSpore(const std::string& clusterState = "CLUSTER_READY",
                    const std::string& flavour = "1.5") {
    Json& job = objects[kJobPath];
    job["spec"].erase("fate");
    job["spec"]["mindspore"] = {
        {"hyperParameters", {{"fl_name", "lenet"}, {"fl_iteration_num", 5}}}};
    Json& cluster = objects[kClusterPath];
    cluster["spec"].erase("fate");
    cluster["spec"]["mindspore"] = {
        {"schedulerApi", flavour},
        {"scheduler", {{"image", "ms:1.5"}, {"externalManagementUrl", "http://sched:11202"}}},
        {"servers", {{"image", "ms:1.5"}, {"replicas", 2}}}};
    setClusterState(clusterState);
  }
  void setClusterState(const std::string& state) {
    objects[kClusterPath]["status"]["mindspore"]["clusterState"] = state;
  }

  // The scheduler management API: answers scripted by the fields below.
  http::Response sched(const http::Request& request) {
    std::string path = request.url.substr(request.url.find('/', request.url.find("//") + 2));
    timeline.push_back("sched " + path);
    ++schedulerCalls[path];
    if (schedulerDown) {
      throw http::TransportError(http::TransportError::Kind::Connect, "connection refused");
    }
    auto refuse = [](const std::string& message) {
      return jsonResponse(400, {{"error_message", message}});
    };
    if (path == "/newInstance") {
      if (!newInstanceError.empty()) return refuse(newInstanceError);
      return jsonResponse(
          200, {{"message", "Start update flPlan successful."}, {"result", rankReplies}});
    }
    if (path == "/queryInstance") {
      if (!queryError.empty()) return refuse(queryError);
      return jsonResponse(
          200, {{"message", "Start update flPlan successful."}, {"result", rankReplies}});
    }
    if (path == "/disableFLS")
      return jsonResponse(200, {{"message", "start disabling FL-Server successful."}});
    if (path == "/enableFLS")
      return jsonResponse(200, {{"message", "start enabling FL-Server successful."}});
    return http::Response{404, {}, "<html>Not Found</html>"};
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
  std::map<std::string, int> schedulerCalls;
  Json rankReplies = Json::array({"success", "success"});
  std::string newInstanceError;
  std::string queryError;
  bool schedulerDown = false;
  std::vector<http::Request> fateRequests;  // every request FATE-Flow received, as sent
  std::shared_ptr<http::FakeTransport> kube = std::make_shared<http::FakeTransport>();
  std::unique_ptr<kube::Client> client;
  std::shared_ptr<ScriptedTransport> fate;
  std::shared_ptr<ScriptedTransport> scheduler;
  std::unique_ptr<FederatedJobReconciler> reconciler;
};

}  // namespace flop::federatedjob::testing
