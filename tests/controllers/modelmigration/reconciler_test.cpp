// The reconciler against an in-memory API server (FakeCluster): the seed example end to end,
// the version recorded before any Job, the FATE 1.5.1 gate, retries, restart adoption and a
// quiet steady state.
#include "flop/modelmigration/reconciler.hpp"

#include <gtest/gtest.h>

#include "fake_cluster.hpp"
#include "flop/modelmigration/controller.hpp"

namespace flop::modelmigration {
namespace {

using testing::FakeCluster;
using Json = nlohmann::json;
using namespace std::chrono_literals;

const std::string kNs = "fl";
const Timestamp kNow = Timestamp{} + 1'795'000'000s;

Json flcluster(const std::string& name, std::int64_t partyId, const std::string& version,
               bool withStore) {
  Json fate = {{"version", version}, {"flow", {{"url", "http://fateflow-" + name + ":9380"}}}};
  if (withStore)
    fate["modelStore"] = {{"claimName", name + "-data"}, {"path", "fateflow/model_local_cache"}};
  return {{"apiVersion", "federatedlearning.dev/v1alpha1"},
          {"kind", "FLCluster"},
          {"metadata", {{"name", name}, {"namespace", kNs}}},
          {"spec", {{"partyId", partyId}, {"fate", fate}}},
          {"status", {{"fate", {{"detectedVersion", version}}}}}};
}

Json seedMigration(bool withUnifyVersion) {
  Json spec = {
      {"modelId", "arbiter-10000#guest-9999#host-10000#model"},
      {"modelVersion", "202006171904247702041"},
      {"role", {{"guest", {9999}}, {"host", {10000}}, {"arbiter", {10000}}}},
      {"migrateRole", {{"guest", {99}}, {"host", {100}}, {"arbiter", {100}}}},
      {"migrateInitiator", {{"role", "guest"}, {"partyId", 99}}},
      {"executeParty", {{"guest", {9999}}, {"host", {10000}}, {"arbiter", {10000}}}},
      {"jobParameters", {{"federatedMode", "MULTIPLE"}}},
      {"sources",
       {{{"role", "guest"}, {"partyId", 9999}, {"clusterRef", {{"name", "party-9999"}}}},
        {{"role", "host"}, {"partyId", 10000}, {"clusterRef", {{"name", "party-10000"}}}},
        {{"role", "arbiter"}, {"partyId", 10000}, {"clusterRef", {{"name", "party-10000"}}}}}},
      {"targets",
       {{{"role", "guest"}, {"partyId", 99}, {"clusterRef", {{"name", "party-99"}}}},
        {{"role", "host"}, {"partyId", 100}, {"clusterRef", {{"name", "party-100"}}}},
        {{"role", "arbiter"}, {"partyId", 100}, {"clusterRef", {{"name", "party-100"}}}}}},
      {"workspace", {{"claimName", "migration-ws"}}},
      {"import", {{"enabled", true}}},
      {"stepImage", "fl-operator:test"},
  };
  if (withUnifyVersion) spec["unifyModelVersion"] = "202311221053219843970";
  return {{"apiVersion", "federatedlearning.dev/v1alpha1"},
          {"kind", "ModelMigration"},
          {"metadata", {{"name", "seed"}, {"namespace", kNs}}},
          {"spec", spec}};
}

class ReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster.put(kFLClusters, flcluster("party-9999", 9999, "1.6.1", true));
    cluster.put(kFLClusters, flcluster("party-10000", 10000, "1.6.1", true));
    cluster.put(kFLClusters, flcluster("party-99", 99, "1.11.4", false));
    cluster.put(kFLClusters, flcluster("party-100", 100, "1.11.4", false));
  }

  std::unique_ptr<ModelMigrationReconciler> makeReconciler(int maxAttempts = 2) {
    ReconcilerOptions options;
    options.maxAttempts = maxAttempts;
    options.clock = [this] { return now; };
    return std::make_unique<ModelMigrationReconciler>(
        cluster.client(), MigrationCaches{cluster.migrations, cluster.jobs, cluster.flclusters},
        nullptr, nullptr, options);
  }

