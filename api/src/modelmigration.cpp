#include "flop/api/modelmigration.hpp"

#include <type_traits>

#include "describe_common.hpp"
#include "flop/api/names.hpp"

namespace flop::api {

using detail::Is;

template <class V, Is<MigrateInitiator> S>
void describe(V& v, S& s) {
  v.required("role", s.role);
  v.required("partyId", s.partyId);
}

template <class V, Is<MigrationJobParameters> S>
void describe(V& v, S& s) {
  v.required("federatedMode", s.federatedMode);
}

template <class V, Is<ModelSource> S>
void describe(V& v, S& s) {
  v.required("role", s.role);
  v.required("partyId", s.partyId);
  v.optional("clusterRef", s.clusterRef);
  v.optional("url", s.url);
  v.optional("sha256", s.sha256);
}

template <class V, Is<ImportTarget> S>
void describe(V& v, S& s) {
  v.required("role", s.role);
  v.required("partyId", s.partyId);
  v.required("clusterRef", s.clusterRef);
}

template <class V, Is<WorkspaceSpec> S>
void describe(V& v, S& s) {
  v.optional("claimName", s.claimName);
  v.optional("storageClassName", s.storageClassName);
  v.optional("size", s.size);
}

template <class V, Is<ImportSpec> S>
void describe(V& v, S& s) {
  v.required("enabled", s.enabled);
  v.optional("forceUpdate", s.forceUpdate);
}

template <class V, Is<ModelMigrationSpec> S>
void describe(V& v, S& s) {
  v.required("modelId", s.modelId);
  v.required("modelVersion", s.modelVersion);
  v.required("role", s.role);
  v.required("migrateRole", s.migrateRole);
  v.required("migrateInitiator", s.migrateInitiator);
  v.required("executeParty", s.executeParty);
  v.required("jobParameters", s.jobParameters);
  v.optional("unifyModelVersion", s.unifyModelVersion);
  v.required("sources", s.sources);
  v.optional("targets", s.targets);
  v.optional("workspace", s.workspace);
  v.optional("import", s.import_);
  v.required("stepImage", s.stepImage);
  v.optional("imagePullPolicy", s.imagePullPolicy);
  v.optional("ttlSecondsAfterFinished", s.ttlSecondsAfterFinished);
  if constexpr (std::is_same_v<V, detail::Decoder>) {
    check_roles(s.role, detail::join_path(v.path(), "role"));
    check_roles(s.migrateRole, detail::join_path(v.path(), "migrateRole"));
    check_roles(s.executeParty, detail::join_path(v.path(), "executeParty"));
  }
}

template <class V, Is<MigrationStep> S>
void describe(V& v, S& s) {
  v.optional("phase", s.phase);
  v.optional("jobName", s.jobName);
  v.optional("attempts", s.attempts);
  v.optional("startTime", s.startTime);
  v.optional("completionTime", s.completionTime);
  v.optional("message", s.message);
}

template <class V, Is<MigrationSteps> S>
void describe(V& v, S& s) {
  v.optional("transfer", s.transfer);
  v.optional("migrate", s.migrate);
  v.optional("import", s.import_);
}

template <class V, Is<MigrationArtifact> S>
void describe(V& v, S& s) {
  v.optional("path", s.path);
  v.optional("sha256", s.sha256);
  v.optional("bytes", s.bytes);
}

template <class V, Is<PartyMigrationStatus> S>
void describe(V& v, S& s) {
  v.required("role", s.role);
  v.required("sourcePartyId", s.sourcePartyId);
  v.required("targetPartyId", s.targetPartyId);
  v.optional("steps", s.steps);
  v.optional("artifact", s.artifact);
}

template <class V, Is<ModelMigrationStatus> S>
void describe(V& v, S& s) {
  v.optional("observedGeneration", s.observedGeneration);
  v.optional("conditions", s.conditions);
  v.optional("phase", s.phase);
  v.optional("newModelId", s.newModelId);
  v.optional("newModelVersion", s.newModelVersion);
  v.optional("startTime", s.startTime);
  v.optional("completionTime", s.completionTime);
  v.optional("parties", s.parties);
}

template <class V, Is<ModelMigration> S>
void describe(V& v, S& s) {
  v.optional("metadata", s.metadata);
  v.required("spec", s.spec);
  v.optional("status", s.status);
}

void to_json(nlohmann::json& j, const ModelMigrationSpec& value) {
  j = detail::encode_value(value);
}
void from_json(const nlohmann::json& j, ModelMigrationSpec& value) {
  detail::decode_value(j, "spec", value);
}
void to_json(nlohmann::json& j, const ModelMigrationStatus& value) {
  j = detail::encode_value(value);
}
void from_json(const nlohmann::json& j, ModelMigrationStatus& value) {
  detail::decode_value(j, "status", value);
}
void to_json(nlohmann::json& j, const ModelMigration& value) {
  j = envelope(kModelMigration.kind, value.metadata, detail::encode_value(value.spec),
               detail::encode_value(value.status));
}
void from_json(const nlohmann::json& j, ModelMigration& value) {
  check_kind(j, kModelMigration.kind);
  detail::decode_value(j, "", value);
}

}  // namespace flop::api
