#pragma once
// Internal: the JSON field list of every ModelMigration type (see codec.hpp). Kept in a header so
// the schema-agreement test can walk the same lists the codec uses.
#include <type_traits>

#include "describe_common.hpp"
#include "flop/api/modelmigration.hpp"

namespace flop::api {

template <class V, detail::Is<MigrateInitiator> S>
void describe(V& v, S& s) {
  v.required("role", s.role);
  v.required("partyId", s.partyId);
}

template <class V, detail::Is<MigrationJobParameters> S>
void describe(V& v, S& s) {
  v.required("federatedMode", s.federatedMode);
}

template <class V, detail::Is<ModelSource> S>
void describe(V& v, S& s) {
  v.required("role", s.role);
  v.required("partyId", s.partyId);
  v.optional("clusterRef", s.clusterRef);
  v.optional("url", s.url);
  v.optional("sha256", s.sha256);
}

template <class V, detail::Is<ImportTarget> S>
void describe(V& v, S& s) {
  v.required("role", s.role);
  v.required("partyId", s.partyId);
  v.required("clusterRef", s.clusterRef);
}

template <class V, detail::Is<WorkspaceSpec> S>
void describe(V& v, S& s) {
  v.optional("claimName", s.claimName);
  v.optional("storageClassName", s.storageClassName);
  v.optional("size", s.size);
}

template <class V, detail::Is<ImportSpec> S>
void describe(V& v, S& s) {
  v.required("enabled", s.enabled);
  v.optional("forceUpdate", s.forceUpdate);
}

template <class V, detail::Is<ModelMigrationSpec> S>
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
    // FATE indexes guest and host directly, so both are mandatory.
    check_roles(s.role, detail::join_path(v.path(), "role"), {"guest", "host"});
    check_roles(s.migrateRole, detail::join_path(v.path(), "migrateRole"), {"guest", "host"});
    check_roles(s.executeParty, detail::join_path(v.path(), "executeParty"));
  }
}

template <class V, detail::Is<MigrationStep> S>
void describe(V& v, S& s) {
  v.optional("phase", s.phase);
  v.optional("jobName", s.jobName);
  v.optional("attempts", s.attempts);
  v.optional("startTime", s.startTime);
  v.optional("completionTime", s.completionTime);
  v.optional("message", s.message);
}

template <class V, detail::Is<MigrationSteps> S>
void describe(V& v, S& s) {
  v.optional("transfer", s.transfer);
  v.optional("migrate", s.migrate);
  v.optional("import", s.import_);
}

template <class V, detail::Is<MigrationArtifact> S>
void describe(V& v, S& s) {
  v.optional("path", s.path);
  v.optional("sha256", s.sha256);
  v.optional("bytes", s.bytes);
}

template <class V, detail::Is<PartyMigrationStatus> S>
void describe(V& v, S& s) {
  v.required("role", s.role);
  v.required("sourcePartyId", s.sourcePartyId);
  v.required("targetPartyId", s.targetPartyId);
  v.optional("steps", s.steps);
  v.optional("artifact", s.artifact);
}

template <class V, detail::Is<ModelMigrationStatus> S>
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

template <class V, detail::Is<ModelMigration> S>
void describe(V& v, S& s) {
  v.optional("metadata", s.metadata);
  v.required("spec", s.spec);
  v.optional("status", s.status);
}

}  // namespace flop::api