  kube::Result reconcile(ModelMigrationReconciler& reconciler) {
    cluster.sync();
    return reconciler.reconcile({kNs, "seed"});
  }

  Json migration() const { return *cluster.get(kModelMigrations, kNs, "seed"); }
  std::vector<Json> jobs() const { return cluster.list(kube::resources::jobs, kNs); }
  std::vector<std::string> jobNames() const {
    std::vector<std::string> names;
    for (const auto& job : jobs()) names.push_back(kube::nameOf(job));
    return names;
  }
  std::optional<Json> condition(const Json& object, const std::string& type) const {
    for (const auto& c : object["status"]["conditions"]) {
      if (c["type"] == type) return c;
    }
    return std::nullopt;
  }
  void finishStep(const std::string& step, const std::string& message = R"({"retcode":0})") {
    for (const auto& job : jobs()) {
      if (job["metadata"]["labels"]["federatedlearning.dev/step"] == step &&
          !job.contains("status")) {
        cluster.finishJob(kNs, kube::nameOf(job), true, message);
      }
    }
  }

  FakeCluster cluster;
  Timestamp now = kNow;
};

TEST_F(ReconcilerTest, SeedExampleRunsEveryPartyInOrderToSucceeded) {
  cluster.put(kModelMigrations, seedMigration(true));
  auto reconciler = makeReconciler();

  reconcile(*reconciler);
  EXPECT_EQ(jobNames(),
            (std::vector<std::string>{"seed-arbiter-10000-transfer-1", "seed-guest-9999-transfer-1",
                                      "seed-host-10000-transfer-1"}));
  Json status = migration()["status"];
  EXPECT_EQ(status["newModelId"], "arbiter-100#guest-99#host-100#model");
  EXPECT_EQ(status["newModelVersion"], "202311221053219843970");
  EXPECT_EQ(status["phase"], "Running");
  ASSERT_EQ(status["parties"].size(), 3u);

  finishStep("transfer",
             R"({"retcode":0,"retmsg":"success","data":{"sha256":"ab","bytes":49854}})");
  reconcile(*reconciler);
  EXPECT_EQ(jobs().size(), 6u);
  ASSERT_TRUE(cluster.get(kube::resources::configMaps, kNs, "seed-migrate-conf"));
  const Json conf = Json::parse(cluster.get(kube::resources::configMaps, kNs, "seed-migrate-conf")
                                    ->at("data")
                                    .at("migrate_model.json")
                                    .get<std::string>());
  EXPECT_EQ(conf["unify_model_version"], "202311221053219843970");
  EXPECT_EQ(conf["job_parameters"]["federated_mode"], "MULTIPLE");
  const auto migrate = cluster.get(kube::resources::jobs, kNs, "seed-host-10000-migrate-1");
  ASSERT_TRUE(migrate);
  // The targets run FATE 1.11.4: FATE-Flow 1.9+ semantics.
  EXPECT_EQ(migrate->at("spec")["template"]["spec"]["containers"][0]["args"].back(), "1.9");

  finishStep(
      "migrate",
      R"({"retcode":0,"data":{"sha256":"cd","bytes":49803,"path":"/workspace/migrated/x.zip"}})");
  reconcile(*reconciler);
  EXPECT_EQ(jobs().size(), 9u);
  const auto import = cluster.get(kube::resources::jobs, kNs, "seed-guest-9999-import-1");
  ASSERT_TRUE(import);
  EXPECT_EQ(import->at("spec")["template"]["spec"]["containers"][0]["args"][2],
            "http://fateflow-party-99:9380");

  finishStep("import", R"({"retcode":0,"retmsg":"success"})");
  const auto result = reconcile(*reconciler);
  EXPECT_EQ(result.kind, kube::Result::Kind::Done);
  status = migration()["status"];
  EXPECT_EQ(status["phase"], "Succeeded");
  EXPECT_EQ((*condition(migration(), "Succeeded"))["status"], "True");
  EXPECT_EQ((*condition(migration(), "Ready"))["status"], "True");
  EXPECT_FALSE(condition(migration(), "Reconciling"));
  EXPECT_FALSE(condition(migration(), "Stalled"));
  for (const auto& party : status["parties"]) {
    EXPECT_EQ(party["steps"]["import"]["phase"], "Succeeded");
    EXPECT_EQ(party["artifact"]["sha256"], "cd");
    EXPECT_EQ(party["artifact"]["bytes"], 49803);
  }
  EXPECT_EQ(jobs().size(), 9u);

  // A resync of a finished migration writes nothing and creates nothing.
  const auto posts = cluster.writes("POST"), puts = cluster.writes("PUT");
  reconcile(*reconciler);
  reconcile(*makeReconciler());
  EXPECT_EQ(cluster.writes("POST"), posts);
  EXPECT_EQ(cluster.writes("PUT"), puts);
}

