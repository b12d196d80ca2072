#include <spdlog/spdlog.h>

#include <algorithm>

#include "flop/federatedjob/controller.hpp"
#include "flop/federatedjob/fate_state.hpp"
#include "flop/federatedjob/fate_steps.hpp"
#include "flop/federatedjob/summary.hpp"
#include "flop/flcluster/fate_auth_secret.hpp"
#include "flop/http/cpprest_transport.hpp"
#include "flop/kube/api_error.hpp"
#include "flop/kube/resource.hpp"
#include "round.hpp"

namespace flop::federatedjob {

const kube::ResourceRef& federatedJobResource() {
  static const kube::ResourceRef resource{"federatedlearning.dev", "v1alpha1", "federatedjobs",
                                          "FederatedJob", true};
  return resource;
}

const kube::ResourceRef& flClusterResource() {
  static const kube::ResourceRef resource{"federatedlearning.dev", "v1alpha1", "flclusters",
                                          "FLCluster", true};
  return resource;
}

std::optional<FlowTarget> flowTargetOf(const api::FLCluster& cluster, FlowProblem* problem) {
  auto refuse = [&](std::string reason, std::string message) -> std::optional<FlowTarget> {
    if (problem) *problem = FlowProblem{std::move(reason), std::move(message)};
    return std::nullopt;
  };
  const std::string& name = cluster.metadata.name;
  if (!cluster.spec.fate)
    return refuse("ClusterHasNoFateFlow", "FLCluster " + name + " has no spec.fate");
  const auto& fate = *cluster.spec.fate;
  FlowTarget target;
  if (fate.flow.url && !fate.flow.url->empty()) {
    target.baseUrl = *fate.flow.url;
  } else if (fate.flow.service) {
    target.baseUrl = "http://" + fate.flow.service->name + "." + cluster.metadata.namespace_ +
                     ".svc:" + std::to_string(fate.flow.service->port.value_or(9380));
  } else {
    return refuse("ClusterHasNoFateFlow", "FLCluster " + name + " has no FATE-Flow endpoint");
  }
  // The version FATE-Flow reported wins over the declared one.
  std::string version = fate.version;
  if (cluster.status.fate && cluster.status.fate->detectedVersion) {
    version = *cluster.status.fate->detectedVersion;
  }
  if (!version.empty()) {
    try {
      auto parsed = fateflow::parseFlowVersion(version);
      if (parsed.atLeast(2, 0, 0)) {
        return refuse("UnsupportedFateVersion", "FLCluster " + name + " runs FATE-Flow " + version +
                                                    "; FederatedJob drives the 1.x API (/v1) only");
      }
      // FATE 1.5/1.6 accept only job_dsl/job_runtime_conf.
      if (!parsed.atLeast(1, 7, 0)) target.keys = fateflow::SubmitKeys::Legacy;
    } catch (const InvalidInput&) {
    }
  }
  return target;
}

nlohmann::json mergePatch(const nlohmann::json& from, const nlohmann::json& to) {
  if (!from.is_object() || !to.is_object()) return to;
  nlohmann::json patch = nlohmann::json::object();
  for (const auto& [key, value] : from.items()) {
    if (!to.contains(key)) patch[key] = nullptr;
  }
  for (const auto& [key, value] : to.items()) {
    auto old = from.find(key);
    if (old == from.end()) {
      patch[key] = value;
    } else if (*old != value) {
      patch[key] = mergePatch(*old, value);
    }
  }
  return patch;
}

FederatedJobReconciler::FederatedJobReconciler(const kube::Client& client,
                                               kube::EventRecorder* events, Options options)
    : client_(client),
      events_(events),
      options_(std::move(options)),
      transport_(options_.fateTransport ? options_.fateTransport
                                        : std::make_shared<http::CppRestTransport>()) {
  schedulerTransport_ = options_.schedulerTransport ? options_.schedulerTransport : transport_;
  if (options_.metrics.externalRequest) {
    transport_ = std::make_shared<CountingTransport>(transport_, options_.metrics.externalRequest);
    schedulerTransport_ =
        std::make_shared<CountingTransport>(schedulerTransport_, options_.metrics.externalRequest);
  }
}

void FederatedJobReconciler::writeStatus(Round& round) {
  nlohmann::json wanted = round.job.status;
  nlohmann::json patch = mergePatch(round.served.value("status", nlohmann::json::object()), wanted);
  if (patch.empty()) return;
  round.served = client_.patch(federatedJobResource(), round.ns, round.name,
                               kube::PatchType::MergePatch, {{"status", patch}}, "status");
}

void FederatedJobReconciler::setFinalizer(Round& round, bool present) {
  auto& finalizers = round.job.metadata.finalizers;
  finalizers.erase(std::remove(finalizers.begin(), finalizers.end(), kFinalizer), finalizers.end());
  if (present) finalizers.emplace_back(kFinalizer);
  // resourceVersion makes the list replacement safe against a concurrent finalizer change.
  nlohmann::json patch = {
      {"metadata",
       {{"finalizers", finalizers},
        {"resourceVersion", round.served["metadata"].value("resourceVersion", "")}}}};
  round.served = client_.patch(federatedJobResource(), round.ns, round.name,
                               kube::PatchType::MergePatch, patch);
  round.job.metadata.resourceVersion = round.served["metadata"].value("resourceVersion", "");
}

void FederatedJobReconciler::deleteExpired(Round& round) {
  writeStatus(round);
  kube::DeleteOptions remove;
  remove.preconditionUid = round.job.metadata.uid;
  remove.propagationPolicy = "Background";
  client_.remove(federatedJobResource(), round.ns, round.name, remove);
  event(round, false, "Expired", "ttlSecondsAfterFinished reached; deleting");
}

void FederatedJobReconciler::event(const Round& round, bool warning, const std::string& reason,
                                   const std::string& message) const {
  spdlog::info("federatedjob {}/{}: {} {}", round.ns, round.name, reason, message);
  if (!events_) return;
  if (warning) {
    events_->warning(round.served, reason, message);
  } else {
    events_->normal(round.served, reason, message);
  }
}

void FederatedJobReconciler::countOutcome(const std::string& result) const {
  if (options_.metrics.jobOutcome) options_.metrics.jobOutcome(result);
}

kube::Result FederatedJobReconciler::reconcile(const kube::Request& request) {
  Round round;
  round.ns = request.namespace_;
  round.name = request.name;
  auto served = client_.tryGet(federatedJobResource(), round.ns, round.name);
  if (!served) return kube::Result::done();
  round.served = std::move(*served);
  round.job = round.served.get<api::FederatedJob>();
  round.context.timing = options_.timing;
  round.context.defaultBackoffLimit = options_.defaultBackoffLimit;
  round.context.now = options_.clock();
  if (round.job.spec.mindspore && !round.job.spec.fate) return reconcileInstance(round);
  const bool wasTerminal = isTerminal(round.job.status);

  std::optional<Unavailability> problem;
  std::optional<fateflow::FateFlowClient> flow;
  fateflow::SubmitKeys keys = fateflow::SubmitKeys::Current;
  auto connect = [&]() -> bool {
    if (flow) return true;
    auto cluster = client_.tryGet(flClusterResource(), round.ns, round.job.spec.clusterRef.name);
    if (!cluster) {
      problem = Unavailability{"ClusterNotFound",
                               "FLCluster " + round.job.spec.clusterRef.name + " not found"};
      return false;
    }
    FlowProblem refused;
    const auto flCluster = cluster->get<api::FLCluster>();
    auto target = flowTargetOf(flCluster, &refused);
    if (!target) {
      problem = Unavailability{refused.reason, refused.message};
      return false;
    }
    fateflow::ClientOptions clientOptions;
    clientOptions.timeout = options_.fateTimeout;
    if (const auto secretName = flcluster::fateAuthSecretName(flCluster)) {
      // Auth configured: no request leaves unsigned. A fixed Secret is picked up on the retry.
      auto auth = flcluster::fateAuthCredentials(
          *secretName, client_.tryGet(kube::resources::secrets, round.ns, *secretName));
      if (!auth.credentials) {
        problem = Unavailability{flcluster::kFateAuthSecretInvalid,
                                 "FLCluster " + flCluster.metadata.name + ": " + auth.problem};
        return false;
      }
      clientOptions.credentials = std::move(auth.credentials);
    }
    flow.emplace(transport_, target->baseUrl, clientOptions);
    keys = target->keys;
    return true;
  };

  Action action;
  for (int step = 0; step < options_.maxStepsPerReconcile; ++step) {
    summarize(round.job, round.context, problem);
    action = decide(round.job, round.context);
    if (action.kind == ActionKind::None || problem) break;
    switch (action.kind) {
      case ActionKind::AddFinalizer:
        setFinalizer(round, true);
        continue;
      case ActionKind::RemoveFinalizer:
        writeStatus(round);
        setFinalizer(round, false);
        if (round.job.metadata.deletionTimestamp) return kube::Result::done();
        continue;
      case ActionKind::RecordAttempt:
        recordAttempt(round.job, round.context.now);
        summarize(round.job, round.context);
        writeStatus(round);  // persisted before any submission
        continue;
      case ActionKind::DeleteObject:
        deleteExpired(round);
        return kube::Result::done();
      default:
        break;
    }
    if (action.kind != ActionKind::ResetPublish && !connect()) break;
    try {
      auto stepEvent =
          performFateStep(action, round.job, *flow, keys, round.context.round, round.context.now);
      if (stepEvent) {
        event(round, stepEvent->warning, stepEvent->reason, stepEvent->message);
        if (stepEvent->reason == "Submitted") countOutcome("created");
      }
    } catch (const http::TransportError& error) {
      problem = Unavailability{"FateFlowUnavailable",
                               flow->baseUrl() + " did not answer: " + error.what()};
    } catch (const fateflow::ProtocolError& error) {
      problem = Unavailability{"FateFlowProtocolError", error.what()};
    }
    if (action.kind == ActionKind::Submit || action.kind == ActionKind::Stop ||
        action.kind == ActionKind::Deploy || action.kind == ActionKind::Adopt) {
      // The external id and new versions reach status at once, before anything else can fail.
      summarize(round.job, round.context, problem);
      writeStatus(round);
    }
  }
  summarize(round.job, round.context, problem);
  writeStatus(round);
  if (!wasTerminal && isTerminal(round.job.status)) {
    countOutcome(round.job.status.phase == phaseName(Phase::Succeeded) ? "succeeded" : "failed");
  }
  return finish(round, problem, action);
}

kube::Result FederatedJobReconciler::finish(const Round& round,
                                            const std::optional<Unavailability>& problem,
                                            const Action& action) const {
  if (problem) {
    event(round, true, problem->reason, problem->message);
    if (problem->stalled) return kube::Result::done();  // a spec change wakes the job
    return kube::Result::requeueAfter(
        std::chrono::duration_cast<std::chrono::milliseconds>(options_.timing.unavailableRetry));
  }
  if (action.requeueAfter) {
    auto after = std::chrono::duration_cast<std::chrono::milliseconds>(*action.requeueAfter);
    return kube::Result::requeueAfter(std::max(after, std::chrono::milliseconds(1)));
  }
  return kube::Result::done();
}

}  // namespace flop::federatedjob
