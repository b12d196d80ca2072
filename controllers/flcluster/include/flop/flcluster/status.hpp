#pragma once
// Translation between the Kubernetes/API world and the pure scaling protocol: observed pods and
// persisted status in, an updated FLClusterStatus out. Pure, so it is unit-tested.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flop/api/flcluster.hpp"
#include "flop/flcluster/scaling.hpp"

namespace flop::flcluster {

// A server pod as the protocol sees it; nullopt when the name is not <setName>-<ordinal>.
std::optional<ServerPod> serverPodFrom(const nlohmann::json& pod, const std::string& setName);

// Server pods whose readiness gate (kRegisteredGate) must change, with the value it must get:
// True while /nodes lists the pod's MS_NODE_ID as an alive server. Only from a settled view
// (READY, STARTING, NODE_TIMEOUT): while a scale is in flight /nodes is partial (1.6+), and an
// unreachable scheduler says nothing, so the gates keep their last value.
struct GateChange {
  std::string pod;
  bool registered = false;
  bool operator==(const GateChange&) const = default;
};
// Pods at ordinal `setReplicas` or above are being scaled in and are left alone too.
std::vector<GateChange> registrationGateChanges(const std::vector<ServerPod>& pods,
                                                const std::optional<SchedulerView>& scheduler,
                                                std::int32_t setReplicas);

std::optional<ScaleRecord> scaleRecordFrom(const api::FLClusterStatus& status);
std::optional<std::string> rankZeroNodeFrom(const api::FLClusterStatus& status);
// True when this generation's target was rolled back already (Stalled/ScaleRolledBack).
bool retryBlocked(const api::FLClusterStatus& status, std::int64_t generation);

ScalingPolicy scalingPolicyFrom(const api::MindSporeSpec& spec);
std::int32_t desiredReplicas(const api::MindSporeSpec& spec);

// Writes the decision into `status`: conditions (kstatus: Stalled/Reconciling removed when
// false), the scale in flight, server_num, the scheduler's view, replicas and the phase.
void applyDecision(api::FLClusterStatus& status, const Decision& decision,
                   const std::optional<SchedulerView>& scheduler, std::int32_t existingPods,
                   std::int64_t generation, Clock::time_point now);

// Ready summarises everything; called after every other condition is set.
void summarise(api::FLClusterStatus& status, std::int64_t generation, Clock::time_point now);

}  // namespace flop::flcluster
