#include "flop/flcluster/scaling.hpp"

#include <algorithm>
#include <set>

#include "flop/flcluster/peer_health.hpp"

namespace flop::flcluster {
namespace {

using std::chrono::seconds;

constexpr seconds kPollWhileBusy{5};
// A scale in flight is watched closely: READY is only seen by asking the scheduler (a pass
// costs one StatefulSet GET besides the two scheduler calls).
constexpr std::chrono::milliseconds kPollWhileScaling{200};
constexpr seconds kPollWhenIdle{30};
constexpr seconds kRetryAfterRejection{15};

std::vector<const SchedulerNode*> serversOf(const SchedulerView& view) {
  std::vector<const SchedulerNode*> servers;
  for (const auto& node : view.nodes)
    if (node.role == "SERVER" && node.alive.value_or(true)) servers.push_back(&node);
  return servers;
}

const SchedulerNode* findNode(const SchedulerView& view, const std::string& nodeId) {
  for (const auto& node : view.nodes)
    if (node.role == "SERVER" && node.nodeId == nodeId) return &node;
  return nullptr;
}

const ServerPod* findPod(const ScalingInput& in, const std::string& name) {
  for (const auto& pod : in.pods)
    if (pod.name == name) return &pod;
  return nullptr;
}

std::string stateName(const SchedulerView& view) {
  return view.rawState.empty() ? std::string("\"\" (busy)") : view.rawState;
}

// Highest ordinals first: the pods a StatefulSet removes when it shrinks from `from` to `to`.
std::vector<std::string> victimsOf(const std::string& set, std::int32_t from, std::int32_t to) {
  std::vector<std::string> names;
  for (auto ordinal = from - 1; ordinal >= to; --ordinal)
    names.push_back(serverPodName(set, ordinal));
  return names;
}

class Planner {
 public:
  explicit Planner(const ScalingInput& in) : in_(in) {}

  Decision run() {
    const auto serverNum = in_.recordedServerNum.value_or(in_.desiredReplicas);
    d_.serverNum = serverNum;
    d_.setReplicas = in_.setReplicas.value_or(serverNum);
    d_.operation = in_.operation;
    d_.recordedServerNum = in_.recordedServerNum;
    if (!in_.scheduler) return unreachable();
    set("SchedulerReachable", true, "Reachable", "the scheduler's management API answers");
    if (in_.schedulerDownSince) {  // back: what the outage set goes unless decided again below
      set("Reconciling", false, "", "");
      if (!in_.retryBlocked) notStalled();
    }
    const auto& view = *in_.scheduler;
    countReady(view);
    const bool ready = view.state == ClusterState::Ready;
    set("SchedulerReady", ready, ready ? "ClusterReady" : "ClusterNotReady",
        "scheduler state " + stateName(view));
    if (!in_.recordedServerNum) return forming(view);
    if (serverZeroLost(view)) return d_;
    if (in_.operation) return continueOperation(view, *in_.operation);
    return idle(view, *in_.recordedServerNum);
  }

 private:
  void set(std::string type, bool status, std::string reason, std::string message) {
    d_.conditions.push_back({std::move(type), status, std::move(reason), std::move(message)});
  }
  void event(bool warning, std::string reason, std::string message) {
    d_.events.push_back({warning, std::move(reason), std::move(message)});
  }
  void notStalled() { set("Stalled", false, "", ""); }
  void reconciling(std::string reason, std::string message) {
    set("Reconciling", true, std::move(reason), std::move(message));
    d_.requeueAfter = kPollWhileBusy;
  }