TEST_F(ReconcilerTest, GeneratedVersionIsRecordedBeforeAnyJobAndSurvivesRestart) {
  cluster.put(kModelMigrations, seedMigration(false));
  reconcile(*makeReconciler());
  const auto requests = cluster.transport().requests();
  std::size_t firstStatusPut = requests.size(), firstJobPost = requests.size();
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (requests[i].method == "PUT" && firstStatusPut == requests.size()) firstStatusPut = i;
    if (requests[i].method == "POST" && requests[i].url.find("/jobs") != std::string::npos &&
        firstJobPost == requests.size()) {
      firstJobPost = i;
    }
  }
  ASSERT_LT(firstStatusPut, requests.size());
  ASSERT_LT(firstJobPost, requests.size());
  EXPECT_LT(firstStatusPut, firstJobPost);
  const Json first = Json::parse(requests[firstStatusPut].body);
  const std::string version = first["status"]["newModelVersion"];
  EXPECT_EQ(version, generateModelVersion(kNow, 0));

  now += 1h;  // a restarted operator, later: the recorded version stays
  reconcile(*makeReconciler());
  EXPECT_EQ(migration()["status"]["newModelVersion"], version);
  const auto conf = cluster.get(kube::resources::configMaps, kNs, "seed-migrate-conf");
  EXPECT_FALSE(conf) << "no migrate step yet";
}

TEST_F(ReconcilerTest, TargetOnFate150IsStalledAndNothingRuns) {
  cluster.put(kFLClusters, flcluster("party-100", 100, "1.5.0", false));
  cluster.put(kModelMigrations, seedMigration(true));
  const auto result = reconcile(*makeReconciler());
  EXPECT_EQ(result.kind, kube::Result::Kind::Done);
  EXPECT_TRUE(jobs().empty());
  const auto stalled = condition(migration(), "Stalled");
  ASSERT_TRUE(stalled);
  EXPECT_EQ((*stalled)["status"], "True");
  EXPECT_EQ((*stalled)["reason"], "FateVersionTooOld");
  EXPECT_NE((*stalled)["message"].get<std::string>().find("host 100"), std::string::npos);
  EXPECT_NE((*stalled)["message"].get<std::string>().find("party-100"), std::string::npos);
  EXPECT_EQ(migration()["status"]["phase"], "Pending") << "the CRD's phase enum has no Stalled";

  // The FLCluster is upgraded: the FLCluster watch maps it back to this migration.
  cluster.put(kFLClusters, flcluster("party-100", 100, "1.11.4", false));
  cluster.sync();
  const auto woken = migrationsReferencing(cluster.migrations, kNs, "party-100");
  ASSERT_EQ(woken.size(), 1u);
  EXPECT_EQ(woken[0].name, "seed");
  reconcile(*makeReconciler());
  EXPECT_EQ(jobs().size(), 3u);
  EXPECT_FALSE(condition(migration(), "Stalled"));
}

TEST_F(ReconcilerTest, MissingTargetClusterIsStalledNamingTheParty) {
  cluster.remove(kFLClusters, kNs, "party-99");
  cluster.put(kModelMigrations, seedMigration(true));
  reconcile(*makeReconciler());
  EXPECT_TRUE(jobs().empty());
  const auto stalled = condition(migration(), "Stalled");
  ASSERT_TRUE(stalled);
  EXPECT_EQ((*stalled)["reason"], "FLClusterNotFound");
  EXPECT_NE((*stalled)["message"].get<std::string>().find("guest 99"), std::string::npos);
}

