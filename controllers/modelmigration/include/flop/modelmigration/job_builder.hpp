#pragma once
// The desired Kubernetes objects of a migration as pure JSON: one batch/v1 Job per
// (party, step, attempt) running the operator's own image with `fl-model`, and the ConfigMap
// with FATE's migrate_model.json that every migrate Job reads.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "flop/modelmigration/plan.hpp"
#include "flop/modelmigration/steps.hpp"

namespace flop::modelmigration {

// Where things are inside a step container. The same per-party workspace is mounted at the
// same path in all three steps, so paths written by one step stay valid in the next.
namespace paths {
inline constexpr std::string_view kWorkspace = "/workspace";
inline constexpr std::string_view kSource = "/source";  // source model store, read-only
inline constexpr std::string_view kConfig = "/etc/fl-model";
inline constexpr std::string_view kTmp = "/tmp";
inline constexpr std::string_view kFlowAuth = "/var/run/secrets/fate-flow";
inline constexpr std::string_view kTerminationLog = "/dev/termination-log";
inline constexpr std::string_view kMigrateConfKey = "migrate_model.json";
}  // namespace paths

// Every step container runs `/bin/sh -c WRAPPER fl-model ARGS...`: fl-model with exactly ARGS,
// its one-line JSON result (stdout) copied into the termination message for the operator and
// echoed to the log, and fl-model's exit code kept. ARGS are positional parameters, never
// spliced into the script, so no value from a spec is ever parsed by the shell.
inline constexpr std::string_view kStepWrapper =
    R"(fl-model "$@" >"$FL_MODEL_RESULT_FILE"; rc=$?; cat "$FL_MODEL_RESULT_FILE"; exit $rc)";

struct OwnerReference {
  std::string apiVersion;
  std::string kind;
  std::string name;
  std::string uid;
};

struct StepJobSettings {
  std::string image;
  std::string imagePullPolicy;  // empty: the cluster default
  int backoffLimit = 0;         // 0 by default: import is not idempotent (FATE 1.9+ answers 409)
  std::optional<std::int64_t> activeDeadlineSeconds;
  std::optional<std::int32_t> ttlSecondsAfterFinished;
  nlohmann::json resources = nlohmann::json::object();  // a core/v1 ResourceRequirements
  std::optional<std::string> serviceAccountName;
  std::int64_t runAsUser = 65532;
};

// A source FLCluster's model store: a PVC and the path of model_local_cache on it.
struct ModelStoreSource {
  std::string claimName;
  std::string modelLocalCachePath;  // relative to the volume root; "" = the root
};
// A packed model downloaded over HTTP(S) and checked against the given sha256.
struct UrlSource {
  std::string url;
  std::string sha256;
};
using TransferSource = std::variant<ModelStoreSource, UrlSource>;

// The target party's FATE-Flow and, optionally, its credentials.
struct ImportTarget {
  std::string flowUrl;  // e.g. http://fateflow.party-99.svc:9380
  std::optional<std::string> authSecretName;
  enum class AuthMode { Env, File } authMode = AuthMode::Env;
};

struct MigrationJobContext {
  std::string ns;
  std::string migrationName;
  OwnerReference owner;
  std::string workspaceClaim;  // PVC shared by the steps; each party uses its own sub-directory
  StepJobSettings settings;
  MigrationRequest request;  // the spec as FATE sees it
  MigrationPlan plan;        // new model_id / model_version
};

// File names inside a party's workspace, shared by builders and tests.
std::string workspaceSubPath(const MigrationJobContext& context, const PartyMigration& party);
std::string sourceArchivePath(const MigrationJobContext& context, const PartyMigration& party);
std::string migratedDir();
std::string importConfPath(const MigrationJobContext& context, const PartyMigration& party);

// FATE's migrate_model.json for this migration, with unify_model_version set to the planned
// version so every party migrates to the same one.
nlohmann::ordered_json migrateConf(const MigrationRequest& request, const MigrationPlan& plan,
                                   std::string_view federatedMode);
nlohmann::json buildMigrateConfigMap(const MigrationJobContext& context,
                                     std::string_view federatedMode);

nlohmann::json buildTransferJob(const MigrationJobContext& context, const PartyMigration& party,
                                int attempt, const TransferSource& source);
// `compat` is "1.5" or "1.9", from the target FATE version (see compatFor()).
nlohmann::json buildMigrateJob(const MigrationJobContext& context, const PartyMigration& party,
                               int attempt, std::string_view compat);
nlohmann::json buildImportJob(const MigrationJobContext& context, const PartyMigration& party,
                              int attempt, const ImportTarget& target);

}  // namespace flop::modelmigration
