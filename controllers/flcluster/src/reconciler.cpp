#include <spdlog/spdlog.h>

#include "flop/api/conditions.hpp"
#include "flop/api/names.hpp"
#include "flop/flcluster/controller.hpp"
#include "flop/flcluster/fate_auth_secret.hpp"
#include "flop/flcluster/fate_probe.hpp"
#include "flop/flcluster/management.hpp"
#include "flop/flcluster/status.hpp"
#include "flop/kube/api_error.hpp"
#include "reconciler_pass.hpp"
#include "token.hpp"

namespace flop::flcluster {
namespace {

namespace ct = api::condition_type;
using kube::Json;

// How often a reachable FATE-Flow's lastProbeTime is refreshed: often enough to be useful,
// rarely enough that status writes do not trigger reconciles in a loop.
constexpr std::chrono::minutes kProbeTimeRefresh{5};
// How often a reachable FATE-Flow is probed again, so an outage shows within this bound (a probe
// that finds nothing new writes nothing).
constexpr std::chrono::seconds kReprobeEvery{30};

void setCondition(api::FLClusterStatus& status, std::string_view type, bool value,
                  std::string reason, std::string message, std::int64_t generation,
                  Clock::time_point now) {
  api::Condition c;
  c.type = std::string(type);
  c.status = std::string(value ? api::condition_status::kTrue : api::condition_status::kFalse);
  c.reason = std::move(reason);
  c.message = std::move(message);
  c.observedGeneration = generation;
  api::set_condition(status.conditions, std::move(c), now);
}

kube::Result resultFor(const std::optional<std::chrono::milliseconds>& requeue) {
  if (!requeue) return kube::Result::done();
  if (requeue->count() == 0) return kube::Result::requeue();
  return kube::Result::requeueAfter(*requeue);
}

// The sooner of two requeues (nullopt: none).
std::optional<std::chrono::milliseconds> sooner(std::optional<std::chrono::milliseconds> a,
                                                std::optional<std::chrono::milliseconds> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

void removeIfReason(api::FLClusterStatus& status, std::string_view type, std::string_view reason) {
  const auto* c = api::find_condition(status.conditions, type);
  if (c && c->reason == reason) api::remove_condition(status.conditions, type);
}

}  // namespace

Reconciler::Reconciler(const kube::Client& client, kube::Informer& clusters, kube::Informer& pods,
                       kube::EventRecorder& events, Options options)
    : client_(client),
      clusters_(clusters),
      pods_(pods),
      events_(events),
      options_(std::move(options)) {}

kube::Result Reconciler::reconcile(const kube::Request& request) {
  try {
    return reconcileOnce(request);
  } catch (const kube::ApiError& e) {
    // Someone else wrote the object first; nothing was called after a failed write: start over.
    if (kube::isConflict(e)) return kube::Result::requeue();
    throw;
  }
}

kube::Result Reconciler::reconcileOnce(const kube::Request& request) {
  auto fresh = readCluster(request);
  if (!fresh) {
    forget(request);
    return kube::Result::done();
  }
  Pass pass;
  pass.object = std::move(*fresh);
  pass.now = options_.now();
  pass.generation = kube::generationOf(pass.object);
  try {
    pass.cluster = pass.object.get<api::FLCluster>();
  } catch (const InvalidInput& e) {
    // The schema should have caught it; say so in status rather than retrying forever.
    pass.status = api::FLClusterStatus{};
    setCondition(pass.status, ct::kStalled, true, "InvalidSpec", e.what(), pass.generation,
                 pass.now);
    setCondition(pass.status, ct::kValidated, false, "InvalidSpec", e.what(), pass.generation,
                 pass.now);
    summarise(pass.status, pass.generation, pass.now);
    writeStatus(pass);
    return kube::Result::done();
  }
  if (pass.cluster.metadata.deletionTimestamp) {  // children are GC'd
    forget(request);
    return kube::Result::done();
  }
  pass.status = pass.cluster.status;
  pass.recordedScale = scaleRecordFrom(pass.status);
  if (const auto* stalled = api::find_condition(pass.status.conditions, ct::kStalled))
    pass.stalledReason = stalled->reason;

  std::optional<std::chrono::milliseconds> requeue;
  if (pass.cluster.spec.mindspore) requeue = reconcileMindSpore(pass);
  if (pass.cluster.spec.fate) requeue = sooner(requeue, reconcileFate(pass));
  if (!pass.cluster.spec.mindspore && !pass.cluster.spec.fate)
    setCondition(pass.status, ct::kValidated, true, "Valid", "nothing to manage", pass.generation,
                 pass.now);
  summarise(pass.status, pass.generation, pass.now);
  pass.status.observedGeneration = pass.generation;
  writeStatus(pass);
  updateRegistrationGates(pass);  // after status: gates never delay what the scale waits for
  return resultFor(requeue);
}

std::optional<std::chrono::milliseconds> Reconciler::reconcileMindSpore(Pass& pass) {
  const auto& cluster = pass.cluster;
  const auto& ms = *cluster.spec.mindspore;
  const auto& ns = cluster.metadata.namespace_;
  const auto names = childNames(cluster.metadata.name);

  // Validation first: an invalid config.json must not reach a single pod.
  std::int32_t serverNumForConfig = pass.status.mindspore && pass.status.mindspore->serverNum
                                        ? *pass.status.mindspore->serverNum
                                        : desiredReplicas(ms);
  Json configMap;
  try {
    configMap = flConfigMap(cluster, serverNumForConfig);
  } catch (const InvalidInput& e) {
    setCondition(pass.status, ct::kValidated, false, "InvalidConfig", e.what(), pass.generation,
                 pass.now);
    setCondition(pass.status, ct::kStalled, true, "InvalidConfig", e.what(), pass.generation,
                 pass.now);
    events_.warning(pass.object, "InvalidConfig", e.what());
    return std::nullopt;
  }
  setCondition(pass.status, ct::kValidated, true, "Valid", "spec and config.json are valid",
               pass.generation, pass.now);

  // Observe.
  ScalingInput input;
  input.serverSetName = names.servers;
  input.desiredReplicas = desiredReplicas(ms);
  input.recordedServerNum = pass.status.mindspore ? pass.status.mindspore->serverNum : std::nullopt;
  input.operation = scaleRecordFrom(pass.status);
  input.lastRankZeroNodeId = rankZeroNodeFrom(pass.status);
  input.policy = scalingPolicyFrom(ms);
  input.rollbackAvailable = options_.schedulerHasRollback;
  input.singleServerOnly = ms.fl && ms.fl->encryptType == "PW_ENCRYPT";
  input.retryBlocked = retryBlocked(pass.status, pass.generation);
  input.schedulerDownSince = unreachableSince(pass.status, "SchedulerReachable");
  input.peerStallAfter = options_.peerStallAfter;
  input.now = pass.now;
  if (auto set = client_.tryGet(kube::resources::statefulSets, ns, names.servers)) {
    input.setReplicas = (*set)["spec"].value("replicas", 1);
  } else {
    forgetApplied(kube::resources::statefulSets, ns, names.servers);  // deleted: apply again
  }
  // Pods come from the cache: their events trigger a pass, so a stale copy only delays.
  std::int32_t existingPods = 0;
  for (const auto& pod :
       pods_.store().byIndex(kPodsByCluster, kube::ObjectKey{ns, cluster.metadata.name}.str())) {
    if (auto server = serverPodFrom(*pod, names.servers)) {
      input.pods.push_back(*server);
      if (!server->terminating) ++existingPods;
    }
  }
  auto endpoint = schedulerEndpoint(pass);
  std::optional<SchedulerClient> scheduler;
  if (endpoint) {
    scheduler.emplace(*options_.peerTransport, *endpoint);
    input.scheduler = observeScheduler(pass, *scheduler, &input.schedulerError);
  }

  // Decide.
  Decision decision = decideScaling(input);

  // Act: status first with the operation on record, then the scheduler call (a decision with a
  // call never changes children: pods move only once the scheduler has accepted).
  pass.status.selector = api::selector_string(serverSelector(cluster));
  applyDecision(pass.status, decision, input.scheduler, existingPods, pass.generation, pass.now);
  std::optional<Decision> called;  // an accepted scheduler call, reported after the children
  if (decision.call != SchedulerCall::None && scheduler) {
    summarise(pass.status, pass.generation, pass.now);
    writeStatus(pass);  // throws on conflict: nothing was called, the retry starts afresh
    CallOutcome outcome;
    switch (decision.call) {
      case SchedulerCall::ScaleOut:
        outcome = scheduler->scaleOut(decision.scaleOutIncrement);
        break;
      case SchedulerCall::ScaleIn:
        outcome = scheduler->scaleIn(decision.scaleInNodeIds);
        break;
      case SchedulerCall::ScaleOutRollback:
        outcome = scheduler->scaleOutRollback();
        break;
      case SchedulerCall::None:
        break;
    }
    applyCallOutcome(decision, outcome);
    applyDecision(pass.status, decision, input.scheduler, existingPods, pass.generation, pass.now);
    if (outcome.accepted) {
      // The scheduler changes state before it answers: look again now so the pods follow at once
      // (raise the set after /scaleout, lower it after a /scalein that is already READY). The
      // call's Events wait until the children are applied: they are not on the critical path.
      called = decision;
      input.operation = decision.operation;
      input.recordedServerNum = decision.recordedServerNum;
      input.scheduler = observeScheduler(pass, *scheduler);
      decision = decideScaling(input);
      if (decision.call != SchedulerCall::None) {  // never two calls in one pass
        decision.call = SchedulerCall::None;
        decision.events.clear();
        decision.requeueAfter = std::chrono::seconds(0);
      }
      applyDecision(pass.status, decision, input.scheduler, existingPods, pass.generation,
                    pass.now);
    }
  }

  // Children: server_num in the ConfigMap before the StatefulSet whose new pods read it, and the
  // scheduler Service before it too (its ClusterIP is the servers' MS_SCHED_HOST).
  applyChild(kube::resources::configMaps, flConfigMap(cluster, decision.serverNum));
  Json schedulerSvc;
  applyChild(kube::resources::services, schedulerService(cluster, options_.children),
             &schedulerSvc);
  const auto schedulerIp = schedulerSvc["spec"].value("clusterIP", std::string());
  if (!schedulerIp.empty() && schedulerIp != "None")
    applyChild(kube::resources::statefulSets,
               serverStatefulSet(cluster, decision.setReplicas, schedulerIp));
  applyChild(kube::resources::deployments, schedulerDeployment(cluster, options_.children));
  applyChild(kube::resources::services, serverHeadlessService(cluster));
  applyChild(kube::resources::services, deviceService(cluster));
  if (auto hpa = horizontalPodAutoscaler(cluster)) {
    applyChild(kHpaResource, *hpa);
  } else {
    removeChild(kHpaResource, ns, names.autoscaler);  // autoscaling may have been turned off
  }
  for (const auto& pod : decision.podsToDelete) client_.remove(kube::resources::pods, ns, pod);
  if (called) report(pass, *called);
  pass.gates = registrationGateChanges(input.pods, input.scheduler, decision.setReplicas);
  report(pass, decision);
  recordServers(pass, input);
  return decision.requeueAfter;
}

std::optional<SchedulerEndpoint> Reconciler::schedulerEndpoint(Pass& pass) {
  const auto& cluster = pass.cluster;
  SchedulerEndpoint endpoint;
  endpoint.timeout = options_.schedulerTimeout;
  const auto target = managementTarget(cluster, options_.children.sidecarPort);
  endpoint.baseUrl = target.baseUrl;
  if (!target.tokenSecret) return endpoint;
  const auto& ns = cluster.metadata.namespace_;
  auto secret = client_.tryGet(kube::resources::secrets, ns, *target.tokenSecret);
  if (!secret) {
    client_.create(kube::resources::secrets,
                   schedulerTokenSecret(cluster, detail::generateToken()));
    secret = client_.get(kube::resources::secrets, ns, *target.tokenSecret);
  }
  endpoint.bearerToken = managementToken(*secret).value_or("");
  return endpoint;
}

std::optional<SchedulerView> Reconciler::observeScheduler(Pass& pass, SchedulerClient& client,
                                                          std::string* error) {
  try {
    auto state = client.state();
    if (!state.outcome.accepted) throw SchedulerProtocolError("/state: " + state.outcome.message);
    SchedulerView view{state.state, state.rawState, {}};
    auto nodes = client.nodes();
    if (!nodes.outcome.accepted) throw SchedulerProtocolError("/nodes: " + nodes.outcome.message);
    view.nodes = std::move(nodes.nodes);
    return view;
  } catch (const Error& e) {  // TransportError or a reply that is not the documented one
    spdlog::info("flcluster {}/{}: scheduler not reachable: {}", pass.cluster.metadata.namespace_,
                 pass.cluster.metadata.name, e.what());
    if (error) *error = e.what();
    return std::nullopt;
  }
}

std::optional<std::chrono::milliseconds> Reconciler::reconcileFate(Pass& pass) {
  const auto& fate = *pass.cluster.spec.fate;
  const auto url = fateFlowBaseUrl(fate.flow, pass.cluster.metadata.namespace_);
  // Passes come far more often than probes are due (every 200 ms while a scale is in flight):
  // until the next probe is due for the same spec, the conditions on record stand.
  const auto key = kube::ObjectKey{pass.cluster.metadata.namespace_, pass.cluster.metadata.name};
  {
    std::lock_guard lock(probesMutex_);
    auto it = nextProbes_.find(key.str());
    if (it != nextProbes_.end() && it->second.generation == pass.generation &&
        it->second.url == url && pass.now < it->second.due)
      return std::chrono::ceil<std::chrono::milliseconds>(it->second.due - pass.now);
  }
  const auto requeue = probeFate(pass, url);
  std::lock_guard lock(probesMutex_);
  nextProbes_[key.str()] = NextProbe{url, pass.generation, pass.now + requeue};
  return requeue;
}

std::chrono::milliseconds Reconciler::probeFate(Pass& pass, const std::string& url) {
  const auto downSince = unreachableSince(pass.status, "FateFlowReachable");
  std::optional<api::FateAppCredentials> credentials;
  if (const auto secretName = fateAuthSecretName(pass.cluster)) {
    const auto secret =
        client_.tryGet(kube::resources::secrets, pass.cluster.metadata.namespace_, *secretName);
    auto auth = fateAuthCredentials(*secretName, secret);
    if (!auth.credentials) {  // never probe unsigned when auth is configured
      setCondition(pass.status, "FateFlowReachable", false, kFateAuthSecretInvalid, auth.problem,
                   pass.generation, pass.now);
      setCondition(pass.status, ct::kReconciling, true, kFateAuthSecretInvalid,
                   auth.problem + "; retrying", pass.generation, pass.now);
      return std::chrono::duration_cast<std::chrono::milliseconds>(kReprobeEvery);
    }
    credentials = std::move(auth.credentials);
  }
  removeIfReason(pass.status, ct::kReconciling, kFateAuthSecretInvalid);
  const auto probe = probeFateFlow(*options_.peerTransport, url, credentials);
  auto& status = pass.status.fate ? *pass.status.fate : pass.status.fate.emplace();
  if (probe.reachable) {
    const bool stale = !status.lastProbeTime ||
                       api::parse_time(*status.lastProbeTime) + kProbeTimeRefresh <= pass.now;
    if (stale || status.detectedVersion != probe.version)
      status.lastProbeTime = api::format_time(pass.now);
    status.detectedVersion = probe.version;
  }
  setCondition(pass.status, "FateFlowReachable", probe.reachable,
               probe.reachable ? "Reachable" : "Unreachable", probe.message, pass.generation,
               pass.now);
  constexpr std::string_view kReason = "FateFlowUnreachable";
  if (probe.reachable) {  // what an outage set goes; a periodic probe notices the next one
    removeIfReason(pass.status, ct::kStalled, kReason);
    removeIfReason(pass.status, ct::kReconciling, kReason);
    return std::chrono::duration_cast<std::chrono::milliseconds>(kReprobeEvery);
  }
  const auto verdict = judgeUnreachable(downSince, pass.now, options_.peerStallAfter);
  const auto error = "FATE-Flow " + url + " unreachable: " + probe.message;
  const auto stallAfter = std::to_string(options_.peerStallAfter.count()) + "s";
  if (verdict.stalled) {
    setCondition(pass.status, ct::kStalled, true, std::string(kReason),
                 error + "; down for " + stallAfter + " or more", pass.generation, pass.now);
    removeIfReason(pass.status, ct::kReconciling, kReason);
  } else {
    setCondition(pass.status, ct::kReconciling, true, std::string(kReason),
                 error + "; retrying with backoff, Stalled after " + stallAfter, pass.generation,
                 pass.now);
  }
  return verdict.retryAfter;
}

std::optional<Json> Reconciler::readCluster(const kube::Request& request) {
  const auto key = request.key();
  auto cached = clusters_.store().get(key);
  if (!cached) {
    std::lock_guard lock(versionsMutex_);
    knownVersions_.erase(key);
    return std::nullopt;
  }
  {
    std::lock_guard lock(versionsMutex_);
    auto it = knownVersions_.find(key);
    if (it != knownVersions_.end() && it->second == kube::resourceVersionOf(*cached))
      return *cached;
  }
  // The cache is behind (our own last write) or ahead (someone else's) of what this process
  // knows: read through to the API server once.
  auto fresh = client_.tryGet(kFLClusterResource, request.namespace_, request.name);
  std::lock_guard lock(versionsMutex_);
  if (fresh)
    knownVersions_[key] = kube::resourceVersionOf(*fresh);
  else
    knownVersions_.erase(key);
  return fresh;
}

void Reconciler::writeStatus(Pass& pass) {
  Json wanted = pass.status;
  // An unchanged status is not written: every write is a watch event and another reconcile.
  if (pass.object.contains("status") && pass.object["status"] == wanted) return;
  Json object = pass.object;
  object["status"] = std::move(wanted);  // PUT: optional fields that became empty disappear
  pass.object = client_.updateStatus(kFLClusterResource, object);
  std::lock_guard lock(versionsMutex_);
  knownVersions_[kube::ObjectKey::of(pass.object).str()] = kube::resourceVersionOf(pass.object);
}

// A child whose desired JSON has not changed is re-applied only every kReapplyEvery, so a
// reconcile during a scale costs a few calls instead of a dozen; drift (edits, deletions) is still
// repaired within that period.
void Reconciler::applyChild(const kube::ResourceRef& resource, const Json& object, Json* out) {
  const auto key = resource.plural + "/" + kube::namespaceOf(object) + "/" + kube::nameOf(object);
  const auto digest = std::hash<std::string>{}(object.dump());
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(appliedMutex_);
    auto it = applied_.find(key);
    if (it != applied_.end() && !it->second.absent && it->second.digest == digest &&
        now - it->second.at < kReapplyEvery) {
      if (out) *out = it->second.result;
      return;
    }
  }
  auto result = client_.apply(resource, object, kube::ApplyOptions{options_.fieldManager, true});
  std::lock_guard lock(appliedMutex_);
  applied_[key] = Applied{digest, now, out ? result : Json()};
  if (out) *out = std::move(result);
}

void Reconciler::removeChild(const kube::ResourceRef& resource, const std::string& ns,
                             const std::string& name) {
  const auto key = resource.plural + "/" + ns + "/" + name;
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(appliedMutex_);
    auto it = applied_.find(key);
    if (it != applied_.end() && it->second.absent && now - it->second.at < kReapplyEvery) return;
  }
  client_.remove(resource, ns, name);  // false when already gone
  std::lock_guard lock(appliedMutex_);
  applied_[key] = Applied{0, now, Json(), true};
}

void Reconciler::forgetApplied(const kube::ResourceRef& resource, const std::string& ns,
                               const std::string& name) {
  std::lock_guard lock(appliedMutex_);
  applied_.erase(resource.plural + "/" + ns + "/" + name);
}

}  // namespace flop::flcluster
