#include "flop/modelmigration/job_builder.hpp"

#include <gtest/gtest.h>

#include "flop/error.hpp"
#include "flop/modelmigration/naming.hpp"

namespace flop::modelmigration {
namespace {

using json = nlohmann::json;

MigrationJobContext seedContext() {
  MigrationJobContext context;
  context.ns = "fl";
  context.migrationName = "seed";
  context.owner = {"federatedlearning.dev/v1alpha1", "ModelMigration", "seed", "uid-1234"};
  context.workspaceClaim = "migration-workspace";
  context.settings.image = "ghcr.io/example/fl-operator:0.1.0";
  context.settings.backoffLimit = 2;
  context.settings.activeDeadlineSeconds = 600;
  context.settings.ttlSecondsAfterFinished = 86400;
  context.settings.resources = {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}},
                                {"limits", {{"memory", "512Mi"}}}};
  context.request.modelId = "arbiter-10000#guest-9999#host-10000#model";
  context.request.modelVersion = "202006171904247702041";
  context.request.role = {{"guest", {9999}}, {"host", {10000}}, {"arbiter", {10000}}};
  context.request.migrateRole = {{"guest", {99}}, {"host", {100}}, {"arbiter", {100}}};
  context.request.migrateInitiator = {"guest", 99};
  context.plan = planMigration(context.request, std::string("202311221053219843970"));
  return context;
}

const PartyMigration kGuest{"guest", 9999, 99, 0};

const json& container(const json& job) { return job["spec"]["template"]["spec"]["containers"][0]; }

