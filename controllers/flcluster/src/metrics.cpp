#include "flop/flcluster/metrics.hpp"

#include <array>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace flop::flcluster {
namespace {

constexpr std::array kStates{ClusterState::Starting,
                             ClusterState::Ready,
                             ClusterState::Exit,
                             ClusterState::NodeTimeout,
                             ClusterState::ScaleOut,
                             ClusterState::ScaleIn,
                             ClusterState::NewInstance,
                             ClusterState::EnableFls,
                             ClusterState::DisableFls,
                             ClusterState::SchedulerRecovery,
                             ClusterState::ScaleOutRollback,
                             ClusterState::Busy,
                             ClusterState::Unknown};

const char* directionOf(SchedulerCall call) {
  return call == SchedulerCall::ScaleIn ? "in" : "out";
}

bool hasEvent(const Decision& decision, std::string_view reason) {
  for (const auto& e : decision.events)
    if (e.reason == reason) return true;
  return false;
}

const ConditionChange* lastChange(const Decision& decision, std::string_view type) {
  const ConditionChange* found = nullptr;
  for (const auto& c : decision.conditions)
    if (c.type == type) found = &c;
  return found;
}

}  // namespace

std::string schedulerStateLabel(std::optional<ClusterState> state) {
  if (!state) return "UNREACHABLE";
  switch (*state) {
    case ClusterState::Starting:
      return "CLUSTER_STARTING";
    case ClusterState::Ready:
      return "CLUSTER_READY";
    case ClusterState::Exit:
      return "CLUSTER_EXIT";
    case ClusterState::NodeTimeout:
      return "NODE_TIMEOUT";
    case ClusterState::ScaleOut:
      return "CLUSTER_SCALE_OUT";
    case ClusterState::ScaleIn:
      return "CLUSTER_SCALE_IN";
    case ClusterState::NewInstance:
      return "CLUSTER_NEW_INSTANCE";
    case ClusterState::EnableFls:
      return "CLUSTER_ENABLE_FLS";
    case ClusterState::DisableFls:
      return "CLUSTER_DISABLE_FLS";
    case ClusterState::SchedulerRecovery:
      return "CLUSTER_SCHEDULER_RECOVERY";
    case ClusterState::ScaleOutRollback:
      return "CLUSTER_SCALE_OUT_ROLLBACK";
    case ClusterState::Busy:
      return "BUSY";
    case ClusterState::Unknown:
      break;
  }
  return "UNKNOWN";
}

std::vector<ScaleResult> scaleResults(const Decision& decision,
                                      const std::optional<ScaleRecord>& recorded,
                                      const std::string& previousStalledReason,
                                      Clock::time_point now) {
  std::vector<ScaleResult> out;
  std::optional<std::chrono::duration<double>> took;
  if (recorded) took = now - recorded->startTime;
  if (hasEvent(decision, "ScaleOutCompleted")) out.push_back({"out", "succeeded", took});
  if (hasEvent(decision, "ScaleInCompleted")) out.push_back({"in", "succeeded", took});
  if (hasEvent(decision, "ScaleRolledBack")) out.push_back({"out", "failed", took});
  if (hasEvent(decision, "ScaleRejected"))  // the call this pass made was not applied
    out.push_back({directionOf(decision.call), "failed", std::nullopt});
  if (const auto* stalled = lastChange(decision, "Stalled");
      stalled && stalled->status && stalled->reason != previousStalledReason) {
    if (stalled->reason == "ScaleInRefused") out.push_back({"in", "refused", std::nullopt});
    if (stalled->reason == "SingleServerOnly") out.push_back({"out", "refused", std::nullopt});
  }
  return out;
}

ClusterMetrics::ClusterMetrics(prometheus::Registry& registry)
    : servers_(prometheus::BuildGauge()
                   .Name("fl_cluster_servers")
                   .Help("MindSpore FL servers of an FLCluster: desired (spec), registered (alive "
                         "in the scheduler's /nodes), ready (pods Ready and registered)")
                   .Register(registry)),
      state_(prometheus::BuildGauge()
                 .Name("fl_cluster_scheduler_state")
                 .Help("The FL scheduler's cluster state, one-hot (1 for the current state; "
                       "UNREACHABLE when its management API does not answer)")
                 .Register(registry)),
      scales_(prometheus::BuildCounter()
                  .Name("fl_cluster_scale_operations_total")
                  .Help("FLCluster scale operations by direction and result (succeeded, failed: "
                        "rejected by the scheduler or rolled back, refused: not started)")
                  .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("fl_cluster_scale_duration_seconds")
                    .Help("Duration of FLCluster scale operations, from the recorded start to "
                          "completion or rollback")
                    .Register(registry)) {}

void ClusterMetrics::servers(const std::string& ns, const std::string& name,
                             const ServerCounts& counts) {
  std::lock_guard lock(mutex_);
  auto& series = series_[{ns, name}].servers;
  for (const auto& [state, value] :
       {std::pair{"desired", counts.desired}, std::pair{"registered", counts.registered},
        std::pair{"ready", counts.ready}}) {
    auto& gauge = series[state];
    if (!gauge) gauge = &servers_.Add({{"namespace", ns}, {"name", name}, {"state", state}});
    gauge->Set(value);
  }
}

void ClusterMetrics::schedulerState(const std::string& ns, const std::string& name,
                                    std::optional<ClusterState> state) {
  std::lock_guard lock(mutex_);
  auto& series = series_[{ns, name}].states;
  if (series.empty()) {
    std::vector<std::string> labels{schedulerStateLabel(std::nullopt)};
    for (auto s : kStates) labels.push_back(schedulerStateLabel(s));
    for (const auto& label : labels)
      series[label] = &state_.Add({{"namespace", ns}, {"name", name}, {"state", label}});
  }
  const auto current = schedulerStateLabel(state);
  for (auto& [label, gauge] : series) gauge->Set(label == current ? 1 : 0);
}

void ClusterMetrics::scale(const std::string& ns, const std::string& name,
                           const ScaleResult& result) {
  std::lock_guard lock(mutex_);
  auto& counter = series_[{ns, name}].scales[result.direction + "/" + result.result];
  if (!counter)
    counter = &scales_.Add({{"namespace", ns},
                            {"name", name},
                            {"direction", result.direction},
                            {"result", result.result}});
  counter->Increment();
  if (result.duration) {
    static const prometheus::Histogram::BucketBoundaries kBuckets{1,  2,   5,   10,  20,   30,
                                                                  60, 120, 300, 600, 1800, 3600};
    duration_.Add({{"direction", result.direction}, {"result", result.result}}, kBuckets)
        .Observe(result.duration->count());
  }
}

void ClusterMetrics::forget(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = series_.find({ns, name});
  if (it == series_.end()) return;
  for (auto& [_, gauge] : it->second.servers) servers_.Remove(gauge);
  for (auto& [_, gauge] : it->second.states) state_.Remove(gauge);
  for (auto& [_, counter] : it->second.scales) scales_.Remove(counter);
  series_.erase(it);
}

}  // namespace flop::flcluster
