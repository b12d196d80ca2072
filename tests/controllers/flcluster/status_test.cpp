// Translation between observed objects / persisted status and the scaling protocol; FATE probe.
#include "flop/flcluster/status.hpp"
#include "flop/base64.hpp"

#include <gtest/gtest.h>

#include "../../../controllers/flcluster/src/token.hpp"
#include "flop/api/conditions.hpp"
#include "flop/flcluster/children.hpp"
#include "flop/flcluster/fate_probe.hpp"
#include "flop/http/fake_transport.hpp"

namespace flop::flcluster {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const Clock::time_point kNow = api::parse_time("2026-11-24T06:00:00Z");

json pod(const std::string& name, const std::string& phase, bool ready) {
  return {{"metadata", {{"name", name}, {"creationTimestamp", "2026-11-24T05:00:00Z"}}},
          {"status",
           {{"phase", phase},
            {"conditions", {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}}}};
}

TEST(ServerPodFrom, ParsesOrdinalPhaseReadinessAndDeletion) {
  auto server = serverPodFrom(pod("flc-server-12", "Running", true), "flc-server");
  ASSERT_TRUE(server);
  EXPECT_EQ(server->ordinal, 12);
  EXPECT_TRUE(server->running);
  EXPECT_TRUE(server->ready);
  EXPECT_FALSE(server->terminating);
  EXPECT_EQ(server->created, api::parse_time("2026-11-24T05:00:00Z"));
  auto deleting = pod("flc-server-1", "Running", false);
  deleting["metadata"]["deletionTimestamp"] = "2026-11-24T05:59:00Z";
  EXPECT_TRUE(serverPodFrom(deleting, "flc-server")->terminating);
  EXPECT_FALSE(serverPodFrom(pod("flc-server-x", "Running", true), "flc-server"));
  EXPECT_FALSE(serverPodFrom(pod("other-0", "Running", true), "flc-server"));
}

TEST(ServerPodFrom, ReadsTheRegistrationGate) {
  auto p = pod("flc-server-0", "Running", false);
  EXPECT_FALSE(serverPodFrom(p, "flc-server")->registeredGate);  // not set yet
  p["status"]["conditions"].push_back({{"type", kRegisteredGate}, {"status", "False"}});
  EXPECT_EQ(serverPodFrom(p, "flc-server")->registeredGate, false);
  p["status"]["conditions"].back()["status"] = "True";
  EXPECT_EQ(serverPodFrom(p, "flc-server")->registeredGate, true);
}

TEST(RegistrationGates, FollowTheSchedulersSettledViewOnly) {
  auto server = [](const std::string& name, std::optional<bool> gate, bool terminating = false) {
    ServerPod p;
    p.name = name;
    p.ordinal = name.back() - '0';
    p.running = true;
    p.registeredGate = gate;
    p.terminating = terminating;
    return p;
  };
  const std::vector<ServerPod> pods{server("s-0", std::nullopt), server("s-1", true),
                                    server("s-2", true), server("s-3", std::nullopt, true)};
  SchedulerView view{ClusterState::NodeTimeout,
                     "NODE_TIMEOUT",
                     {{"s-0", 0, "SERVER", true},
                      {"s-1", 1, "SERVER", false},  // missed its heartbeats
                      {"s-2", 2, "SERVER", true},
                      {"sched", 0, "SCHEDULER", true}}};
  // s-0 registered, s-1 dead, s-2 unchanged, s-3 terminating: left alone.
  EXPECT_EQ(registrationGateChanges(pods, view, 4),
            (std::vector<GateChange>{{"s-0", true}, {"s-1", false}}));
  // The set is being lowered to 1: s-1 and up are scaled in, their gates no longer matter.
  EXPECT_EQ(registrationGateChanges(pods, view, 1), (std::vector<GateChange>{{"s-0", true}}));
  view.state = ClusterState::Starting;
  view.nodes = {{"s-2", 0, "SERVER", std::nullopt}};  // 1.5: no "alive" field
  EXPECT_EQ(registrationGateChanges(pods, view, 4),
            (std::vector<GateChange>{{"s-0", false}, {"s-1", false}}));
  // A scale in flight lists a partial live table; an unreachable scheduler says nothing.
  view.state = ClusterState::ScaleOut;
  EXPECT_TRUE(registrationGateChanges(pods, view, 4).empty());
  EXPECT_TRUE(registrationGateChanges(pods, std::nullopt, 4).empty());
}

TEST(StatusRoundTrip, ScaleRecordSurvivesAWriteAndARead) {
  api::FLClusterStatus status;
  Decision decision;
  decision.operation = ScaleRecord{4, 6, kNow};
  decision.recordedServerNum = 4;
  decision.readyReplicas = 4;
  decision.conditions.push_back({"Scaling", true, "ScalingOut", "4->6"});
  decision.conditions.push_back({"Reconciling", true, "ScalingOut", "4->6"});
  SchedulerView view{ClusterState::ScaleOut,
                     "CLUSTER_SCALE_OUT",
                     {{"flc-server-0", 0, "SERVER", true}, {"sched", 0, "SCHEDULER", true}}};
  applyDecision(status, decision, view, 4, 7, kNow);
  auto reread = json(status).get<api::FLClusterStatus>();
  EXPECT_EQ(scaleRecordFrom(reread), (ScaleRecord{4, 6, kNow}));
  EXPECT_EQ(reread.mindspore->serverNum, 4);
  EXPECT_EQ(reread.mindspore->clusterState, "CLUSTER_SCALE_OUT");
  ASSERT_EQ(reread.mindspore->nodes.size(), 1u);  // the scheduler itself is not a server
  EXPECT_EQ(rankZeroNodeFrom(reread), "flc-server-0");
  EXPECT_EQ(reread.observedGeneration, 7);
  EXPECT_EQ(api::find_condition(reread.conditions, "Scaling")->observedGeneration, 7);
}

TEST(StatusRoundTrip, FalseAbnormalConditionsAreRemovedAndTheScaleCleared) {
  api::FLClusterStatus status;
  Decision busy;
  busy.operation = ScaleRecord{4, 6, kNow};
  busy.conditions.push_back({"Stalled", true, "ScaleDeadlineExceeded", "late"});
  applyDecision(status, busy, std::nullopt, 4, 1, kNow);
  ASSERT_TRUE(api::is_condition_true(status.conditions, "Stalled"));
  Decision done;
  done.recordedServerNum = 6;
  done.conditions.push_back({"Stalled", false, "", ""});
  applyDecision(status, done, std::nullopt, 6, 1, kNow);
  EXPECT_EQ(api::find_condition(status.conditions, "Stalled"), nullptr);
  EXPECT_FALSE(status.mindspore->scale);
  EXPECT_FALSE(json(status)["mindspore"].contains("scale"));
}

TEST(Summarise, ReadyFollowsStalledThenReconcilingThenTheRest) {
  api::FLClusterStatus status;
  Decision decision;
  decision.conditions.push_back({"SchedulerReady", true, "ClusterReady", "ok"});
  applyDecision(status, decision, std::nullopt, 1, 2, kNow);
  summarise(status, 2, kNow);
  EXPECT_TRUE(api::is_condition_true(status.conditions, "Ready"));
  EXPECT_EQ(status.phase, "Ready");

  decision.conditions = {{"Reconciling", true, "ScalingOut", "4->6"},
                         {"Scaling", true, "ScalingOut", "4->6"}};
  applyDecision(status, decision, std::nullopt, 1, 2, kNow);
  summarise(status, 2, kNow);
  EXPECT_FALSE(api::is_condition_true(status.conditions, "Ready"));
  EXPECT_EQ(status.phase, "Scaling");

  decision.conditions = {{"Stalled", true, "ServerZeroLost", "server 0 lost"}};
  applyDecision(status, decision, std::nullopt, 1, 2, kNow);
  summarise(status, 2, kNow);
  EXPECT_EQ(api::find_condition(status.conditions, "Ready")->reason, "ServerZeroLost");
  EXPECT_EQ(status.phase, "Degraded");
}

TEST(RetryBlocked, OnlyForTheGenerationThatWasRolledBack) {
  api::FLClusterStatus status;
  api::set_condition(status.conditions, {"Stalled", "True", "ScaleRolledBack", "m", "", 5}, kNow);
  EXPECT_TRUE(retryBlocked(status, 5));
  EXPECT_FALSE(retryBlocked(status, 6));
}

TEST(Policy, DefaultsAndSpecValues) {
  api::MindSporeSpec spec;
  EXPECT_EQ(scalingPolicyFrom(spec).deadline, 600s);
  EXPECT_EQ(scalingPolicyFrom(spec).onStuck, StuckAction::Wait);
  spec.scaling = api::ScalingPolicy{120, "RecreateServers"};
  EXPECT_EQ(scalingPolicyFrom(spec).deadline, 120s);
  EXPECT_EQ(scalingPolicyFrom(spec).onStuck, StuckAction::RecreateServers);
  EXPECT_EQ(desiredReplicas(spec), 1);
  spec.autoscaling = api::AutoscalingSpec{3, 8, {}};
  EXPECT_EQ(desiredReplicas(spec), 3);
  spec.servers.replicas = 5;
  EXPECT_EQ(desiredReplicas(spec), 5);
}

TEST(FateProbe, ReadsTheVersionFromTheEnvelope) {
  http::FakeTransport fake;
  fake.enqueue("POST", "/v1/version/get",
               http::FakeTransport::json(
                   200, {{"retcode", 0}, {"retmsg", "success"}, {"data", {{"FATE", "1.6.1"}}}}));
  auto probe = probeFateFlow(fake, "http://flow.fate.svc:9380");
  EXPECT_TRUE(probe.reachable);
  EXPECT_EQ(probe.version, "1.6.1");
  EXPECT_EQ(json::parse(fake.requests().at(0).body), (json{{"module", "FATE"}}));
}

TEST(FateProbe, RetcodeAndTransportFailuresAreValues) {
  http::FakeTransport fake;
  fake.enqueue("POST", "/v1/version/get",
               http::FakeTransport::json(200, {{"retcode", 100}, {"retmsg", "boom"}}));
  fake.enqueueError("POST", "/v1/version/get", http::TransportError::Kind::Connect);
  auto failed = probeFateFlow(fake, "http://flow:9380");
  EXPECT_FALSE(failed.reachable);
  EXPECT_NE(failed.message.find("boom"), std::string::npos);
  EXPECT_FALSE(probeFateFlow(fake, "http://flow:9380").reachable);
}

TEST(FateProbe, BaseUrlFromServiceOrUrl) {
  api::FateFlowEndpoint endpoint;
  endpoint.service = api::ServiceReference{"fateflow", std::nullopt};
  EXPECT_EQ(fateFlowBaseUrl(endpoint, "party"), "http://fateflow.party.svc:9380");
  endpoint.service.reset();
  endpoint.url = "https://flow.example:443/";
  EXPECT_EQ(fateFlowBaseUrl(endpoint, "party"), "https://flow.example:443");
}

TEST(Token, RandomHexAndBase64RoundTrip) {
  auto a = detail::generateToken(), b = detail::generateToken();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  EXPECT_EQ(flop::base64Decode("c2VjcmV0LXRva2Vu", "t"), "secret-token");
  EXPECT_EQ(flop::base64Decode("YQ==", "t"), "a");
  EXPECT_THROW(flop::base64Decode("!!", "t"), InvalidInput);
}

}  // namespace
}  // namespace flop::flcluster