TEST_F(ReconcilerTest, AFailingStepIsRetriedThenFailsWhileOthersFinish) {
  cluster.put(kModelMigrations, seedMigration(true));
  auto reconciler = makeReconciler(/*maxAttempts=*/2);
  reconcile(*reconciler);
  cluster.finishJob(kNs, "seed-guest-9999-transfer-1", false,
                    R"({"retcode":100,"retmsg":"no such model"})");
  reconcile(*reconciler);
  EXPECT_TRUE(cluster.get(kube::resources::jobs, kNs, "seed-guest-9999-transfer-2"));
  cluster.finishJob(kNs, "seed-guest-9999-transfer-2", false,
                    R"({"retcode":100,"retmsg":"no such model"})");
  reconcile(*reconciler);
  EXPECT_FALSE(cluster.get(kube::resources::jobs, kNs, "seed-guest-9999-transfer-3"));
  const auto failed = condition(migration(), "Failed");
  ASSERT_TRUE(failed);
  EXPECT_EQ((*failed)["status"], "True");
  EXPECT_NE((*failed)["message"].get<std::string>().find("no such model"), std::string::npos);
  EXPECT_EQ(migration()["status"]["phase"], "Running") << "host and arbiter still run";

  for (const char* step : {"transfer", "migrate", "import"}) {
    finishStep(step);
    reconcile(*reconciler);
  }
  EXPECT_EQ(migration()["status"]["phase"], "Failed");
  EXPECT_EQ((*condition(migration(), "Stalled"))["status"], "True");
  EXPECT_EQ((*condition(migration(), "Succeeded"))["status"], "False");
  std::size_t guestJobs = 0;
  for (const auto& name : jobNames()) guestJobs += name.find("guest") != std::string::npos;
  EXPECT_EQ(guestJobs, 2u);
  EXPECT_EQ(jobs().size(), 2u + 6u);
}

TEST_F(ReconcilerTest, RestartAfterLostStatusWriteAdoptsJobsWithoutDuplicates) {
  cluster.put(kModelMigrations, seedMigration(true));
  reconcile(*makeReconciler());
  finishStep("transfer");
  reconcile(*makeReconciler());
  ASSERT_EQ(jobs().size(), 6u);

  // The operator died before its last status write: status still says "transfer running".
  Json stale = migration();
  for (auto& party : stale["status"]["parties"]) {
    party["steps"].erase("migrate");
    party["steps"]["transfer"]["phase"] = "Running";
  }
  cluster.put(kModelMigrations, stale);

  reconcile(*makeReconciler());
  EXPECT_EQ(jobs().size(), 6u) << "adopted, not re-created";
  const Json adopted = migration();  // kept alive: the loop iterates into it
  for (const auto& party : adopted["status"]["parties"]) {
    EXPECT_EQ(party["steps"]["transfer"]["phase"], "Succeeded");
    EXPECT_EQ(party["steps"]["migrate"]["phase"], "Running");
    EXPECT_EQ(party["steps"]["migrate"]["attempts"], 1);
  }
}

TEST_F(ReconcilerTest, InvalidSpecIsStalled) {
  Json bad = seedMigration(true);
  bad["spec"]["migrateRole"] = bad["spec"]["role"];
  cluster.put(kModelMigrations, bad);
  reconcile(*makeReconciler());
  EXPECT_TRUE(jobs().empty());
  const auto stalled = condition(migration(), "Stalled");
  ASSERT_TRUE(stalled);
  EXPECT_EQ((*stalled)["reason"], "InvalidSpec");
  EXPECT_EQ(migration()["status"]["phase"], "Failed");
  EXPECT_NE((*stalled)["message"].get<std::string>().find("no need to migrate"), std::string::npos);
}

}  // namespace
}  // namespace flop::modelmigration
