// "The Jobs really work": the reconciler (against the in-memory API server) creates the step
// Jobs for FATE's seed migration; each Job is then executed on this machine exactly as specified
// (command, args, env; volumes mapped to temp directories) with the real fl-model, against the
// shared FATE 1.11 test models and the FATE-Flow double. The imported models must verify and
// match what FATE itself produced for the same migration.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "fake_cluster.hpp"
#include "flop/http/cpprest_transport.hpp"
#include "flop/modelmigration/naming.hpp"
#include "flop/modelmigration/reconciler.hpp"
#include "local_job_runner.hpp"

namespace flop::modelmigration {
namespace {

namespace fs = std::filesystem;
using testing::FakeCluster;
using testing::LocalJobRunner;
using Json = nlohmann::json;

const std::string kNs = "fl";
const std::string kCase = "v111_sbt_binning_selection_lr_3party";

fs::path testdata() {
  const char* dir = std::getenv("FLOP_TESTDATA_DIR");
  return dir ? fs::path(dir) : fs::path(FLOP_SOURCE_DIR) / "../shared/testdata";
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The FATE-Flow double as a child process of this test (stopped by its pid).
class FateFlowDouble {
 public:
  // With FATE-Flow client authentication on: unsigned requests get retcode 109.
  FateFlowDouble(const fs::path& stateDir, const std::string& appKey,
                 const std::string& appSecret) {
    const fs::path portFile = stateDir / "port";
    const std::string script =
        std::string(FLOP_SOURCE_DIR) + "/tests/doubles/fateflow/fateflow_double.py";
    pid_ = fork();
    if (pid_ == 0) {
      setenv("FLOP_FL_MODEL", FLOP_FL_MODEL_BINARY, 1);  // the double verifies every upload
      execlp("python3", "python3", script.c_str(), "--port", "0", "--port-file", portFile.c_str(),
             "--state-dir", stateDir.c_str(), "--fate-version", "1.11.1", "--app-key",
             appKey.c_str(), "--app-secret", appSecret.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 100 && port_.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      port_ = readFile(portFile);
      while (!port_.empty() && (port_.back() == '\n' || port_.back() == ' ')) port_.pop_back();
    }
  }
  ~FateFlowDouble() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::string url() const { return "http://127.0.0.1:" + port_; }
  bool up() const { return !port_.empty(); }
  Json get(const std::string& path) const {
    http::CppRestTransport transport;
    http::Request request;
    request.url = url() + path;
    return Json::parse(transport.send(request).body);
  }

 private:
  pid_t pid_ = -1;
  std::string port_;
};

// A plain HTTP server for one directory (the arbiter's model is "at a URL" in this test).
class StaticServer {
 public:
  explicit StaticServer(const fs::path& dir) {
    const fs::path portFile = dir.parent_path() / "static.port";
    const std::string script =
        "import functools,http.server,sys\n"
        "h=functools.partial(http.server.SimpleHTTPRequestHandler,directory=sys.argv[1])\n"
        "s=http.server.ThreadingHTTPServer(('127.0.0.1',0),h)\n"
        "open(sys.argv[2]+'.tmp','w').write(str(s.server_address[1]))\n"
        "import os; os.replace(sys.argv[2]+'.tmp',sys.argv[2])\n"
        "s.serve_forever()\n";
    pid_ = fork();
    if (pid_ == 0) {
      execlp("python3", "python3", "-c", script.c_str(), dir.c_str(), portFile.c_str(),
             static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 100 && port_.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      port_ = readFile(portFile);
    }
  }
  ~StaticServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::string url(const std::string& file) const {
    return "http://127.0.0.1:" + port_ + "/" + file;
  }

 private:
  pid_t pid_ = -1;
  std::string port_;
};

Json flcluster(const std::string& name, std::int64_t partyId, const std::string& flowUrl,
               bool withStore) {
  Json fate = {{"version", "1.11.4"},
               {"flow", {{"url", flowUrl}, {"authSecretRef", {{"name", "flow-auth"}}}}}};
  if (withStore) {
    fate["modelStore"] = {{"claimName", name + "-data"}, {"path", "fateflow/model_local_cache"}};
  }
  return {{"apiVersion", "federatedlearning.dev/v1alpha1"},
          {"kind", "FLCluster"},
          {"metadata", {{"name", name}, {"namespace", kNs}}},
          {"spec", {{"partyId", partyId}, {"fate", fate}}},
          {"status", {{"fate", {{"detectedVersion", "1.11.4"}}}}}};
}

// The case's migrate_model.json as a ModelMigration, key by key; the arbiter's copy comes from
// `arbiterSource` (a URL source), the others from their parties' model stores.
Json migrationFromConf(const Json& conf, const Json& arbiterSource) {
  Json spec = {
      {"modelId", conf["model_id"]},
      {"modelVersion", conf["model_version"]},
      {"role", conf["role"]},
      {"migrateRole", conf["migrate_role"]},
      {"migrateInitiator",
       {{"role", conf["migrate_initiator"]["role"]},
        {"partyId", conf["migrate_initiator"]["party_id"]}}},
      {"executeParty", conf["execute_party"]},
      {"jobParameters", {{"federatedMode", conf["job_parameters"]["federated_mode"]}}},
      {"unifyModelVersion", conf["unify_model_version"]},
      {"sources",
       {{{"role", "guest"}, {"partyId", 9999}, {"clusterRef", {{"name", "party-9999"}}}},
        {{"role", "host"}, {"partyId", 10000}, {"clusterRef", {{"name", "party-10000"}}}},
        arbiterSource}},
      {"targets",
       {{{"role", "guest"}, {"partyId", 99}, {"clusterRef", {{"name", "party-99"}}}},
        {{"role", "host"}, {"partyId", 100}, {"clusterRef", {{"name", "party-100"}}}},
        {{"role", "arbiter"}, {"partyId", 100}, {"clusterRef", {{"name", "party-100"}}}}}},
      {"workspace", {{"claimName", "migration-ws"}}},
      {"import", {{"enabled", true}}},
      {"stepImage", "fl-operator:test"},
  };
  return {{"apiVersion", "federatedlearning.dev/v1alpha1"},
          {"kind", "ModelMigration"},
          {"metadata", {{"name", "seed"}, {"namespace", kNs}}},
          {"spec", spec}};
}

// A digest of every file under `root` (path + bytes), to prove the source is untouched.
std::string treeDigest(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files[fs::relative(entry.path(), root)] = readFile(entry.path());
  }
  std::string all;
  for (const auto& [path, bytes] : files)
    all += path + '\0' + std::to_string(bytes.size()) + '\0' + bytes;
  return std::to_string(std::hash<std::string>{}(all)) + "/" + std::to_string(files.size());
}

Json runFlModel(const std::vector<std::string>& args) {
  std::string command = FLOP_FL_MODEL_BINARY;
  for (const auto& a : args) command += " '" + a + "'";
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  while (pipe && fgets(buffer, sizeof buffer, pipe)) out += buffer;
  const int status = pipe ? pclose(pipe) : -1;
  Json result = Json::parse(out, nullptr, false);
  result["exit"] = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

TEST(JobsReallyWork, SeedMigrationJobsRunLocallyAndImportIntoFateFlow) {
  const fs::path caseDir = testdata() / "fate-migration" / kCase;
  ASSERT_TRUE(fs::exists(caseDir)) << caseDir;
  const Json conf = Json::parse(readFile(caseDir / "migrate_conf.json"));
  const Json facts = Json::parse(readFile(caseDir / "case.json"));

  const fs::path root = fs::temp_directory_path() / ("mm-jobs-" + std::to_string(getpid()));
  fs::remove_all(root);
  const fs::path pvcs = root / "pvcs";
  // Each source party's FLCluster model store holds its model_local_cache copy.
  for (const auto& [claim, role, party] : {std::tuple{"party-9999-data", "guest", "9999"},
                                           std::tuple{"party-10000-data", "host", "10000"},
                                           std::tuple{"party-10000-data", "arbiter", "10000"}}) {
    const std::string dir =
        std::string(role) + "#" + party + "#" + conf["model_id"].get<std::string>();
    const fs::path cache = pvcs / claim / "fateflow/model_local_cache";
    fs::create_directories(cache / dir);
    fs::copy(caseDir / "input" / dir, cache / dir, fs::copy_options::recursive);
  }
  auto sourceStores = [&] {
    return treeDigest(pvcs / "party-9999-data") + " " + treeDigest(pvcs / "party-10000-data");
  };
  const std::string sourcesBefore = sourceStores();

  // The arbiter's model is published as an export zip at a URL with its sha256.
  fs::create_directories(root / "served");
  const Json packed = runFlModel({"pack",
                                  (pvcs / "party-10000-data/fateflow/model_local_cache" /
                                   ("arbiter#10000#" + conf["model_id"].get<std::string>()) /
                                   conf["model_version"].get<std::string>())
                                      .string(),
                                  "--out", (root / "served/arbiter.zip").string()});
  ASSERT_EQ(packed["exit"], 0) << packed.dump();
  StaticServer modelServer(root / "served");
  const Json arbiterSource = {{"role", "arbiter"},
                              {"partyId", 10000},
                              {"url", modelServer.url("arbiter.zip")},
                              {"sha256", packed["data"]["sha256"]}};

  // FATE-Flow with client authentication; the targets' FLClusters name the credentials Secret.
  fs::create_directories(root / "double");
  FateFlowDouble flow(root / "double", "fl-operator", "s3cret-value");
  ASSERT_TRUE(flow.up()) << "FATE-Flow double did not start";
  ASSERT_EQ(flow.get("/v1/version/get")["retcode"], 109) << "the double must refuse unsigned calls";

  FakeCluster cluster;
  cluster.put(kFLClusters, flcluster("party-9999", 9999, flow.url(), true));
  cluster.put(kFLClusters, flcluster("party-10000", 10000, flow.url(), true));
  cluster.put(kFLClusters, flcluster("party-99", 99, flow.url(), false));
  cluster.put(kFLClusters, flcluster("party-100", 100, flow.url(), false));
  cluster.put(kube::resources::secrets,
              {{"apiVersion", "v1"},
               {"kind", "Secret"},
               {"metadata", {{"name", "flow-auth"}, {"namespace", kNs}}},
               {"data", {{"appKey", "Zmwtb3BlcmF0b3I="}, {"appSecret", "czNjcmV0LXZhbHVl"}}}});
  cluster.put(kModelMigrations, migrationFromConf(conf, arbiterSource));

  ReconcilerOptions options;
  options.maxAttempts = 1;
  ModelMigrationReconciler reconciler(cluster.client(),
                                      {cluster.migrations, cluster.jobs, cluster.flclusters},
                                      nullptr, nullptr, options);
  const LocalJobRunner runner(pvcs, root / "scratch", fs::path(FLOP_FL_MODEL_BINARY).parent_path());
  std::vector<std::string> executed;
  for (int pass = 0; pass < 8; ++pass) {
    cluster.sync();
    reconciler.reconcile({kNs, "seed"});
    for (const auto& job : cluster.list(kube::resources::jobs, kNs)) {
      if (job.contains("status")) continue;
      const auto run = runner.run(job, cluster);
      EXPECT_EQ(run.exitCode, 0) << run.argv << "\n" << run.terminationMessage;
      executed.push_back(kube::nameOf(job));
      cluster.finishJob(kNs, kube::nameOf(job), run.exitCode == 0, run.terminationMessage);
    }
  }

  const Json migration = *cluster.get(kModelMigrations, kNs, "seed");
  ASSERT_EQ(migration["status"]["phase"], "Succeeded") << migration["status"].dump(2);
  EXPECT_EQ(executed.size(), 9u);
  EXPECT_EQ(migration["status"]["newModelId"], facts["expected_new_model_id"]);
  EXPECT_EQ(migration["status"]["newModelVersion"], facts["expected_model_version"]);
  EXPECT_EQ(sourceStores(), sourcesBefore) << "a source model store was modified";

  // Every party landed in FATE-Flow under FATE's new ids, verified by the double with fl-model.
  const Json models = flow.get("/_double/models")["models"];
  const std::string newModelId = facts["expected_new_model_id"];
  const std::string newVersion = facts["expected_model_version"];
  const Json* imported = nullptr;
  for (const auto& model : models) {
    if (model["model_id"] == newModelId && model["model_version"] == newVersion) imported = &model;
  }
  ASSERT_TRUE(imported) << models.dump(2);
  for (const auto& output : facts["outputs"]) {
    const std::string partyKey =
        output["role"].get<std::string>() + "#" + std::to_string(output["new_party_id"].get<int>());
    ASSERT_TRUE((*imported)["files"].contains(partyKey)) << partyKey;
    const std::string stored = (*imported)["files"][partyKey]["path"];
    EXPECT_EQ(runFlModel({"verify", stored})["exit"], 0) << stored;

    // Same model as FATE's own migration output for this party.
    const Json ours = runFlModel({"inspect", stored});
    const fs::path expectedZip =
        caseDir / "expected" /
        (output["party_model_id"].get<std::string>() + "_" + newVersion + ".zip");
    const Json fate = runFlModel({"inspect", expectedZip.string()});
    ASSERT_EQ(ours["retcode"], 0) << ours.dump();
    ASSERT_EQ(fate["retcode"], 0) << fate.dump();
    for (const char* key :
         {"model_id", "model_version", "role", "party_id", "roles", "initiator"}) {
      EXPECT_EQ(ours["data"].value(key, Json()), fate["data"].value(key, Json()))
          << partyKey << " " << key;
    }
    EXPECT_EQ(ours["data"].value("components", Json()).size(),
              fate["data"].value("components", Json()).size())
        << partyKey;
  }
  // Results came back through the termination messages into status: the migrated archive.
  for (const auto& party : migration["status"]["parties"]) {
    const std::string expectedName = party["role"].get<std::string>() + "#" +
                                     std::to_string(party["targetPartyId"].get<int>()) + "#" +
                                     newModelId + "_" + newVersion + ".zip";
    const std::string path = party["artifact"].value("path", "");
    EXPECT_TRUE(path.ends_with("/" + expectedName)) << party.dump();
    EXPECT_TRUE(fs::exists(path)) << path;
    // The migrate Job asks fl-model for the digest; status records the archive's own.
    EXPECT_EQ(party["artifact"].value("sha256", ""), sha256Hex(readFile(path))) << party.dump();
  }
  fs::remove_all(root);
}

}  // namespace
}  // namespace flop::modelmigration
