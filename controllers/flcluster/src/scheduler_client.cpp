#include "flop/flcluster/scheduler_client.hpp"

#include <array>
#include <charconv>
#include <utility>

#include <nlohmann/json.hpp>

namespace flop::flcluster {
namespace {

struct StateName {
  std::string_view text;
  ClusterState state;
};

constexpr std::array kStateNames{
    StateName{"CLUSTER_STARTING", ClusterState::Starting},
    StateName{"ClUSTER_STARTING", ClusterState::Starting},
    StateName{"CLUSTER_READY", ClusterState::Ready},
    StateName{"CLUSTER_EXIT", ClusterState::Exit},
    StateName{"NODE_TIMEOUT", ClusterState::NodeTimeout},
    StateName{"CLUSTER_SCALE_OUT", ClusterState::ScaleOut},
    StateName{"CLUSTER_SCALE_IN", ClusterState::ScaleIn},
    StateName{"CLUSTER_NEW_INSTANCE", ClusterState::NewInstance},
    StateName{"CLUSTER_ENABLE_FLS", ClusterState::EnableFls},
    StateName{"CLUSTER_DISABLE_FLS", ClusterState::DisableFls},
    StateName{"CLUSTER_SCHEDULER_RECOVERY", ClusterState::SchedulerRecovery},
    StateName{"CLUSTER_SCALE_OUT_ROLLBACK", ClusterState::ScaleOutRollback},
    StateName{"", ClusterState::Busy},
};

// "code" is a string in the sources and a number in the docs.
std::optional<std::string> codeOf(const nlohmann::json& body) {
  auto it = body.find("code");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  throw SchedulerProtocolError("scheduler reply has a \"code\" that is neither string nor number");
}

std::string stringField(const nlohmann::json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::optional<std::int64_t> parseRank(const nlohmann::json& value) {
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (!value.is_string()) return std::nullopt;
  const auto text = value.get<std::string>();
  std::int64_t rank = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), rank);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return rank;
}

std::optional<bool> parseAlive(const nlohmann::json& node) {
  auto it = node.find("alive");
  if (it == node.end()) return std::nullopt;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_string()) return it->get<std::string>() == "true";
  return std::nullopt;
}

SchedulerNode parseNode(const nlohmann::json& entry) {
  if (!entry.is_object()) throw SchedulerProtocolError("scheduler /nodes entry is not an object");
  SchedulerNode node;
  const bool newSchema = entry.contains("nodeId");
  node.nodeId = stringField(entry, newSchema ? "nodeId" : "node_id");
  if (auto rank = entry.find(newSchema ? "rankId" : "rank_id"); rank != entry.end())
    node.rank = parseRank(*rank);
  node.role = stringField(entry, "role");
  node.alive = parseAlive(entry);
  return node;
}

}  // namespace

ClusterState parseClusterState(std::string_view text) {
  for (const auto& name : kStateNames)
    if (name.text == text) return name.state;
  return ClusterState::Unknown;
}

std::string_view clusterStateName(ClusterState state) {
  if (state == ClusterState::Unknown) return "UNKNOWN";
  for (const auto& name : kStateNames)
    if (name.state == state) return name.text;
  return "UNKNOWN";
}

struct SchedulerClient::Reply {
  CallOutcome outcome;
  nlohmann::json body;  // object; empty object when the reply was not JSON
};

SchedulerClient::SchedulerClient(http::Transport& transport, SchedulerEndpoint endpoint)
    : transport_(transport), endpoint_(std::move(endpoint)) {
  while (!endpoint_.baseUrl.empty() && endpoint_.baseUrl.back() == '/')
    endpoint_.baseUrl.pop_back();
}

