// SchedulerClient against scripted replies in both flavours of the scheduler's management API
// (shared/reference/mindspore-fl-scheduler.md §2-§4).
#include "flop/flcluster/scheduler_client.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "flop/http/fake_transport.hpp"

namespace flop::flcluster {
namespace {

using http::FakeTransport;
using nlohmann::json;

http::Response raw(int status, std::string body) {
  return http::Response{status, {}, std::move(body)};
}

class SchedulerClientTest : public ::testing::Test {
 protected:
  FakeTransport fake;
  SchedulerClient client{fake, SchedulerEndpoint{"http://sched:11202/", std::string("tok"), {}}};
};

TEST_F(SchedulerClientTest, StateAcceptsTheMisspeltStartingOf15) {
  fake.enqueue(
      "GET", "/state",
      raw(200,
          R"({"message":"Get cluster state successful.","cluster_state":"ClUSTER_STARTING"})"));
  auto reply = client.state();
  EXPECT_TRUE(reply.outcome.accepted);
  EXPECT_EQ(reply.state, ClusterState::Starting);
  EXPECT_EQ(reply.rawState, "ClUSTER_STARTING");
  auto sent = fake.requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].url, "http://sched:11202/state");
  EXPECT_EQ(sent[0].headers.at("authorization"), "Bearer tok");
}

TEST_F(SchedulerClientTest, EmptyStateStringIsBusyNotReady) {
  fake.enqueue("GET", "/state",
               raw(200, R"({"message":"Get cluster state successful.","cluster_state":""})"));
  auto reply = client.state();
  EXPECT_EQ(reply.state, ClusterState::Busy);
  EXPECT_NE(reply.state, ClusterState::Ready);
}

TEST_F(SchedulerClientTest, StateWithCodeAsStringOrNumber) {
  fake.enqueue("GET", "/state",
               raw(200, R"({"code":"0","message":"m","cluster_state":"CLUSTER_READY"})"));
  fake.enqueue("GET", "/state",
               raw(200, R"({"code":0,"message":"m","cluster_state":"CLUSTER_SCALE_OUT"})"));
  fake.enqueue("GET", "/state",
               raw(200, R"({"code":"0","message":"m","cluster_state":"CLUSTER_STARTING"})"));
  EXPECT_EQ(client.state().state, ClusterState::Ready);
  EXPECT_EQ(client.state().state, ClusterState::ScaleOut);
  EXPECT_EQ(client.state().state, ClusterState::Starting);
}

TEST_F(SchedulerClientTest, UnknownStateNameIsKeptRaw) {
  fake.enqueue("GET", "/state",
               raw(200, R"({"message":"m","cluster_state":"CLUSTER_SOMETHING_NEW"})"));
  auto reply = client.state();
  EXPECT_EQ(reply.state, ClusterState::Unknown);
  EXPECT_EQ(reply.rawState, "CLUSTER_SOMETHING_NEW");
}

TEST_F(SchedulerClientTest, Nodes15SchemaWithStringRanks) {
  fake.enqueue("GET", "/nodes", raw(200, R"({"message":"Get nodes info successful.","node_ids":[
      {"node_id":"flc-server-0","rank_id":"0","role":"SERVER"},
      {"node_id":"flc-server-1","rank_id":"4294967295","role":"SERVER"}]})"));
  auto reply = client.nodes();
  ASSERT_EQ(reply.nodes.size(), 2u);
  EXPECT_EQ(reply.nodes[0].nodeId, "flc-server-0");
  EXPECT_EQ(reply.nodes[0].rank, 0);
  EXPECT_EQ(reply.nodes[1].rank, 4294967295LL);
  EXPECT_EQ(reply.nodes[1].role, "SERVER");
  EXPECT_FALSE(reply.nodes[0].alive.has_value());
}

TEST_F(SchedulerClientTest, Nodes16SchemaWithAliveAndSchedulerEntry) {
  fake.enqueue("GET", "/nodes",
               raw(200, R"({"code":"0","message":"Get nodes info successful.","nodeIds":[
      {"alive":"true","nodeId":"flc-server-3","rankId":"3","role":"SERVER"},
      {"alive":"false","nodeId":"flc-server-1","rankId":"1","role":"SERVER"},
      {"alive":"true","nodeId":"abc-sched","rankId":"0","role":"SCHEDULER"}]})"));
  auto reply = client.nodes();
  ASSERT_EQ(reply.nodes.size(), 3u);
  EXPECT_EQ(reply.nodes[0].rank, 3);
  EXPECT_EQ(reply.nodes[0].alive, true);
  EXPECT_EQ(reply.nodes[1].alive, false);
  EXPECT_EQ(reply.nodes[2].role, "SCHEDULER");
}

