// The FLCluster reconciler's outputs besides children and status: Events, metrics, and the server
// pods' readiness gates.
#include "flop/api/conditions.hpp"
#include "flop/flcluster/children.hpp"
#include "flop/flcluster/controller.hpp"
#include "flop/kube/api_error.hpp"
#include "reconciler_pass.hpp"

namespace flop::flcluster {

using kube::Json;

// The kubelet turns a server pod Ready only once its readiness gate is True as well.
void Reconciler::updateRegistrationGates(const Pass& pass) {
  const auto now = api::format_time(pass.now);
  for (const auto& change : pass.gates) {
    Json condition{
        {"type", kRegisteredGate},
        {"status", change.registered ? "True" : "False"},
        {"reason", change.registered ? "Registered" : "NotRegistered"},
        {"message", change.registered ? "the FL scheduler lists this server as alive"
                                      : "the FL scheduler does not list this server as alive"},
        {"lastTransitionTime", now}};
    try {
      client_.patch(kube::resources::pods, pass.cluster.metadata.namespace_, change.pod,
                    kube::PatchType::StrategicMergePatch,
                    Json{{"status", {{"conditions", Json::array({condition})}}}}, "status");
    } catch (const kube::ApiError& e) {
      if (!kube::isNotFound(e)) throw;  // gone meanwhile: nothing to gate
    }
  }
}

void Reconciler::forget(const kube::Request& request) {
  if (options_.metrics) options_.metrics->forget(request.namespace_, request.name);
  {
    std::lock_guard lock(probesMutex_);
    nextProbes_.erase(request.key());
  }
  std::lock_guard lock(versionsMutex_);
  knownVersions_.erase(request.key());
}

void Reconciler::recordServers(const Pass& pass, const ScalingInput& input) {
  if (!options_.metrics) return;
  const auto& ns = pass.cluster.metadata.namespace_;
  const auto& name = pass.cluster.metadata.name;
  ServerCounts counts;
  counts.desired = input.desiredReplicas;
  counts.ready = pass.status.readyReplicas.value_or(0);
  if (pass.status.mindspore)  // the scheduler's last answer, as status shows it
    for (const auto& node : pass.status.mindspore->nodes)
      if (node.role.value_or("SERVER") == "SERVER" && node.alive.value_or(true))
        ++counts.registered;
  options_.metrics->servers(ns, name, counts);
  options_.metrics->schedulerState(
      ns, name, input.scheduler ? std::optional(input.scheduler->state) : std::nullopt);
}

void Reconciler::recordScaleResults(const Pass& pass, const Decision& decision) {
  if (!options_.metrics) return;
  for (const auto& result :
       scaleResults(decision, pass.recordedScale, pass.stalledReason, pass.now))
    options_.metrics->scale(pass.cluster.metadata.namespace_, pass.cluster.metadata.name, result);
}

void Reconciler::report(Pass& pass, const Decision& decision) {
  recordScaleResults(pass, decision);
  for (const auto& note : decision.events) {
    if (note.warning) {
      events_.warning(pass.object, note.reason, note.message);
    } else {
      events_.normal(pass.object, note.reason, note.message);
    }
  }
}

}  // namespace flop::flcluster
