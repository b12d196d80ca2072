#pragma once
// ModelMigration (federatedlearning.dev/v1alpha1): FATE's migrate_model.json one to one
// (snake_case keys become camelCase), plus where each party's model comes from and goes to.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flop/api/common.hpp"

namespace flop::api {

struct MigrateInitiator {
  std::string role;
  std::int64_t partyId = 0;
};

struct MigrationJobParameters {
  std::string federatedMode;  // SINGLE | MULTIPLE
};

// Where one source party's model archive comes from: an FLCluster's model store or a URL.
struct ModelSource {
  std::string role;
  std::int64_t partyId = 0;  // old party id
  std::optional<LocalObjectReference> clusterRef;
  std::optional<std::string> url;
  std::optional<std::string> sha256;
};

// Where one migrated party's model is imported: the FLCluster of the new party id.
struct ImportTarget {
  std::string role;
  std::int64_t partyId = 0;  // new party id
  LocalObjectReference clusterRef;
};

// Scratch space for the step Jobs: an existing PVC, or one the operator creates.
struct WorkspaceSpec {
  std::optional<std::string> claimName;
  std::optional<std::string> storageClassName;
  std::optional<Quantity> size;
};

struct ImportSpec {
  bool enabled = false;
  std::optional<bool> forceUpdate;
};

struct ModelMigrationSpec {
  std::string modelId;
  std::string modelVersion;
  RoleMap role;
  RoleMap migrateRole;
  MigrateInitiator migrateInitiator;
  RoleMap executeParty;
  MigrationJobParameters jobParameters;
  std::optional<std::string> unifyModelVersion;
  std::vector<ModelSource> sources;
  std::vector<ImportTarget> targets;
  std::optional<WorkspaceSpec> workspace;
  std::optional<ImportSpec> import_;  // JSON key "import"
  std::string stepImage;
  std::optional<std::string> imagePullPolicy;
  std::optional<std::int32_t> ttlSecondsAfterFinished;
};

struct MigrationStep {
  std::optional<std::string> phase;  // Pending | Running | Succeeded | Failed | Skipped
  std::optional<std::string> jobName;
  std::optional<std::int32_t> attempts;
  std::optional<std::string> startTime;
  std::optional<std::string> completionTime;
  std::optional<std::string> message;
};

struct MigrationSteps {
  std::optional<MigrationStep> transfer;
  std::optional<MigrationStep> migrate;
  std::optional<MigrationStep> import_;  // JSON key "import"
};

struct MigrationArtifact {
  std::optional<std::string> path;
  std::optional<std::string> sha256;
  std::optional<std::int64_t> bytes;
};

struct PartyMigrationStatus {
  std::string role;
  std::int64_t sourcePartyId = 0;
  std::int64_t targetPartyId = 0;
  MigrationSteps steps;
  std::optional<MigrationArtifact> artifact;
};

struct ModelMigrationStatus {
  std::optional<std::int64_t> observedGeneration;
  std::vector<Condition> conditions;
  std::optional<std::string> phase;  // Pending | Running | Succeeded | Failed
  std::optional<std::string> newModelId;
  std::optional<std::string> newModelVersion;
  std::optional<std::string> startTime;
  std::optional<std::string> completionTime;
  std::vector<PartyMigrationStatus> parties;
};

struct ModelMigration {
  ObjectMeta metadata;
  ModelMigrationSpec spec;
  ModelMigrationStatus status;
};

void to_json(nlohmann::json& j, const ModelMigrationSpec& value);
void from_json(const nlohmann::json& j, ModelMigrationSpec& value);
void to_json(nlohmann::json& j, const ModelMigrationStatus& value);
void from_json(const nlohmann::json& j, ModelMigrationStatus& value);
void to_json(nlohmann::json& j, const ModelMigration& value);
void from_json(const nlohmann::json& j, ModelMigration& value);

}  // namespace flop::api
