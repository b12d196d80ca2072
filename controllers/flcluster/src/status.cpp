#include "flop/flcluster/status.hpp"

#include <charconv>

#include "flop/api/conditions.hpp"
#include "flop/flcluster/children.hpp"

namespace flop::flcluster {
namespace {

namespace ct = api::condition_type;

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<bool> conditionOf(const nlohmann::json& pod, const char* type) {
  for (const auto& c : pod["status"].value("conditions", nlohmann::json::array()))
    if (str(c, "type") == type) return str(c, "status") == "True";
  return std::nullopt;
}

bool conditionTrue(const nlohmann::json& pod, const char* type) {
  return conditionOf(pod, type).value_or(false);
}

// kstatus: Stalled and Reconciling exist only while True.
bool abnormalTrue(std::string_view type) {
  return type == ct::kStalled || type == ct::kReconciling;
}

}  // namespace

std::optional<ServerPod> serverPodFrom(const nlohmann::json& pod, const std::string& setName) {
  const auto& meta = pod["metadata"];
  const auto name = str(meta, "name");
  if (name.size() <= setName.size() + 1 || name.compare(0, setName.size() + 1, setName + "-") != 0)
    return std::nullopt;
  ServerPod out;
  out.name = name;
  const auto digits = name.substr(setName.size() + 1);
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), out.ordinal);
  if (error != std::errc{} || end != digits.data() + digits.size() || out.ordinal < 0)
    return std::nullopt;
  const nlohmann::json status = pod.value("status", nlohmann::json::object());
  out.running = str(status, "phase") == "Running";
  out.ready = conditionTrue(pod, "Ready");
  out.registeredGate = conditionOf(pod, kRegisteredGate);
  out.terminating = meta.contains("deletionTimestamp") && !meta["deletionTimestamp"].is_null();
  if (auto created = str(meta, "creationTimestamp"); !created.empty())
    out.created = api::parse_time(created);
  return out;
}

std::vector<GateChange> registrationGateChanges(const std::vector<ServerPod>& pods,
                                                const std::optional<SchedulerView>& scheduler,
                                                std::int32_t setReplicas) {
  std::vector<GateChange> changes;
  if (!scheduler) return changes;
  const auto state = scheduler->state;
  if (state != ClusterState::Ready && state != ClusterState::Starting &&
      state != ClusterState::NodeTimeout)
    return changes;
  for (const auto& pod : pods) {
    if (pod.terminating || pod.ordinal >= setReplicas) continue;
    bool registered = false;
    for (const auto& node : scheduler->nodes)
      if (node.role == "SERVER" && node.nodeId == pod.name) registered = node.alive.value_or(true);
    if (pod.registeredGate != registered) changes.push_back({pod.name, registered});
  }
  return changes;
}

std::optional<ScaleRecord> scaleRecordFrom(const api::FLClusterStatus& status) {
  if (!status.mindspore || !status.mindspore->scale) return std::nullopt;
  const auto& scale = *status.mindspore->scale;
  ScaleRecord record{scale.fromReplicas, scale.toReplicas, {}};
  if (scale.startTime) record.startTime = api::parse_time(*scale.startTime);
  return record;
}

std::optional<std::string> rankZeroNodeFrom(const api::FLClusterStatus& status) {
  if (!status.mindspore) return std::nullopt;
  for (const auto& node : status.mindspore->nodes)
    if (node.rankId == 0 && node.role.value_or("SERVER") == "SERVER") return node.nodeId;
  return std::nullopt;
}

bool retryBlocked(const api::FLClusterStatus& status, std::int64_t generation) {
  const auto* stalled = api::find_condition(status.conditions, ct::kStalled);
  return stalled && stalled->status == api::condition_status::kTrue &&
         stalled->reason == "ScaleRolledBack" && stalled->observedGeneration == generation;
}

