#include "flop/modelmigration/job_builder.hpp"

#include <algorithm>

#include "flop/error.hpp"
#include "flop/modelmigration/naming.hpp"

namespace flop::modelmigration {
namespace {

using json = nlohmann::json;

constexpr std::string_view kContainerName = "fl-model";
constexpr std::string_view kResultFileEnv = "FL_MODEL_RESULT_FILE";
// FATE-Flow's app key and secret: the FLCluster's auth Secret keys and fl-model's env names.
constexpr std::pair<std::string_view, std::string_view> kCredentialEnv[] = {
    {"appKey", "FL_MODEL_APP_KEY"}, {"appSecret", "FL_MODEL_APP_SECRET"}};

bool isHttpUrl(std::string_view url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

bool isSha256Hex(std::string_view hex) {
  return hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

void validateContext(const MigrationJobContext& context) {
  if (context.settings.image.empty()) throw InvalidInput("spec.image", "step image is empty");
  if (context.workspaceClaim.empty()) {
    throw InvalidInput("spec.workspace.claimName", "workspace PVC is not set");
  }
  if (context.plan.newModelId.empty() || context.plan.newModelVersion.empty()) {
    throw InvalidInput("plan", "new model_id/model_version must be planned before building Jobs");
  }
}

nlohmann::ordered_json roleMapJson(const RoleMap& roles) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& entry : roles) out[entry.role] = entry.partyIds;
  return out;
}

json ownerReferences(const OwnerReference& owner) {
  return json::array({{{"apiVersion", owner.apiVersion},
                       {"kind", owner.kind},
                       {"name", owner.name},
                       {"uid", owner.uid},
                       {"controller", true},
                       {"blockOwnerDeletion", true}}});
}

json restrictedContainerSecurity(const StepJobSettings& settings) {
  return {{"allowPrivilegeEscalation", false},
          {"readOnlyRootFilesystem", true},
          {"runAsNonRoot", true},
          {"runAsUser", settings.runAsUser},
          {"capabilities", {{"drop", json::array({"ALL"})}}},
          {"seccompProfile", {{"type", "RuntimeDefault"}}}};
}

json workspaceMount() { return {{"name", "workspace"}, {"mountPath", paths::kWorkspace}}; }

// The Job skeleton shared by every step; callers add args, env, mounts and volumes.
json jobSkeleton(const MigrationJobContext& context, const PartyMigration& party, Step step,
                 int attempt, json args) {
  const auto labels = jobLabels(context.migrationName, party, step, attempt);
  const StepJobSettings& settings = context.settings;

  json container = {
      {"name", kContainerName},
      {"image", settings.image},
      {"command", json::array({"/bin/sh", "-c", std::string(kStepWrapper), "fl-model"})},
      {"args", std::move(args)},
      {"env", json::array({{{"name", kResultFileEnv}, {"value", paths::kTerminationLog}}})},
      {"resources", settings.resources},
      {"securityContext", restrictedContainerSecurity(settings)},
      {"terminationMessagePath", paths::kTerminationLog},
      // On a crash before fl-model writes its result, the log tail still explains the failure.
      {"terminationMessagePolicy", "FallbackToLogsOnError"},
      {"volumeMounts",
       json::array({workspaceMount(), {{"name", "tmp"}, {"mountPath", paths::kTmp}}})},
  };
  if (!settings.imagePullPolicy.empty()) container["imagePullPolicy"] = settings.imagePullPolicy;

  json podSpec = {
      {"restartPolicy", "Never"},
      {"automountServiceAccountToken", false},
      {"enableServiceLinks", false},
      {"securityContext",
       {{"runAsNonRoot", true},
        {"runAsUser", settings.runAsUser},
        {"runAsGroup", settings.runAsUser},
        {"fsGroup", settings.runAsUser},
        {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
      {"containers", json::array({std::move(container)})},
      {"volumes", json::array({{{"name", "workspace"},
                                {"persistentVolumeClaim", {{"claimName", context.workspaceClaim}}}},
                               {{"name", "tmp"}, {"emptyDir", {{"sizeLimit", "1Gi"}}}}})},
  };
  if (settings.serviceAccountName) podSpec["serviceAccountName"] = *settings.serviceAccountName;
  // Each party sees only its own directory of the workspace volume.
  podSpec["containers"][0]["volumeMounts"][0]["subPath"] = workspaceSubPath(context, party);

  json spec = {
      {"backoffLimit", settings.backoffLimit},
      {"completions", 1},
      {"parallelism", 1},
      {"template", {{"metadata", {{"labels", labels}}}, {"spec", std::move(podSpec)}}},
  };
  if (settings.activeDeadlineSeconds)
    spec["activeDeadlineSeconds"] = *settings.activeDeadlineSeconds;
  if (settings.ttlSecondsAfterFinished) {
    spec["ttlSecondsAfterFinished"] = *settings.ttlSecondsAfterFinished;
  }

  return {
      {"apiVersion", "batch/v1"},
      {"kind", "Job"},
      {"metadata",
       {{"name", jobName(context.migrationName, party, step, attempt)},
        {"namespace", context.ns},
        {"labels", labels},
        {"annotations",
         {{"federatedlearning.dev/source-party-model-id",
           partyModelId(party.role, party.sourcePartyId, context.request.modelId)},
          {"federatedlearning.dev/target-party-model-id",
           partyModelId(party.role, party.targetPartyId, context.plan.newModelId)},
          {"federatedlearning.dev/model-version", context.plan.newModelVersion}}},
        {"ownerReferences", ownerReferences(context.owner)}}},
      {"spec", std::move(spec)},
  };
}

json& container(json& job) { return job["spec"]["template"]["spec"]["containers"][0]; }
json& volumes(json& job) { return job["spec"]["template"]["spec"]["volumes"]; }

}  // namespace

std::string workspaceSubPath(const MigrationJobContext& context, const PartyMigration& party) {
  // The UID keeps a re-created object of the same name away from a predecessor's files.
  std::string root = context.owner.uid.empty() ? context.migrationName
                                               : context.migrationName + "-" + context.owner.uid;
  return root + "/" + party.role + "-" + std::to_string(party.sourcePartyId);
}

std::string sourceArchivePath(const MigrationJobContext& context, const PartyMigration& party) {
  // Straight in the party's workspace root: the mount exists, and fl-model creates no parent
  // directories. Source and migrated archives never collide (new ids and version differ).
  return std::string(paths::kWorkspace) + "/" +
         partyModelId(party.role, party.sourcePartyId, context.request.modelId) + "_" +
         context.request.modelVersion + ".zip";
}

std::string migratedDir() { return std::string(paths::kWorkspace); }

std::string importConfPath(const MigrationJobContext& context, const PartyMigration& party) {
  // fl-model migrate names it after the migrated archive.
  return migratedDir() + "/" +
         partyModelId(party.role, party.targetPartyId, context.plan.newModelId) + "_" +
         context.plan.newModelVersion + ".import_model.json";
}

nlohmann::ordered_json migrateConf(const MigrationRequest& request, const MigrationPlan& plan,
                                   std::string_view federatedMode) {
  if (federatedMode != "SINGLE" && federatedMode != "MULTIPLE") {
    throw InvalidInput("spec.federatedMode", "must be SINGLE or MULTIPLE");
  }
  nlohmann::ordered_json conf;
  conf["job_parameters"] = {{"federated_mode", federatedMode}};
  conf["migrate_initiator"] = {{"role", request.migrateInitiator.role},
                               {"party_id", request.migrateInitiator.partyId}};
  conf["role"] = roleMapJson(request.role);
  conf["migrate_role"] = roleMapJson(request.migrateRole);
  // Always explicit, so fl-model never falls back to its own execution order or version.
  RoleMap executing;
  for (const auto& party : plan.parties) {
    auto it = std::find_if(executing.begin(), executing.end(),
                           [&](const RoleParties& e) { return e.role == party.role; });
    if (it == executing.end()) {
      executing.push_back({party.role, {}});
      it = executing.end() - 1;
    }
    it->partyIds.push_back(party.sourcePartyId);
  }
  conf["execute_party"] = roleMapJson(executing);
  conf["model_id"] = request.modelId;
  conf["model_version"] = request.modelVersion;
  conf["unify_model_version"] = plan.newModelVersion;
  return conf;
}

json buildMigrateConfigMap(const MigrationJobContext& context, std::string_view federatedMode) {
  validateContext(context);
  return {
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata",
       {{"name", migrateConfigMapName(context.migrationName)},
        {"namespace", context.ns},
        {"labels", ownerLabels(context.migrationName)},
        {"ownerReferences", ownerReferences(context.owner)}}},
      {"immutable", true},
      {"data",
       {{paths::kMigrateConfKey,
         migrateConf(context.request, context.plan, federatedMode).dump(4)}}},
  };
}

json buildTransferJob(const MigrationJobContext& context, const PartyMigration& party, int attempt,
                      const TransferSource& source) {
  validateContext(context);
  const std::string out = sourceArchivePath(context, party);
  if (const auto* store = std::get_if<ModelStoreSource>(&source)) {
    if (store->claimName.empty()) {
      throw InvalidInput("source.modelStore.claimName", "model store PVC is not set");
    }
    const std::string modelDir =
        std::string(paths::kSource) + "/" +
        partyModelId(party.role, party.sourcePartyId, context.request.modelId) + "/" +
        context.request.modelVersion;
    json job = jobSkeleton(context, party, Step::Transfer, attempt,
                           json::array({"pack", modelDir, "--out", out}));
    json mount = {{"name", "source"}, {"mountPath", paths::kSource}, {"readOnly", true}};
    if (!store->modelLocalCachePath.empty()) mount["subPath"] = store->modelLocalCachePath;
    container(job)["volumeMounts"].push_back(std::move(mount));
    volumes(job).push_back(
        {{"name", "source"},
         {"persistentVolumeClaim", {{"claimName", store->claimName}, {"readOnly", true}}}});
    return job;
  }
  const auto& url = std::get<UrlSource>(source);
  if (!isHttpUrl(url.url)) throw InvalidInput("source.url", "must be an http(s) URL");
  if (!isSha256Hex(url.sha256)) {
    throw InvalidInput("source.sha256", "must be 64 lower-case hex characters");
  }
  // The URL may be pre-signed (a credential): it travels in env, not argv.
  json job = jobSkeleton(context, party, Step::Transfer, attempt,
                         json::array({"fetch", "--url-env", "FL_MODEL_SOURCE_URL", "--sha256",
                                      url.sha256, "--output", out}));
  container(job)["env"].push_back({{"name", "FL_MODEL_SOURCE_URL"}, {"value", url.url}});
  return job;
}

json buildMigrateJob(const MigrationJobContext& context, const PartyMigration& party, int attempt,
                     std::string_view compat) {
  validateContext(context);
  if (compat != "1.5" && compat != "1.9") throw InvalidInput("compat", "must be 1.5 or 1.9");
  const std::string conf = std::string(paths::kConfig) + "/" + std::string(paths::kMigrateConfKey);
  json job = jobSkeleton(
      context, party, Step::Migrate, attempt,
      json::array({"migrate", "-c", conf, "--model", sourceArchivePath(context, party), "--role",
                   party.role, "--party-id", std::to_string(party.sourcePartyId), "--output-dir",
                   migratedDir(), "--format", "zip", "--digest", "sha256", "--compat", compat}));
  container(job)["volumeMounts"].push_back(
      {{"name", "migrate-conf"}, {"mountPath", paths::kConfig}, {"readOnly", true}});
  volumes(job).push_back({{"name", "migrate-conf"},
                          {"configMap", {{"name", migrateConfigMapName(context.migrationName)}}}});
  return job;
}

json buildImportJob(const MigrationJobContext& context, const PartyMigration& party, int attempt,
                    const ImportTarget& target) {
  validateContext(context);
  if (!isHttpUrl(target.flowUrl)) throw InvalidInput("target.flowUrl", "must be an http(s) URL");
  json job = jobSkeleton(
      context, party, Step::Import, attempt,
      json::array({"import", "--flow", target.flowUrl, "-c", importConfPath(context, party)}));
  if (!target.authSecretName) return job;
  const std::string& secret = *target.authSecretName;
  // fl-model signs the import with the app key and secret from its env or from --auth-dir.
  if (target.authMode == ImportTarget::AuthMode::Env) {
    for (const auto& [key, env] : kCredentialEnv) {
      container(job)["env"].push_back(
          {{"name", env}, {"valueFrom", {{"secretKeyRef", {{"name", secret}, {"key", key}}}}}});
    }
    return job;
  }
  container(job)["args"].push_back("--auth-dir");
  container(job)["args"].push_back(std::string(paths::kFlowAuth));
  container(job)["volumeMounts"].push_back(
      {{"name", "flow-auth"}, {"mountPath", paths::kFlowAuth}, {"readOnly", true}});
  volumes(job).push_back(
      {{"name", "flow-auth"}, {"secret", {{"secretName", secret}, {"defaultMode", 0440}}}});
  return job;
}

}  // namespace flop::modelmigration