TEST_F(SchedulerClientTest, NodesWithoutAListIsEmpty) {
  fake.enqueue("GET", "/nodes", raw(200, R"({"message":"Get nodes info successful."})"));
  EXPECT_TRUE(client.nodes().nodes.empty());
}

TEST_F(SchedulerClientTest, ScaleOutSendsIntegerIncrementAndBothKeys) {
  fake.enqueue("POST", "/scaleout", raw(200, R"({"message":"Cluster begin to scale out."})"));
  auto outcome = client.scaleOut(2);
  EXPECT_TRUE(outcome.accepted);
  EXPECT_EQ(outcome.message, "Cluster begin to scale out.");
  auto body = json::parse(fake.requests("POST").at(0).body);
  EXPECT_EQ(body, (json{{"worker_num", 0}, {"server_num", 2}}));
  EXPECT_TRUE(body["server_num"].is_number_integer());
}

TEST_F(SchedulerClientTest, ScaleInSendsStringIds) {
  fake.enqueue("POST", "/scalein",
               raw(200, R"({"code":"0","message":"Cluster begin to scale in."})"));
  EXPECT_TRUE(client.scaleIn({"flc-server-5", "flc-server-4"}).accepted);
  EXPECT_EQ(json::parse(fake.requests("POST").at(0).body),
            (json{{"node_ids", {"flc-server-5", "flc-server-4"}}}));
}

TEST_F(SchedulerClientTest, Http400IsAValueWithTheMessageVerbatim) {
  fake.enqueue("POST", "/scaleout", raw(400, R"({"error_message":"The cluster is not ready."})"));
  fake.enqueue(
      "POST", "/scalein",
      raw(400,
          R"({"error_message":"The node id:x is rank 0 of server, should not be scale in.","code":"1"})"));
  auto out = client.scaleOut(1);
  EXPECT_FALSE(out.accepted);
  EXPECT_EQ(out.httpStatus, 400);
  EXPECT_EQ(out.message, "The cluster is not ready.");
  EXPECT_EQ(client.scaleIn({"x"}).message,
            "The node id:x is rank 0 of server, should not be scale in.");
}

TEST_F(SchedulerClientTest, CodeOneOn200IsARejection) {
  fake.enqueue("POST", "/scaleout", raw(200, R"({"code":"1","error_message":"odd but possible"})"));
  auto out = client.scaleOut(1);
  EXPECT_FALSE(out.accepted);
  EXPECT_EQ(out.message, "odd but possible");
}

TEST_F(SchedulerClientTest, MissingRollbackEndpointIsARejectedOutcome) {
  fake.enqueue("POST", "/scaleoutRollback", raw(404, "<html>Not Found</html>"));
  auto out = client.scaleOutRollback();
  EXPECT_FALSE(out.accepted);
  EXPECT_EQ(out.httpStatus, 404);
  EXPECT_NE(out.message.find("HTTP 404"), std::string::npos);
}

TEST_F(SchedulerClientTest, NonJsonSuccessIsAProtocolError) {
  fake.enqueue("GET", "/state", raw(200, "OK"));
  EXPECT_THROW(client.state(), SchedulerProtocolError);
  fake.enqueue("GET", "/state", raw(200, R"({"message":"m"})"));
  EXPECT_THROW(client.state(), SchedulerProtocolError);
}

TEST_F(SchedulerClientTest, NoResponseIsATransportError) {
  fake.enqueueError("GET", "/state", http::TransportError::Kind::Timeout);
  EXPECT_THROW(client.state(), http::TransportError);
}

TEST(ClusterStateNames, RoundTripCanonicalNames) {
  for (auto state :
       {ClusterState::Ready, ClusterState::Exit, ClusterState::NodeTimeout, ClusterState::ScaleOut,
        ClusterState::ScaleIn, ClusterState::NewInstance, ClusterState::EnableFls,
        ClusterState::DisableFls, ClusterState::SchedulerRecovery, ClusterState::ScaleOutRollback,
        ClusterState::Busy, ClusterState::Starting})
    EXPECT_EQ(parseClusterState(clusterStateName(state)), state) << clusterStateName(state);
  EXPECT_EQ(clusterStateName(ClusterState::Starting), "CLUSTER_STARTING");
}

}  // namespace
}  // namespace flop::flcluster
