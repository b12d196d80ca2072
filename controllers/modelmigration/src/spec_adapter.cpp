#include "flop/modelmigration/spec_adapter.hpp"

#include "flop/error.hpp"
#include "flop/modelmigration/observe.hpp"

namespace flop::modelmigration {
namespace {

RoleMap toRoleMap(const api::RoleMap& roles) {
  RoleMap out;
  for (const auto& [role, ids] : roles) out.push_back({role, ids});
  return out;
}

StepState stepFrom(Step step, const std::optional<api::MigrationStep>& recorded) {
  StepState state;
  state.step = step;
  if (!recorded) return state;
  if (recorded->phase) state.phase = phaseFromName(*recorded->phase).value_or(StepPhase::Pending);
  state.attempts = recorded->attempts.value_or(0);
  state.jobName = recorded->jobName.value_or("");
  if (recorded->startTime) state.startTime = parseTimestamp(*recorded->startTime);
  if (recorded->completionTime) state.completionTime = parseTimestamp(*recorded->completionTime);
  state.message = recorded->message.value_or("");
  return state;
}

std::optional<api::MigrationStep> stepTo(const StepState& state) {
  if (state.phase == StepPhase::Pending && state.attempts == 0) return std::nullopt;
  api::MigrationStep out;
  out.phase = std::string(phaseName(state.phase));
  if (!state.jobName.empty()) out.jobName = state.jobName;
  if (state.attempts > 0) out.attempts = state.attempts;
  if (state.startTime) out.startTime = formatTimestamp(*state.startTime);
  if (state.completionTime) out.completionTime = formatTimestamp(*state.completionTime);
  if (!state.message.empty()) out.message = state.message;
  return out;
}

}  // namespace

MigrationRequest requestFromSpec(const api::ModelMigrationSpec& spec) {
  MigrationRequest request;
  request.modelId = spec.modelId;
  request.modelVersion = spec.modelVersion;
  request.role = toRoleMap(spec.role);
  request.migrateRole = toRoleMap(spec.migrateRole);
  request.migrateInitiator = {spec.migrateInitiator.role, spec.migrateInitiator.partyId};
  if (!spec.executeParty.empty()) request.executeParty = toRoleMap(spec.executeParty);
  request.unifyModelVersion = spec.unifyModelVersion;
  return request;
}

std::vector<PartyState> partyStatesFromStatus(const std::vector<PartyMigration>& planned,
                                              const api::ModelMigrationStatus& status) {
  std::vector<PartyState> states;
  for (const auto& party : planned) {
    PartyState state;
    state.party = party;
    for (const auto& recorded : status.parties) {
      if (recorded.role != party.role || recorded.sourcePartyId != party.sourcePartyId) continue;
      state.at(Step::Transfer) = stepFrom(Step::Transfer, recorded.steps.transfer);
      state.at(Step::Migrate) = stepFrom(Step::Migrate, recorded.steps.migrate);
      state.at(Step::Import) = stepFrom(Step::Import, recorded.steps.import_);
      if (recorded.artifact) {
        // The artifact is the migrated archive once migrate ran, else the transferred one.
        StepResult& result = state.at(Step::Migrate).phase == StepPhase::Succeeded
                                 ? state.at(Step::Migrate).result
                                 : state.at(Step::Transfer).result;
        result.artifactPath = recorded.artifact->path;
        result.sha256 = recorded.artifact->sha256;
        result.bytes = recorded.artifact->bytes;
      }
    }
    states.push_back(std::move(state));
  }
  return states;
}

api::PartyMigrationStatus partyStatusFrom(const PartyState& state) {
  api::PartyMigrationStatus out;
  out.role = state.party.role;
  out.sourcePartyId = state.party.sourcePartyId;
  out.targetPartyId = state.party.targetPartyId;
  out.steps.transfer = stepTo(state.at(Step::Transfer));
  out.steps.migrate = stepTo(state.at(Step::Migrate));
  out.steps.import_ = stepTo(state.at(Step::Import));
  for (Step step : {Step::Migrate, Step::Transfer}) {
    const StepResult& result = state.at(step).result;
    if (state.at(step).phase != StepPhase::Succeeded) continue;
    if (!result.sha256 && !result.bytes && !result.artifactPath) continue;
    out.artifact = api::MigrationArtifact{result.artifactPath, result.sha256, result.bytes};
    break;
  }
  return out;
}

const api::ModelSource* findSource(const api::ModelMigrationSpec& spec,
                                   const PartyMigration& party) {
  for (const auto& source : spec.sources) {
    if (source.role == party.role && source.partyId == party.sourcePartyId) return &source;
  }
  return nullptr;
}

const api::ImportTarget* findTarget(const api::ModelMigrationSpec& spec,
                                    const PartyMigration& party) {
  for (const auto& target : spec.targets) {
    if (target.role == party.role && target.partyId == party.targetPartyId) return &target;
  }
  return nullptr;
}

std::string flowUrlOf(const api::FLCluster& cluster) {
  const std::string where = "FLCluster " + cluster.metadata.name + " spec.fate.flow";
  if (!cluster.spec.fate) throw InvalidInput(where, "the FLCluster has no FATE part");
  const api::FateFlowEndpoint& flow = cluster.spec.fate->flow;
  if (flow.url) return *flow.url;
  if (flow.service) {
    return "http://" + flow.service->name + "." + cluster.metadata.namespace_ +
           ".svc:" + std::to_string(flow.service->port.value_or(9380));
  }
  throw InvalidInput(where, "neither url nor service is set");
}

ImportTarget importTargetOf(const api::FLCluster& cluster) {
  ImportTarget target;
  target.flowUrl = flowUrlOf(cluster);
  const auto& auth = cluster.spec.fate->flow.authSecretRef;
  if (auth) target.authSecretName = auth->name;
  return target;
}

TransferSource transferSourceOf(const api::ModelSource& source,
                                const api::FLCluster* sourceCluster) {
  const std::string where =
      "spec.sources[" + source.role + " " + std::to_string(source.partyId) + "]";
  if (source.url) {
    if (!source.sha256) throw InvalidInput(where + ".sha256", "a URL source needs its sha256");
    return UrlSource{*source.url, *source.sha256};
  }
  if (!source.clusterRef) throw InvalidInput(where, "neither clusterRef nor url is set");
  if (!sourceCluster) {
    throw InvalidInput(where + ".clusterRef",
                       "FLCluster '" + source.clusterRef->name + "' does not exist");
  }
  if (!sourceCluster->spec.fate || !sourceCluster->spec.fate->modelStore) {
    throw InvalidInput(where + ".clusterRef", "FLCluster '" + source.clusterRef->name +
                                                  "' declares no spec.fate.modelStore");
  }
  const api::ModelStore& store = *sourceCluster->spec.fate->modelStore;
  return ModelStoreSource{store.claimName, store.path};
}

}  // namespace flop::modelmigration
