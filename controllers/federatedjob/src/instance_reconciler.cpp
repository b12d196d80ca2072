// The reconcile of a FederatedJob with spec.mindspore: the FLCluster's scheduler (state from the
// FLCluster's status, endpoint and token as the FLCluster controller uses them), then the
// decideInstance → perform → record loop of instance.hpp.
#include <spdlog/spdlog.h>

#include <cstdio>

#include "flop/federatedjob/controller.hpp"
#include "flop/federatedjob/instance.hpp"
#include "flop/flcluster/management.hpp"
#include "flop/kube/object.hpp"
#include "flop/kube/resource.hpp"
#include "round.hpp"

namespace flop::federatedjob {
namespace {

// "1.5" → true; flavours before 1.5 have no /newInstance, /queryInstance, /enableFLS, /disableFLS.
bool hasInstanceApi(const std::string& flavour) {
  int major = 0;
  int minor = 0;
  if (std::sscanf(flavour.c_str(), "%d.%d", &major, &minor) != 2) return false;
  return major > 1 || (major == 1 && minor >= 5);
}

bool needsScheduler(ActionKind kind) {
  return kind == ActionKind::NewInstance || kind == ActionKind::QueryInstance ||
         kind == ActionKind::DisableServers || kind == ActionKind::EnableServers;
}

}  // namespace

kube::Result FederatedJobReconciler::reconcileInstance(Round& round) {
  std::optional<Unavailability> problem;
  SchedulerView view;
  std::optional<flcluster::SchedulerClient> scheduler;
  const std::string& clusterName = round.job.spec.clusterRef.name;
  if (auto object = client_.tryGet(flClusterResource(), round.ns, clusterName); !object) {
    problem = Unavailability{"ClusterNotFound", "FLCluster " + clusterName + " not found"};
  } else {
    auto cluster = object->get<api::FLCluster>();
    const auto* ms = cluster.spec.mindspore ? &*cluster.spec.mindspore : nullptr;
    if (!ms) {
      problem = Unavailability{"ClusterHasNoMindSpore",
                               "FLCluster " + clusterName + " has no spec.mindspore"};
    } else if (!hasInstanceApi(ms->schedulerApi)) {
      problem = Unavailability{"UnsupportedSchedulerApi",
                               "FLCluster " + clusterName + " declares scheduler API \"" +
                                   ms->schedulerApi +
                                   "\"; MindSpore FL instances need the 1.5+ management API "
                                   "(/newInstance, /queryInstance, /enableFLS, /disableFLS)",
                               true};
    } else {
      const auto target = flcluster::managementTarget(cluster, options_.managementSidecarPort);
      flcluster::SchedulerEndpoint endpoint;
      endpoint.baseUrl = target.baseUrl;
      endpoint.timeout = options_.schedulerTimeout;
      if (target.tokenSecret) {
        auto secret = client_.tryGet(kube::resources::secrets, round.ns, *target.tokenSecret);
        if (secret) endpoint.bearerToken = flcluster::managementToken(*secret);
        if (!endpoint.bearerToken) {
          problem = Unavailability{"SchedulerTokenMissing",
                                   "Secret " + *target.tokenSecret +
                                       " has no token yet (the FLCluster controller creates it)"};
        }
      }
      if (!problem) scheduler.emplace(*schedulerTransport_, std::move(endpoint));
      const auto& reported = cluster.status.mindspore;
      view.state = reported && reported->clusterState ? *reported->clusterState : "not reported";
      view.ready = reported && reported->clusterState == "CLUSTER_READY";
    }
  }

  const bool wasFailed = failedTerminally(round.job.status);
  Action action;
  for (int step = 0; step < options_.maxStepsPerReconcile; ++step) {
    summarizeInstance(round.job, round.context, view, problem);
    action = decideInstance(round.job, round.context, view);
    if (action.kind == ActionKind::None) break;
    if (needsScheduler(action.kind) && (problem || !scheduler)) break;
    switch (action.kind) {
      case ActionKind::RemoveFinalizer:
        writeStatus(round);
        setFinalizer(round, false);
        if (round.job.metadata.deletionTimestamp) return kube::Result::done();
        continue;
      case ActionKind::DeleteObject:
        deleteExpired(round);
        return kube::Result::done();
      case ActionKind::RecordAttempt:
        recordInstanceAttempt(round.job, round.context.now);
        round.context.round.attemptRecorded = true;
        summarizeInstance(round.job, round.context, view);
        writeStatus(round);  // persisted before /newInstance
        continue;
      default:
        break;
    }
    try {
      auto result = performInstanceStep(action, round.job, scheduler ? &*scheduler : nullptr,
                                        round.context.round, round.context.now);
      if (result.event) {
        event(round, result.event->warning, result.event->reason, result.event->message);
        if (result.event->reason == "InstanceCreated") countOutcome("created");
        if (result.event->reason == "InstanceEstablished") countOutcome("succeeded");
      }
      if (result.problem) problem = result.problem;
    } catch (const http::TransportError& error) {
      problem = Unavailability{"SchedulerUnavailable", "scheduler management API did not answer: " +
                                                           std::string(error.what())};
    } catch (const flcluster::SchedulerProtocolError& error) {
      problem = Unavailability{"SchedulerProtocolError", error.what()};
    }
    if (action.kind != ActionKind::QueryInstance) {
      // The answer (or its absence) reaches status at once: never a second /newInstance.
      summarizeInstance(round.job, round.context, view, problem);
      writeStatus(round);
    }
  }
  summarizeInstance(round.job, round.context, view, problem);
  writeStatus(round);
  if (!wasFailed && failedTerminally(round.job.status)) countOutcome("failed");
  return finish(round, problem, action);
}

}  // namespace flop::federatedjob