  // Retried with backoff; Stalled once it has been down for peerStallAfter. A scale in flight
  // keeps its record (the scheduler's state tells later whether the call happened).
  Decision unreachable() {
    const auto error = "scheduler management API unreachable: " +
                       (in_.schedulerError.empty() ? std::string("no answer") : in_.schedulerError);
    const auto verdict = judgeUnreachable(in_.schedulerDownSince, in_.now, in_.peerStallAfter);
    set("SchedulerReachable", false, "SchedulerUnreachable", error);
    set("SchedulerReady", false, "SchedulerUnreachable", error);
    if (in_.operation) checkDeadline(error);
    if (verdict.stalled) {
      if (!in_.retryBlocked)  // keep the rollback marker: it blocks retrying the same target
        set("Stalled", true, "SchedulerUnreachable",
            error + "; down for " + std::to_string(in_.peerStallAfter.count()) + "s or more");
      set("Reconciling", false, "", "");
    } else {
      set("Reconciling", true, "SchedulerUnreachable",
          error + "; retrying with backoff, Stalled after " +
              std::to_string(in_.peerStallAfter.count()) + "s");
    }
    d_.requeueAfter = verdict.retryAfter;
    return d_;
  }

  void countReady(const SchedulerView& view) {
    for (const auto& pod : in_.pods) {
      const auto* node = findNode(view, pod.name);
      if (pod.ready && !pod.terminating && node && node->alive.value_or(true)) ++d_.readyReplicas;
    }
  }

  Decision forming(const SchedulerView& view) {
    const auto want = in_.desiredReplicas;
    d_.setReplicas = d_.serverNum = want;
    const auto registered = static_cast<std::int32_t>(serversOf(view).size());
    if (view.state == ClusterState::Ready && registered == want) {
      d_.recordedServerNum = want;
      set("Scaling", false, "Idle", "cluster formed with " + std::to_string(want) + " servers");
      set("Reconciling", false, "", "");
      notStalled();
      event(false, "ClusterFormed", "scheduler READY with " + std::to_string(want) + " servers");
      d_.requeueAfter = kPollWhenIdle;
      return d_;
    }
    reconciling("Forming", "waiting for " + std::to_string(want) +
                               " servers to register; scheduler state " + stateName(view));
    return d_;
  }

  // Server 0 can be neither removed nor recovered: the cluster must be rebuilt.
  bool serverZeroLost(const SchedulerView& view) {
    if (view.state != ClusterState::NodeTimeout) return false;
    std::optional<std::string> rankZero = in_.lastRankZeroNodeId;
    bool deadInScheduler = false;
    for (const auto& node : view.nodes) {
      if (node.role != "SERVER" || node.rank != 0) continue;
      rankZero = node.nodeId;
      deadInScheduler = node.alive == false;
    }
    if (!rankZero) return false;
    const auto* pod = findPod(in_, *rankZero);
    const bool podGone = !pod || !pod->running || pod->terminating;
    if (!deadInScheduler && !podGone) return false;
    const auto message = "server 0 (" + *rankZero +
                         ") was lost; MindSpore cannot recover server 0, so the FL cluster must be "
                         "rebuilt (delete and recreate the FLCluster)";
    set("Stalled", true, "ServerZeroLost", message);
    set("Reconciling", false, "", "");
    event(true, "ServerZeroLost", message);
    d_.requeueAfter = kPollWhenIdle;
    return true;
  }

  Decision idle(const SchedulerView& view, std::int32_t current) {
    d_.setReplicas = d_.serverNum = current;
    const auto want = in_.desiredReplicas;
    if (view.state != ClusterState::Ready) {
      reconciling(view.state == ClusterState::NodeTimeout ? "NodeTimeout" : "SchedulerBusy",
                  "scheduler state " + stateName(view) + "; scaling waits for CLUSTER_READY");
      return d_;
    }
    if (want == current) {
      set("Scaling", false, "Idle", std::to_string(current) + " servers");
      set("Reconciling", false, "", "");
      if (!in_.retryBlocked) notStalled();
      d_.requeueAfter = kPollWhenIdle;
      return d_;
    }
    if (in_.retryBlocked) {
      set("Scaling", false, "ScaleRolledBack",
          "the scale to " + std::to_string(want) + " was rolled back; change the spec to retry");
      return d_;
    }
    if (in_.singleServerOnly && want > 1) {
      set("Stalled", true, "SingleServerOnly",
          "encrypt_type PW_ENCRYPT supports exactly one server");
      set("Scaling", false, "SingleServerOnly", "scaling refused");
      return d_;
    }
    for (const auto& pod : in_.pods) {
      if (pod.ordinal >= current) {
        // Leftover scaled-in processes count as connections and block the next scale.
        reconciling("WaitingForScaledInPods", "waiting for pod " + pod.name + " to exit");
        return d_;
      }
    }
    return want > current ? startScaleOut(current, want) : startScaleIn(view, current, want);
  }