void expectCommonJobShape(const json& job, Step step, int attempt) {
  EXPECT_EQ(job["apiVersion"], "batch/v1");
  EXPECT_EQ(job["kind"], "Job");
  EXPECT_EQ(job["metadata"]["name"], jobName("seed", kGuest, step, attempt));
  EXPECT_EQ(job["metadata"]["namespace"], "fl");
  const json& owner = job["metadata"]["ownerReferences"][0];
  EXPECT_EQ(owner["kind"], "ModelMigration");
  EXPECT_EQ(owner["uid"], "uid-1234");
  EXPECT_EQ(owner["controller"], true);
  EXPECT_EQ(job["metadata"]["labels"]["federatedlearning.dev/step"], stepName(step));
  EXPECT_EQ(job["spec"]["template"]["metadata"]["labels"], job["metadata"]["labels"]);
  EXPECT_EQ(job["spec"]["backoffLimit"], 2);
  EXPECT_EQ(job["spec"]["activeDeadlineSeconds"], 600);
  EXPECT_EQ(job["spec"]["ttlSecondsAfterFinished"], 86400);
  const json& pod = job["spec"]["template"]["spec"];
  EXPECT_EQ(pod["restartPolicy"], "Never");
  EXPECT_EQ(pod["automountServiceAccountToken"], false);
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  const json& c = container(job);
  EXPECT_EQ(c["image"], "ghcr.io/example/fl-operator:0.1.0");
  EXPECT_EQ(c["command"], json::array({"/bin/sh", "-c", std::string(kStepWrapper), "fl-model"}));
  bool resultFile = false;
  for (const auto& env : c["env"]) {
    resultFile |= env["name"] == "FL_MODEL_RESULT_FILE" && env["value"] == "/dev/termination-log";
  }
  EXPECT_TRUE(resultFile);
  EXPECT_EQ(c["securityContext"]["allowPrivilegeEscalation"], false);
  EXPECT_EQ(c["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(c["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(c["securityContext"]["capabilities"]["drop"], json::array({"ALL"}));
  EXPECT_EQ(c["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  EXPECT_EQ(c["resources"]["limits"]["memory"], "512Mi");
  EXPECT_EQ(c["terminationMessagePath"], "/dev/termination-log");
  EXPECT_EQ(c["volumeMounts"][0]["mountPath"], "/workspace");
  EXPECT_EQ(c["volumeMounts"][0]["subPath"], "seed-uid-1234/guest-9999");
  EXPECT_EQ(pod["volumes"][0]["persistentVolumeClaim"]["claimName"], "migration-workspace");
}

TEST(TransferJob, FetchesAUrlSourceWithTheUrlInEnvNeverArgv) {
  const std::string sha(64, 'a');
  const std::string url = "https://models.example.com/guest.zip?X-Signature=secret";
  const json job = buildTransferJob(seedContext(), kGuest, 1, UrlSource{url, sha});
  expectCommonJobShape(job, Step::Transfer, 1);
  // fl-model fetch (URL | --url-env VAR) --sha256 HEX --output FILE
  EXPECT_EQ(container(job)["args"],
            json::array({"fetch", "--url-env", "FL_MODEL_SOURCE_URL", "--sha256", sha, "--output",
                         "/workspace/guest#9999#arbiter-10000#guest-9999#host-10000#model_"
                         "202006171904247702041.zip"}));
  bool urlInEnv = false;
  for (const auto& env : container(job)["env"]) {
    urlInEnv |= env["name"] == "FL_MODEL_SOURCE_URL" && env["value"] == url;
  }
  EXPECT_TRUE(urlInEnv);
  EXPECT_EQ(container(job)["args"].dump().find("X-Signature"), std::string::npos);
  EXPECT_THROW(buildTransferJob(seedContext(), kGuest, 1, UrlSource{url, "ABC"}), InvalidInput);
  EXPECT_THROW(buildTransferJob(seedContext(), kGuest, 1, UrlSource{"ftp://x/y.zip", sha}),
               InvalidInput);
}

TEST(TransferJob, PacksTheSourceCopyFromTheModelStoreReadOnly) {
  const json job =
      buildTransferJob(seedContext(), kGuest, 1,
                       ModelStoreSource{"fate-guest-models", "fateflow/model_local_cache"});
  expectCommonJobShape(job, Step::Transfer, 1);
  EXPECT_EQ(container(job)["args"],
            json::array({"pack",
                         "/source/guest#9999#arbiter-10000#guest-9999#host-10000#model/"
                         "202006171904247702041",
                         "--out",
                         "/workspace/guest#9999#arbiter-10000#guest-9999#host-10000#model_"
                         "202006171904247702041.zip"}));
  const json& mount = container(job)["volumeMounts"].back();
  EXPECT_EQ(mount["mountPath"], "/source");
  EXPECT_EQ(mount["readOnly"], true);
  EXPECT_EQ(mount["subPath"], "fateflow/model_local_cache");
  const json& volume = job["spec"]["template"]["spec"]["volumes"].back();
  EXPECT_EQ(volume["persistentVolumeClaim"]["claimName"], "fate-guest-models");
  EXPECT_EQ(volume["persistentVolumeClaim"]["readOnly"], true);
}

TEST(TransferJob, DownloadsFromAUrlWithoutPuttingItInArgv) {
  const std::string sha(64, 'a');
  const json job = buildTransferJob(seedContext(), kGuest, 1,
                                    UrlSource{"https://models.example/x.zip?sig=secret", sha});
  const std::string argv = container(job)["args"].dump();
  EXPECT_EQ(argv.find("sig=secret"), std::string::npos);
  EXPECT_NE(argv.find(sha), std::string::npos);
  bool found = false;
  for (const auto& env : container(job)["env"]) {
    if (env["name"] == "FL_MODEL_SOURCE_URL")
      found = env["value"] == "https://models.example/x.zip?sig=secret";
  }
  EXPECT_TRUE(found);
  EXPECT_THROW(buildTransferJob(seedContext(), kGuest, 1, UrlSource{"file:///etc/passwd", sha}),
               InvalidInput);
  EXPECT_THROW(buildTransferJob(seedContext(), kGuest, 1, UrlSource{"https://x/y", "abc"}),
               InvalidInput);
}

TEST(MigrateJob, RunsFlModelMigrateOnTheWorkspaceCopy) {
  const json job = buildMigrateJob(seedContext(), kGuest, 2, "1.9");
  expectCommonJobShape(job, Step::Migrate, 2);
  EXPECT_EQ(container(job)["args"],
            json::array({"migrate", "-c", "/etc/fl-model/migrate_model.json", "--model",
                         "/workspace/guest#9999#arbiter-10000#guest-9999#host-10000#model_"
                         "202006171904247702041.zip",
                         "--role", "guest", "--party-id", "9999", "--output-dir", "/workspace",
                         "--format", "zip", "--digest", "sha256", "--compat", "1.9"}));
  const json& volume = job["spec"]["template"]["spec"]["volumes"].back();
  EXPECT_EQ(volume["configMap"]["name"], "seed-migrate-conf");
  EXPECT_THROW(buildMigrateJob(seedContext(), kGuest, 1, "2.0"), InvalidInput);
}

TEST(ImportJob, CredentialsComeFromTheSecretNeverArgv) {
  ImportTarget target{"http://fateflow.party-99:9380", std::string("flow-auth"),
                      ImportTarget::AuthMode::Env};
  json job = buildImportJob(seedContext(), kGuest, 1, target);
  expectCommonJobShape(job, Step::Import, 1);
  EXPECT_EQ(container(job)["args"],
            json::array({"import", "--flow", "http://fateflow.party-99:9380", "-c",
                         "/workspace/guest#99#arbiter-100#guest-99#host-100#model_"
                         "202311221053219843970.import_model.json"}));
  std::map<std::string, std::string> secretKeyByEnv;
  for (const auto& env : container(job)["env"]) {
    if (env.contains("valueFrom")) {
      EXPECT_EQ(env["valueFrom"]["secretKeyRef"]["name"], "flow-auth");
      secretKeyByEnv[env["name"]] = env["valueFrom"]["secretKeyRef"]["key"];
    }
  }
  // The FLCluster's authSecretRef keys, in the env names fl-model import reads.
  EXPECT_EQ(secretKeyByEnv,
            (std::map<std::string, std::string>{{"FL_MODEL_APP_KEY", "appKey"},
                                                {"FL_MODEL_APP_SECRET", "appSecret"}}));

  target.authMode = ImportTarget::AuthMode::File;
  job = buildImportJob(seedContext(), kGuest, 1, target);
  EXPECT_EQ(container(job)["volumeMounts"].back()["mountPath"], "/var/run/secrets/fate-flow");
  EXPECT_EQ(container(job)["volumeMounts"].back()["readOnly"], true);
  EXPECT_EQ(job["spec"]["template"]["spec"]["volumes"].back()["secret"]["secretName"], "flow-auth");
  const auto& args = container(job)["args"];
  EXPECT_EQ(args[args.size() - 2], "--auth-dir");
  EXPECT_EQ(args.back(), "/var/run/secrets/fate-flow");
  EXPECT_EQ(container(job)["args"].dump().find("flow-auth"), std::string::npos);
}

TEST(MigrateConf, IsFatesOwnFormatWithThePlannedVersion) {
  const auto context = seedContext();
  const auto conf = migrateConf(context.request, context.plan, "MULTIPLE");
  EXPECT_EQ(conf.dump(), R"({"job_parameters":{"federated_mode":"MULTIPLE"},)"
                         R"("migrate_initiator":{"role":"guest","party_id":99},)"
                         R"("role":{"guest":[9999],"host":[10000],"arbiter":[10000]},)"
                         R"("migrate_role":{"guest":[99],"host":[100],"arbiter":[100]},)"
                         R"("execute_party":{"guest":[9999],"host":[10000],"arbiter":[10000]},)"
                         R"("model_id":"arbiter-10000#guest-9999#host-10000#model",)"
                         R"("model_version":"202006171904247702041",)"
                         R"("unify_model_version":"202311221053219843970"})");
  EXPECT_THROW(migrateConf(context.request, context.plan, "single"), InvalidInput);

  const json configMap = buildMigrateConfigMap(context, "SINGLE");
  EXPECT_EQ(configMap["metadata"]["name"], "seed-migrate-conf");
  EXPECT_EQ(configMap["metadata"]["ownerReferences"][0]["uid"], "uid-1234");
  const json parsed = json::parse(configMap["data"]["migrate_model.json"].get<std::string>());
  EXPECT_EQ(parsed["unify_model_version"], "202311221053219843970");
}

TEST(Builders, RejectIncompleteContext) {
  auto context = seedContext();
  context.settings.image.clear();
  EXPECT_THROW(buildMigrateJob(context, kGuest, 1, "1.9"), InvalidInput);
  context = seedContext();
  context.workspaceClaim.clear();
  EXPECT_THROW(buildImportJob(context, kGuest, 1, {"http://x:9380", std::nullopt}), InvalidInput);
}

}  // namespace
}  // namespace flop::modelmigration
