#pragma once
// The server scaling protocol as a pure function: (spec, observed pods, scheduler reply, now) ->
// the next action. No I/O here; the reconciler applies a Decision in this order:
//   1. StatefulSet replicas / server_num, 2. status (including `operation`), 3. the scheduler
//   call, 4. pod deletions.
// Writing the operation to status before the call is what makes a restart safe: on the next
// run the operation is read back and the scheduler's own state tells whether the call happened,
// so it is never sent twice (see shared/reference/mindspore-fl-scheduler.md §7-§8).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "flop/flcluster/scheduler_client.hpp"

namespace flop::flcluster {

using Clock = std::chrono::system_clock;

enum class StuckAction { Wait, Rollback, RecreateServers };

struct ScalingPolicy {
  std::chrono::seconds deadline{600};
  StuckAction onStuck = StuckAction::Wait;
};

// The scale in flight, as persisted in status.mindspore.scale.
struct ScaleRecord {
  std::int32_t fromReplicas = 0;
  std::int32_t toReplicas = 0;
  Clock::time_point startTime;
  bool operator==(const ScaleRecord&) const = default;
};

struct ServerPod {
  std::string name;  // <set>-<ordinal>; also its MS_NODE_ID
  std::int32_t ordinal = 0;
  bool running = false;  // phase Running
  bool ready = false;    // Ready condition (TCP probe on the fl server port)
  bool terminating = false;
  Clock::time_point created;
  std::optional<bool> registeredGate;  // its federatedlearning.dev/registered condition, if set
};

struct SchedulerView {
  ClusterState state = ClusterState::Unknown;
  std::string rawState;
  std::vector<SchedulerNode> nodes;  // as /nodes lists them (every role)
};

struct ScalingInput {
  std::string serverSetName;
  std::int32_t desiredReplicas = 1;               // spec.mindspore.servers.replicas
  std::optional<std::int32_t> recordedServerNum;  // status.mindspore.serverNum
  std::optional<ScaleRecord> operation;           // status.mindspore.scale
  std::optional<std::int32_t> setReplicas;        // server StatefulSet spec.replicas, if it exists
  std::vector<ServerPod> pods;                    // server pods of this cluster
  std::optional<SchedulerView> scheduler;         // nullopt: unreachable
  std::string schedulerError;                     // why, when unreachable
  // When SchedulerReachable turned False (before this pass); nullopt while reachable.
  std::optional<Clock::time_point> schedulerDownSince;
  std::chrono::seconds peerStallAfter{300};       // unreachable this long: Stalled
  std::optional<std::string> lastRankZeroNodeId;  // from status.mindspore.nodes
  ScalingPolicy policy;
  bool rollbackAvailable = false;  // the scheduler has /scaleoutRollback (later sources only)
  bool singleServerOnly = false;   // encrypt_type PW_ENCRYPT
  bool retryBlocked = false;       // this generation's target was already rolled back
  Clock::time_point now;
};

enum class SchedulerCall { None, ScaleOut, ScaleIn, ScaleOutRollback };

struct ConditionChange {
  std::string type;  // Scaling, Stalled, Reconciling, SchedulerReady, SchedulerReachable
  bool status = false;
  std::string reason;
  std::string message;
};

struct EventNote {
  bool warning = false;
  std::string reason;
  std::string message;
};

struct Decision {
  std::int32_t setReplicas = 0;                   // server StatefulSet spec.replicas
  std::int32_t serverNum = 0;                     // MS_SERVER_NUM for pods (re)started from now on
  std::optional<ScaleRecord> operation;           // status.mindspore.scale after this step
  std::optional<std::int32_t> recordedServerNum;  // status.mindspore.serverNum after this step
  SchedulerCall call = SchedulerCall::None;
  std::int32_t scaleOutIncrement = 0;
  std::vector<std::string> scaleInNodeIds;
  std::vector<std::string> podsToDelete;
  std::int32_t readyReplicas = 0;  // pods ready and registered alive with the scheduler
  bool scaleRolledBack = false;    // block retries of this target until the spec changes
  std::vector<ConditionChange> conditions;
  std::vector<EventNote> events;
  std::optional<std::chrono::milliseconds> requeueAfter;
};

Decision decideScaling(const ScalingInput& input);

// What the reconciler does with the scheduler's answer to `decision.call`: a rejected call was
// not applied, so the operation is dropped (the condition quotes the scheduler verbatim) and the
// next run starts over from what it observes.
void applyCallOutcome(Decision& decision, const CallOutcome& outcome);

// "<set>-<ordinal>": the pod name and MS_NODE_ID of a server.
std::string serverPodName(const std::string& setName, std::int32_t ordinal);

}  // namespace flop::flcluster