  Decision startScaleOut(std::int32_t from, std::int32_t to) {
    d_.operation = ScaleRecord{from, to, in_.now};
    callScaleOut(from, to);
    return d_;
  }

  void callScaleOut(std::int32_t from, std::int32_t to) {
    d_.call = SchedulerCall::ScaleOut;
    d_.scaleOutIncrement = to - from;
    const auto message = "scale-out " + std::to_string(from) + "->" + std::to_string(to) +
                         ": POST /scaleout server_num=" + std::to_string(to - from);
    set("Scaling", true, "ScalingOut", message);
    set("Reconciling", true, "ScalingOut", message);
    notStalled();
    event(false, "ScaleOutRequested", message);
    d_.requeueAfter = kPollWhileBusy;
  }

  // A refusal explains itself instead of breaking the cluster; nothing is recorded or called.
  std::optional<std::string> scaleInRefusal(const SchedulerView& view, std::int32_t from,
                                            std::int32_t to) {
    for (auto ordinal = from - 1; ordinal >= to; --ordinal) {
      const auto victim = serverPodName(in_.serverSetName, ordinal);
      const auto* node = findNode(view, victim);
      if (!node)
        return "server " + victim +
               " is not registered with the scheduler, so it cannot be scaled in";
      if (node->rank == 0)
        return "server " + victim +
               " holds rank 0 (it registered first) and MindSpore never removes server 0; keep at "
               "least " +
               std::to_string(ordinal + 1) + " servers or rebuild the cluster";
    }
    return std::nullopt;
  }

  Decision startScaleIn(const SchedulerView& view, std::int32_t from, std::int32_t to) {
    const auto victims = victimsOf(in_.serverSetName, from, to);
    if (auto refusal = scaleInRefusal(view, from, to)) {
      const auto message =
          "scale-in " + std::to_string(from) + "->" + std::to_string(to) + " refused: " + *refusal;
      set("Stalled", true, "ScaleInRefused", message);
      set("Scaling", false, "ScaleInRefused", message);
      set("Reconciling", false, "", "");
      event(true, "ScaleInRefused", message);
      d_.requeueAfter = kPollWhenIdle;
      return d_;
    }
    d_.operation = ScaleRecord{from, to, in_.now};
    callScaleIn(from, to, victims);
    return d_;
  }

  void callScaleIn(std::int32_t from, std::int32_t to, std::vector<std::string> victims) {
    d_.call = SchedulerCall::ScaleIn;
    std::string list;
    for (const auto& v : victims) list += (list.empty() ? "" : ",") + v;
    d_.scaleInNodeIds = std::move(victims);
    const auto message = "scale-in " + std::to_string(from) + "->" + std::to_string(to) +
                         ": POST /scalein node_ids=[" + list + "]";
    set("Scaling", true, "ScalingIn", message);
    set("Reconciling", true, "ScalingIn", message);
    notStalled();
    event(false, "ScaleInRequested", message);
    d_.requeueAfter = kPollWhileBusy;
  }

  Decision continueOperation(const SchedulerView& view, const ScaleRecord& op) {
    return op.toReplicas > op.fromReplicas ? continueScaleOut(view, op) : continueScaleIn(view, op);
  }