ScalingPolicy scalingPolicyFrom(const api::MindSporeSpec& spec) {
  ScalingPolicy policy;
  if (!spec.scaling) return policy;
  if (spec.scaling->deadlineSeconds)
    policy.deadline = std::chrono::seconds(*spec.scaling->deadlineSeconds);
  const auto onStuck = spec.scaling->onStuck.value_or("Wait");
  policy.onStuck = onStuck == "Rollback"          ? StuckAction::Rollback
                   : onStuck == "RecreateServers" ? StuckAction::RecreateServers
                                                  : StuckAction::Wait;
  return policy;
}

std::int32_t desiredReplicas(const api::MindSporeSpec& spec) {
  if (spec.servers.replicas) return *spec.servers.replicas;
  if (spec.autoscaling && spec.autoscaling->minReplicas) return *spec.autoscaling->minReplicas;
  return 1;
}

void applyDecision(api::FLClusterStatus& status, const Decision& decision,
                   const std::optional<SchedulerView>& scheduler, std::int32_t existingPods,
                   std::int64_t generation, Clock::time_point now) {
  for (const auto& change : decision.conditions) {
    if (!change.status && abnormalTrue(change.type)) {
      api::remove_condition(status.conditions, change.type);
      continue;
    }
    api::Condition condition;
    condition.type = change.type;
    condition.status =
        std::string(change.status ? api::condition_status::kTrue : api::condition_status::kFalse);
    condition.reason = change.reason.empty() ? (change.status ? "True" : "False") : change.reason;
    condition.message = change.message;
    condition.observedGeneration = generation;
    api::set_condition(status.conditions, std::move(condition), now);
  }
  auto& ms = status.mindspore ? *status.mindspore : status.mindspore.emplace();
  ms.serverNum = decision.recordedServerNum;
  if (decision.operation) {
    ms.scale = api::ScaleOperation{decision.operation->fromReplicas, decision.operation->toReplicas,
                                   api::format_time(decision.operation->startTime)};
  } else {
    ms.scale.reset();
  }
  if (scheduler) {
    ms.clusterState = scheduler->rawState;
    ms.nodes.clear();
    for (const auto& node : scheduler->nodes) {
      if (node.role == "SCHEDULER") continue;
      api::ServerNode out{node.nodeId, std::nullopt, node.role, node.alive};
      if (node.rank && *node.rank >= 0 && *node.rank <= INT32_MAX)
        out.rankId = static_cast<std::int32_t>(*node.rank);
      ms.nodes.push_back(std::move(out));
    }
  }
  status.replicas = existingPods;
  status.readyReplicas = decision.readyReplicas;
  status.observedGeneration = generation;
}

void summarise(api::FLClusterStatus& status, std::int64_t generation, Clock::time_point now) {
  const auto& conditions = status.conditions;
  const bool stalled = api::is_condition_true(conditions, ct::kStalled);
  const bool reconciling = api::is_condition_true(conditions, ct::kReconciling);
  std::string notReady;
  for (const auto& c : conditions) {
    if (c.type == ct::kReady || abnormalTrue(c.type) || c.type == ct::kScaling) continue;
    if (c.status != api::condition_status::kTrue) {
      notReady = c.type + " is " + c.status + ": " + c.message;
      break;
    }
  }
  api::Condition ready;
  ready.type = std::string(ct::kReady);
  ready.observedGeneration = generation;
  if (stalled) {
    const auto* s = api::find_condition(conditions, ct::kStalled);
    ready.status = std::string(api::condition_status::kFalse);
    ready.reason = s->reason;
    ready.message = s->message;
    status.phase = "Degraded";
  } else if (reconciling || !notReady.empty()) {
    const auto* r = api::find_condition(conditions, ct::kReconciling);
    ready.status = std::string(api::condition_status::kFalse);
    ready.reason = r ? r->reason : "NotReady";
    ready.message = r ? r->message : notReady;
    status.phase = api::is_condition_true(conditions, ct::kScaling) ? "Scaling" : "Pending";
  } else {
    ready.status = std::string(api::condition_status::kTrue);
    ready.reason = "Ready";
    ready.message = "all components ready";
    status.phase = "Ready";
  }
  api::set_condition(status.conditions, std::move(ready), now);
}

}  // namespace flop::flcluster
