#include "flop/modelmigration/reconciler.hpp"

#include <map>

#include "flop/api/conditions.hpp"
#include "flop/api/flcluster.hpp"
#include "flop/api/modelmigration.hpp"
#include "flop/error.hpp"
#include "flop/kube/api_error.hpp"
#include "flop/kube/resource.hpp"
#include "flop/modelmigration/gate.hpp"
#include "flop/modelmigration/job_builder.hpp"
#include "flop/modelmigration/naming.hpp"
#include "flop/modelmigration/observe.hpp"
#include "flop/modelmigration/plan.hpp"
#include "flop/modelmigration/spec_adapter.hpp"
#include "flop/modelmigration/summary.hpp"

namespace flop::modelmigration {

using Json = nlohmann::json;

struct ModelMigrationReconciler::Pass {
  Json object;  // the latest version we know of (after our own status writes)
  api::ModelMigration mm;
  std::string ns, name, uid;
  std::int64_t generation = 0;
  Timestamp now;
  MigrationJobContext context;
  std::string federatedMode;
  bool importEnabled = true;
  std::map<std::string, TransferSource> sources;
  std::map<std::string, ImportTarget> targets;
  std::map<std::string, std::string> compat;
  bool workspaceEnsured = false;
  bool confEnsured = false;
  std::vector<std::pair<PartyMigration, StepEvent>> events;  // emitted after the status write
};

namespace {

std::string keyOf(const PartyMigration& party) {
  return party.role + "#" + std::to_string(party.sourcePartyId);
}

std::optional<api::FLCluster> flclusterIn(const kube::Store& store, const std::string& ns,
                                          const std::string& name) {
  auto object = store.get(kube::ObjectKey{ns, name}.str());
  if (!object) return std::nullopt;
  try {
    return object->get<api::FLCluster>();
  } catch (const Error&) {
    return std::nullopt;  // an FLCluster we cannot read counts as missing; its own status says why
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

// kstatus: Reconciling and Stalled are present only while True.
void applyConditions(std::vector<api::Condition>& conditions, const MigrationSummary& summary,
                     std::int64_t generation, Timestamp now) {
  for (const auto& value : summary.conditions) {
    const bool abnormalTrue = value.type == "Reconciling" || value.type == "Stalled";
    if (abnormalTrue && value.status == "False") {
      api::remove_condition(conditions, value.type);
      continue;
    }
    api::Condition condition;
    condition.type = value.type;
    condition.status = value.status;
    condition.reason = value.reason;
    condition.message = value.message;
    condition.observedGeneration = generation;
    api::set_condition(conditions, std::move(condition), now);
  }
}

std::string eventReason(const StepEvent& event) {
  std::string step(stepName(event.step));
  step[0] = static_cast<char>(step[0] - 'a' + 'A');
  switch (event.kind) {
    case StepEvent::Kind::Started:
      return step + "Started";
    case StepEvent::Kind::Succeeded:
      return step + "Succeeded";
    case StepEvent::Kind::Failed:
      return step + "Failed";
    case StepEvent::Kind::Retrying:
      return step + "Retrying";
  }
  return step;
}

}  // namespace

ModelMigrationReconciler::ModelMigrationReconciler(const kube::Client& client,
                                                   MigrationCaches caches,
                                                   kube::EventRecorder* events,
                                                   std::shared_ptr<MigrationMetrics> metrics,
                                                   ReconcilerOptions options)
    : client_(client),
      caches_(caches),
      events_(events),
      metrics_(std::move(metrics)),
      options_(std::move(options)) {}

void ModelMigrationReconciler::writeStatus(Pass& pass) {
  Json updated = pass.object;
  updated["status"] = pass.mm.status;
  pass.object = client_.updateStatus(kModelMigrations, updated);
}

void ModelMigrationReconciler::ensureWorkspace(Pass& pass) {
  if (pass.workspaceEnsured) return;
  pass.workspaceEnsured = true;
  const auto& workspace = pass.mm.spec.workspace;
  if (workspace && workspace->claimName) return;  // the user's PVC
  std::string size = options_.defaultWorkspaceSize;
  if (workspace && workspace->size) {
    size = std::visit(
        [](const auto& q) -> std::string {
          if constexpr (std::is_same_v<std::decay_t<decltype(q)>, std::string>) {
            return q;
          } else {
            return std::to_string(q);
          }
        },
        *workspace->size);
  }
  Json claim = {
      {"apiVersion", "v1"},
      {"kind", "PersistentVolumeClaim"},
      {"metadata",
       {{"name", pass.context.workspaceClaim},
        {"namespace", pass.ns},
        {"labels", ownerLabels(pass.name)},
        {"ownerReferences", Json::array({kube::makeControllerReference(pass.object)})}}},
      {"spec",
       {{"accessModes", Json::array({"ReadWriteOnce"})},
        {"resources", {{"requests", {{"storage", size}}}}}}},
  };
  if (workspace && workspace->storageClassName) {
    claim["spec"]["storageClassName"] = *workspace->storageClassName;
  }
  try {
    client_.create(kube::resources::persistentVolumeClaims, claim);
  } catch (const kube::ApiError& error) {
    if (!kube::isAlreadyExists(error)) throw;
  }
}

void ModelMigrationReconciler::ensureMigrateConf(Pass& pass) {
  if (pass.confEnsured) return;
  pass.confEnsured = true;
  try {
    client_.create(kube::resources::configMaps,
                   buildMigrateConfigMap(pass.context, pass.federatedMode));
  } catch (const kube::ApiError& error) {
    if (!kube::isAlreadyExists(error)) throw;
  }
}

void ModelMigrationReconciler::createJob(Pass& pass, const PartyMigration& party,
                                         const StepAttempt& attempt) {
  ensureWorkspace(pass);
  Json job;
  switch (attempt.step) {
    case Step::Transfer:
      job = buildTransferJob(pass.context, party, attempt.attempt, pass.sources.at(keyOf(party)));
      break;
    case Step::Migrate:
      ensureMigrateConf(pass);
      job = buildMigrateJob(pass.context, party, attempt.attempt, pass.compat.at(keyOf(party)));
      break;
    case Step::Import:
      job = buildImportJob(pass.context, party, attempt.attempt, pass.targets.at(keyOf(party)));
      break;
  }
  if (options_.decorateJob) options_.decorateJob(job);
  try {
    client_.create(kube::resources::jobs, job);
  } catch (const kube::ApiError& error) {
    // The deterministic name makes a repeated create for the same attempt harmless.
    if (!kube::isAlreadyExists(error)) throw;
  }
}

std::vector<ObservedJob> ModelMigrationReconciler::observedJobs(Pass& pass,
                                                                const PartyState& recorded) {
  std::vector<ObservedJob> observed;
  for (const auto& object : caches_.jobs.byIndex(kube::indexes::kOwnerUid, pass.uid)) {
    const auto identity = identifyJob(*object);
    if (!identity || identity->role != recorded.party.role ||
        identity->sourcePartyId != recorded.party.sourcePartyId) {
      continue;
    }
    ObservedJob job = observeJob(*object, *identity);
    const StepState& step = recorded.at(job.step);
    const bool alreadyRecorded = step.jobName == job.name && (step.phase == StepPhase::Succeeded ||
                                                              step.phase == StepPhase::Failed);
    if (job.outcome != ObservedJob::Outcome::Active && !alreadyRecorded) {
      // Only on a transition: the result lives in the pod's termination message.
      kube::ListOptions options;
      options.labelSelector = "job-name=" + job.name;
      const auto pods = client_.list(kube::resources::pods, pass.ns, options);
      job.terminationMessage = terminationMessageOf(pods.items);
    }
    observed.push_back(std::move(job));
  }
  return observed;
}

kube::Result ModelMigrationReconciler::reconcile(const kube::Request& request) {
  const auto cached = caches_.migrations.get(request.key());
  if (!cached) return kube::Result::done();  // deleted: children go by ownerReference
  Pass pass;
  pass.object = *cached;
  if (pass.object["metadata"].contains("deletionTimestamp")) return kube::Result::done();
  pass.ns = kube::namespaceOf(pass.object);
  pass.name = kube::nameOf(pass.object);
  pass.uid = kube::uidOf(pass.object);
  pass.generation = kube::generationOf(pass.object);
  pass.now = options_.clock();

  const api::ModelMigrationStatus previousStatus = [&] {
    try {
      return pass.object.value("status", Json::object()).get<api::ModelMigrationStatus>();
    } catch (const std::exception&) {
      return api::ModelMigrationStatus{};
    }
  }();
  pass.mm.status = previousStatus;

  std::optional<std::pair<std::string, std::string>> blocked;  // reason, message
  GateVerdict gate;
  MigrationPlan plan;
  try {
    pass.mm.spec = pass.object.at("spec").get<api::ModelMigrationSpec>();
    pass.mm.metadata = pass.object.at("metadata").get<api::ObjectMeta>();
    MigrationRequest migrateRequest = requestFromSpec(pass.mm.spec);
    validateRequest(migrateRequest);
    // Version: the one recorded in status wins (a restart never changes it), then
    // unify_model_version, then one generated now and recorded before any Job starts.
    const std::string version =
        previousStatus.newModelVersion
            ? *previousStatus.newModelVersion
            : migrateRequest.unifyModelVersion.value_or(generateModelVersion(pass.now, 0));
    pass.context.request = migrateRequest;
    migrateRequest.unifyModelVersion.reset();
    plan = planMigration(migrateRequest, version);
  } catch (const InvalidInput& error) {
    blocked = {"InvalidSpec", error.what()};
  } catch (const nlohmann::json::exception& error) {
    blocked = {"InvalidSpec", error.what()};
  }

  if (!blocked && (!previousStatus.newModelVersion || !previousStatus.newModelId)) {
    pass.mm.status.newModelId = plan.newModelId;
    pass.mm.status.newModelVersion = plan.newModelVersion;
    pass.mm.status.observedGeneration = pass.generation;
    pass.mm.status.phase = "Pending";
    api::Condition planned{"Reconciling",
                           "True",
                           "Planned",
                           "new model " + plan.newModelId + " version " + plan.newModelVersion,
                           "",
                           pass.generation};
    api::set_condition(pass.mm.status.conditions, planned, pass.now);
    writeStatus(pass);  // must land before any Job exists
  }

  if (!blocked) {
    pass.federatedMode = pass.mm.spec.jobParameters.federatedMode;
    pass.importEnabled = !pass.mm.spec.import_ || pass.mm.spec.import_->enabled;
    std::vector<TargetCluster> targets;
    try {
      for (const auto& party : plan.parties) {
        const api::ImportTarget* target = findTarget(pass.mm.spec, party);
        if (!target) {
          throw InvalidInput("spec.targets", "no target FLCluster for " + party.role + " " +
                                                 std::to_string(party.targetPartyId));
        }
        const auto cluster = flclusterIn(caches_.flclusters, pass.ns, target->clusterRef.name);
        TargetCluster seen{party, target->clusterRef.name, cluster.has_value(), std::nullopt};
        if (cluster && cluster->status.fate)
          seen.reportedFateVersion = cluster->status.fate->detectedVersion;
        targets.push_back(seen);
        if (cluster) {
          if (pass.importEnabled) pass.targets[keyOf(party)] = importTargetOf(*cluster);
          const auto version =
              seen.reportedFateVersion ? parseFateVersion(*seen.reportedFateVersion) : std::nullopt;
          pass.compat[keyOf(party)] = version ? compatFor(*version) : "1.9";
        }
      }
      gate = checkFateVersionGate(targets);
      if (gate.kind == GateVerdict::Kind::Open) {
        for (const auto& party : plan.parties) {
          const api::ModelSource* source = findSource(pass.mm.spec, party);
          if (!source) {
            throw InvalidInput("spec.sources", "no source for " + party.role + " " +
                                                   std::to_string(party.sourcePartyId));
          }
          const auto cluster = source->clusterRef ? flclusterIn(caches_.flclusters, pass.ns,
                                                                source->clusterRef->name)
                                                  : std::nullopt;
          pass.sources.emplace(keyOf(party),
                               transferSourceOf(*source, cluster ? &*cluster : nullptr));
        }
      }
    } catch (const InvalidInput& error) {
      blocked = {"InvalidSpec", error.what()};
    }
  }

  // Context for the Job builders.
  pass.context.ns = pass.ns;
  pass.context.migrationName = pass.name;
  pass.context.owner = {std::string(kModelMigrations.apiVersion()), kModelMigrations.kind,
                        pass.name, pass.uid};
  pass.context.plan = plan;
  const auto& workspace = pass.mm.spec.workspace;
  pass.context.workspaceClaim = workspace && workspace->claimName
                                    ? *workspace->claimName
                                    : boundedName(pass.name + "-workspace");
  StepJobSettings& settings = pass.context.settings;
  settings.image =
      pass.mm.spec.stepImage.empty() ? options_.defaultStepImage : pass.mm.spec.stepImage;
  settings.imagePullPolicy = pass.mm.spec.imagePullPolicy.value_or("");
  settings.backoffLimit = options_.backoffLimit;
  settings.activeDeadlineSeconds = options_.activeDeadlineSeconds;
  settings.ttlSecondsAfterFinished =
      pass.mm.spec.ttlSecondsAfterFinished.value_or(options_.ttlSecondsAfterFinished);
  settings.resources = options_.resources;

  std::vector<PartyState> parties =
      blocked ? std::vector<PartyState>{} : partyStatesFromStatus(plan.parties, pass.mm.status);
  const bool mayRun = !blocked && gate.kind == GateVerdict::Kind::Open;
  if (mayRun) {
    const StepPolicy policy{options_.maxAttempts, pass.importEnabled};
    const JobNamer namer = [&](const PartyMigration& party, Step step, int attempt) {
      return jobName(pass.name, party, step, attempt);
    };
    for (auto& party : parties) {
      PartyAdvance advance =
          advanceParty(party, observedJobs(pass, party), policy, namer, pass.now);
      if (advance.create) createJob(pass, party.party, *advance.create);
      for (auto& event : advance.events) pass.events.emplace_back(party.party, std::move(event));
      party = std::move(advance.state);
    }
  }

  const std::optional<std::string> invalid =
      blocked ? std::optional<std::string>(blocked->second) : std::nullopt;
  const MigrationSummary summary = summarize(invalid, gate, parties);
  api::ModelMigrationStatus& status = pass.mm.status;
  status.observedGeneration = pass.generation;
  status.phase = summary.phase;
  if (!blocked) {
    status.parties.clear();
    for (const auto& party : parties) status.parties.push_back(partyStatusFrom(party));
  }
  applyConditions(status.conditions, summary, pass.generation, pass.now);
  const bool started = std::any_of(parties.begin(), parties.end(), [](const PartyState& p) {
    return p.phase() != PartyPhase::Pending;
  });
  if (started && !status.startTime) status.startTime = formatTimestamp(pass.now);
  const bool finished = summary.phase == "Succeeded" || summary.phase == "Failed";
  if (finished && !status.completionTime) status.completionTime = formatTimestamp(pass.now);

  if (Json(status) != Json(previousStatus) || pass.object.value("status", Json()).is_null()) {
    writeStatus(pass);
  }
  for (const auto& [party, event] : pass.events) {
    if (metrics_) metrics_->record(event);
    if (!events_) continue;
    const std::string message = party.role + " " + std::to_string(party.sourcePartyId) + "->" +
                                std::to_string(party.targetPartyId) + ": " + event.message;
    if (event.kind == StepEvent::Kind::Failed) {
      events_->warning(pass.object, eventReason(event), message);
    } else {
      events_->normal(pass.object, eventReason(event), message);
    }
  }
  // One Warning when the migration becomes stalled (or stalled for another reason).
  const api::Condition* wasStalled =
      api::find_condition(previousStatus.conditions, api::condition_type::kStalled);
  const ConditionValue* stalled = summary.find("Stalled");
  if (events_ && stalled && stalled->status == "True" &&
      (!wasStalled || wasStalled->status != "True" || wasStalled->reason != stalled->reason)) {
    events_->warning(pass.object, stalled->reason, stalled->message);
  }

  if (blocked || gate.kind == GateVerdict::Kind::Blocked || finished) return kube::Result::done();
  if (gate.kind == GateVerdict::Kind::Wait) return kube::Result::requeueAfter(options_.waitRequeue);
  return kube::Result::requeueAfter(options_.runningRequeue);
}

}  // namespace flop::modelmigration