  Decision continueScaleOut(const SchedulerView& view, const ScaleRecord& op) {
    const auto from = op.fromReplicas, to = op.toReplicas;
    const auto registered = static_cast<std::int32_t>(serversOf(view).size());
    const auto setAt = in_.setReplicas.value_or(from);
    const bool ready = view.state == ClusterState::Ready;
    if (ready && registered == from && setAt <= from) {
      // Recorded but the call never reached the scheduler (it would have left READY first).
      d_.setReplicas = d_.serverNum = from;
      d_.operation = ScaleRecord{from, to, in_.now};
      callScaleOut(from, to);
      return d_;
    }
    if (ready && registered == from) return finishRollback(op);
    if (ready && registered == to) return complete(op, "ScaleOutCompleted");
    if (view.state == ClusterState::ScaleOutRollback) {
      d_.setReplicas = std::max(setAt, from);
      reconciling("RollingBack", "scheduler is rolling back the scale-out " + std::to_string(from) +
                                     "->" + std::to_string(to));
      d_.requeueAfter = kPollWhileScaling;
      return d_;
    }
    // The scheduler accepted the call: only now may the new servers start, with server_num = to.
    d_.setReplicas = d_.serverNum = to;
    const auto progress = "scale-out " + std::to_string(from) + "->" + std::to_string(to) +
                          ": scheduler state " + stateName(view) + ", " +
                          std::to_string(registered) + " servers registered";
    set("Scaling", true, "ScalingOut", progress);
    reconciling("ScalingOut", progress);
    d_.requeueAfter = kPollWhileScaling;
    if (ready) {
      set("Stalled", true, "UnexpectedServerCount", progress + ", expected " + std::to_string(to));
      return d_;
    }
    onDeadline(view, op, progress);
    return d_;
  }

  Decision continueScaleIn(const SchedulerView& view, const ScaleRecord& op) {
    const auto from = op.fromReplicas, to = op.toReplicas;
    const auto victims = victimsOf(in_.serverSetName, from, to);
    const auto registered = static_cast<std::int32_t>(serversOf(view).size());
    const bool ready = view.state == ClusterState::Ready;
    const bool victimsKnown = std::all_of(victims.begin(), victims.end(), [&](const auto& v) {
      return findNode(view, v) != nullptr;
    });
    const bool victimsGone = std::none_of(victims.begin(), victims.end(), [&](const auto& v) {
      return findNode(view, v) != nullptr;
    });
    if (ready && registered == from && victimsKnown) {
      d_.setReplicas = from;
      if (auto refusal = scaleInRefusal(view, from, to)) {
        d_.operation.reset();
        set("Stalled", true, "ScaleInRefused", *refusal);
        set("Scaling", false, "ScaleInRefused", *refusal);
        return d_;
      }
      d_.operation = ScaleRecord{from, to, in_.now};
      callScaleIn(from, to, victims);
      return d_;
    }
    if (ready && registered == to && victimsGone) {
      // Only after READY are the victims deleted (their processes wait for SIGTERM).
      d_.setReplicas = d_.serverNum = to;
      for (const auto& pod : in_.pods) {
        if (pod.ordinal >= to) {
          reconciling("ScalingIn", "scheduler READY with " + std::to_string(to) +
                                       " servers; waiting for scaled-in pod " + pod.name +
                                       " to exit");
          d_.requeueAfter = kPollWhileScaling;
          set("Scaling", true, "ScalingIn", "deleting scaled-in pods");
          return d_;
        }
      }
      return complete(op, "ScaleInCompleted");
    }
    // In flight: the victims keep running until the scheduler is READY again.
    d_.setReplicas = from;
    d_.serverNum = to;
    const auto progress = "scale-in " + std::to_string(from) + "->" + std::to_string(to) +
                          ": scheduler state " + stateName(view);
    set("Scaling", true, "ScalingIn", progress);
    reconciling("ScalingIn", progress);
    d_.requeueAfter = kPollWhileScaling;
    if (ready) {
      set("Stalled", true, "UnexpectedServerCount",
          progress + ", " + std::to_string(registered) + " servers registered");
      return d_;
    }
    onDeadline(view, op, progress);
    return d_;
  }

  Decision complete(const ScaleRecord& op, const std::string& reason) {
    d_.setReplicas = d_.serverNum = op.toReplicas;
    d_.recordedServerNum = op.toReplicas;
    d_.operation.reset();
    const auto message = std::to_string(op.fromReplicas) + "->" + std::to_string(op.toReplicas) +
                         " complete; server_num " + std::to_string(op.toReplicas) + " recorded";
    set("Scaling", false, reason, message);
    set("Reconciling", false, "", "");
    notStalled();
    event(false, reason, message);
    d_.requeueAfter = std::chrono::seconds(0);  // look again at once: the spec may want more
    return d_;
  }