SchedulerClient::Reply SchedulerClient::call(std::string_view path, std::string body) {
  http::Request request;
  // The scheduler ignores the method; POST carries a body for the commands, GET reads.
  request.method = body.empty() ? "GET" : "POST";
  request.url = endpoint_.baseUrl + std::string(path);
  request.timeout = endpoint_.timeout;
  if (!body.empty()) request.headers["content-type"] = "application/json";
  if (endpoint_.bearerToken) request.headers["authorization"] = "Bearer " + *endpoint_.bearerToken;
  request.body = std::move(body);
  const http::Response response = transport_.send(request);

  Reply reply;
  reply.outcome.httpStatus = response.status;
  auto parsed = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  const bool isObject = parsed.is_object();
  if (isObject) reply.body = std::move(parsed);
  if (response.status == 200) {
    if (!isObject)
      throw SchedulerProtocolError("scheduler " + std::string(path) +
                                   " answered 200 with a body that is not a JSON object");
    const auto code = codeOf(reply.body);
    reply.outcome.accepted = !code || *code == "0";
    reply.outcome.message =
        stringField(reply.body, reply.outcome.accepted ? "message" : "error_message");
    return reply;
  }
  // 400 carries {"error_message": ...}; anything else (404 from libevent, a proxy's 502) is
  // passed on as the raw body so the condition shows what came back.
  reply.outcome.accepted = false;
  reply.outcome.message = isObject && reply.body.contains("error_message")
                              ? stringField(reply.body, "error_message")
                              : "HTTP " + std::to_string(response.status) + ": " + response.body;
  return reply;
}

InstanceReply SchedulerClient::instanceReply(std::string_view path, Reply reply) {
  InstanceReply result{std::move(reply.outcome), {}};
  if (!result.outcome.accepted) return result;
  auto it = reply.body.find("result");
  if (it == reply.body.end() || it->is_null()) return result;
  if (!it->is_array())
    throw SchedulerProtocolError("scheduler " + std::string(path) + " result is not an array");
  for (const auto& entry : *it)
    result.results.push_back(entry.is_string() ? entry.get<std::string>() : entry.dump());
  return result;
}

StateReply SchedulerClient::state() {
  auto reply = call("/state", {});
  StateReply result{reply.outcome, ClusterState::Unknown, {}};
  if (!reply.outcome.accepted) return result;
  auto it = reply.body.find("cluster_state");
  if (it == reply.body.end() || !it->is_string())
    throw SchedulerProtocolError("scheduler /state reply has no cluster_state string");
  result.rawState = it->get<std::string>();
  result.state = parseClusterState(result.rawState);
  return result;
}

NodesReply SchedulerClient::nodes() {
  auto reply = call("/nodes", {});
  NodesReply result{reply.outcome, {}};
  if (!reply.outcome.accepted) return result;
  auto it = reply.body.find("nodeIds");
  if (it == reply.body.end()) it = reply.body.find("node_ids");
  if (it == reply.body.end() || it->is_null()) return result;  // no nodes yet
  if (!it->is_array()) throw SchedulerProtocolError("scheduler /nodes list is not an array");
  for (const auto& entry : *it) result.nodes.push_back(parseNode(entry));
  return result;
}

CallOutcome SchedulerClient::scaleOut(std::int32_t serverIncrement) {
  // Both keys are required; values must be integers (a string crashes the handler).
  nlohmann::json body{{"worker_num", 0}, {"server_num", serverIncrement}};
  return call("/scaleout", body.dump()).outcome;
}

CallOutcome SchedulerClient::scaleIn(const std::vector<std::string>& nodeIds) {
  nlohmann::json body{{"node_ids", nodeIds}};
  return call("/scalein", body.dump()).outcome;
}

CallOutcome SchedulerClient::scaleOutRollback() {
  // Any non-empty body: POST handlers reject an empty one before looking at the path's purpose.
  return call("/scaleoutRollback", "{}").outcome;
}

InstanceReply SchedulerClient::newInstance(std::string hyperParametersJson) {
  return instanceReply("/newInstance", call("/newInstance", std::move(hyperParametersJson)));
}

InstanceReply SchedulerClient::queryInstance() {
  return instanceReply("/queryInstance", call("/queryInstance", {}));
}

CallOutcome SchedulerClient::enableFls() { return call("/enableFLS", {}).outcome; }

CallOutcome SchedulerClient::disableFls() { return call("/disableFLS", {}).outcome; }

}  // namespace flop::flcluster