  Decision finishRollback(const ScaleRecord& op) {
    d_.setReplicas = d_.serverNum = op.fromReplicas;
    d_.recordedServerNum = op.fromReplicas;
    d_.operation.reset();
    d_.scaleRolledBack = true;
    const auto message = "scale-out " + std::to_string(op.fromReplicas) + "->" +
                         std::to_string(op.toReplicas) + " rolled back after its deadline; " +
                         std::to_string(op.fromReplicas) + " servers kept";
    set("Stalled", true, "ScaleRolledBack", message);
    set("Scaling", false, "ScaleRolledBack", message);
    set("Reconciling", false, "", "");
    event(true, "ScaleRolledBack", message);
    d_.requeueAfter = kPollWhenIdle;
    return d_;
  }

  bool checkDeadline(const std::string& progress) {
    const auto deadline = in_.operation->startTime + in_.policy.deadline;
    if (in_.now < deadline) {
      d_.requeueAfter = std::min<std::chrono::milliseconds>(
          kPollWhileScaling, std::chrono::ceil<std::chrono::milliseconds>(deadline - in_.now));
      return false;
    }
    set("Stalled", true, "ScaleDeadlineExceeded",
        progress + "; not complete " + std::to_string(in_.policy.deadline.count()) +
            "s after it started");
    return true;
  }

  void onDeadline(const SchedulerView& view, const ScaleRecord& op, const std::string& progress) {
    if (!checkDeadline(progress)) return;
    auto action = in_.policy.onStuck;
    const bool inScaleOut = view.state == ClusterState::ScaleOut && op.toReplicas > op.fromReplicas;
    if (action == StuckAction::Rollback && !(in_.rollbackAvailable && inScaleOut))
      action = StuckAction::RecreateServers;  // no /scaleoutRollback here: restore the pod set
    std::string what = "waiting (onStuck Wait)";
    if (action == StuckAction::Rollback) {
      d_.call = SchedulerCall::ScaleOutRollback;
      what = "POST /scaleoutRollback";
    } else if (action == StuckAction::RecreateServers) {
      recreateStuckServers(op);
      what = d_.podsToDelete.empty()
                 ? "no server pod to recreate; waiting"
                 : "recreating " + std::to_string(d_.podsToDelete.size()) + " server pod(s)";
    }
    d_.conditions.back().message += "; " + what;
    event(true, "ScaleDeadlineExceeded", d_.conditions.back().message);
  }

  // Pods the scheduler expects that are not serving; each is deleted at most once per scale
  // (its replacement is created after the deadline).
  void recreateStuckServers(const ScaleRecord& op) {
    const auto expected =
        op.toReplicas;  // new servers after a scale-out, survivors after a scale-in
    const auto deadline = op.startTime + in_.policy.deadline;
    for (const auto& pod : in_.pods) {
      if (pod.ordinal < expected && !pod.terminating && !(pod.running && pod.ready) &&
          pod.created < deadline)
        d_.podsToDelete.push_back(pod.name);
    }
  }

  const ScalingInput& in_;
  Decision d_;
};

}  // namespace

std::string serverPodName(const std::string& setName, std::int32_t ordinal) {
  return setName + "-" + std::to_string(ordinal);
}

Decision decideScaling(const ScalingInput& input) { return Planner(input).run(); }

void applyCallOutcome(Decision& decision, const CallOutcome& outcome) {
  if (decision.call == SchedulerCall::None) return;
  if (outcome.accepted) return;
  const bool rollback = decision.call == SchedulerCall::ScaleOutRollback;
  const auto message = "scheduler rejected the call (HTTP " + std::to_string(outcome.httpStatus) +
                       "): " + outcome.message;
  if (!rollback) {
    decision.operation.reset();  // not applied: nothing to resume
    decision.conditions.push_back({"Scaling", false, "ScaleRejected", message});
    decision.conditions.push_back({"Reconciling", true, "ScaleRejected", message});
  } else {
    decision.conditions.push_back({"Stalled", true, "RollbackRejected", message});
  }
  decision.events.push_back({true, rollback ? "RollbackRejected" : "ScaleRejected", message});
  decision.requeueAfter = kRetryAfterRejection;
}

}  // namespace flop::flcluster
