// The C++ types against the real API server: objects the server returns (with server-set
// metadata) decode, status written from C++ is accepted by the status subresource and reads back
// equal, and re-submitting the C++ encoding of an unchanged object is not a change.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "flop/api/conditions.hpp"
#include "flop/api/federatedjob.hpp"
#include "flop/api/flcluster.hpp"
#include "flop/api/modelmigration.hpp"
#include "test_support.hpp"

namespace flop::api {
namespace {

using nlohmann::json;

struct CommandResult {
  int status;
  std::string output;
};

// Runs a shell command, feeding `input` on stdin through a temporary file.
CommandResult run(const std::string& command, const std::string& input = "") {
  std::string full = command + " 2>&1";
  std::string input_file;
  if (!input.empty()) {
    input_file = ::testing::TempDir() + "/flop-api-input-" + std::to_string(std::random_device{}());
    std::ofstream(input_file) << input;
    full = command + " < '" + input_file + "' 2>&1";
  }
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string output;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  const int status = pclose(pipe);
  if (!input_file.empty()) std::remove(input_file.c_str());
  return {status, output};
}

class ApiServerRoundTrip : public ::testing::Test {
 protected:
  // Failures here fail the test (a suite-level setup failure would only show as "skipped").
  void SetUp() override {
    use_fixture_cluster_when_environment_is_missing();
    if (run("kubectl get crd flclusters.federatedlearning.dev").status != 0) {
      const auto crds = testing::source_dir() / "crds";
      const auto installed = run(
          "kubectl apply --server-side --force-conflicts -f " + crds.string() +
          " && kubectl wait --for=condition=Established -f " + crds.string() + " --timeout=60s");
      ASSERT_EQ(installed.status, 0) << installed.output;
    }
    namespace_ = "api-cpp-" + std::to_string(std::random_device{}() % 1000000);
    const auto created = run("kubectl create namespace " + namespace_);
    ASSERT_EQ(created.status, 0) << created.output;
  }
  void TearDown() override {
    if (!namespace_.empty()) run("kubectl delete namespace " + namespace_ + " --wait=false");
  }

  // ctest passes KUBECONFIG and PATH to cluster tests; when a runner does not, point at the
  // fixture's cluster directory directly.
  static void use_fixture_cluster_when_environment_is_missing() {
    const char* kubeconfig = std::getenv("KUBECONFIG");
    if (kubeconfig != nullptr && *kubeconfig != '\0') return;
    const std::string dir = FLOP_CLUSTER_DIR_DEFAULT;
    setenv("KUBECONFIG", (dir + "/kubeconfig").c_str(), 1);
    const char* path = std::getenv("PATH");
    setenv("PATH", (dir + "/bin:" + (path ? path : "/usr/bin:/bin")).c_str(), 1);
  }

  json get(const std::string& resource) const {
    const auto got =
        run("kubectl get -n " + namespace_ + " " + resource + " -o json --show-managed-fields");
    EXPECT_EQ(got.status, 0) << got.output;
    return got.status == 0 ? json::parse(got.output) : json();
  }
  void create_example(const std::string& file) const {
    const auto path = testing::source_dir() / "deploy" / "examples" / file;
    const auto created = run("kubectl create -n " + namespace_ + " -f " + path.string());
    ASSERT_EQ(created.status, 0) << created.output;
  }
  CommandResult replace(const json& object, const std::string& extra = "") const {
    return run("kubectl replace -n " + namespace_ + " " + extra + " -f -", object.dump());
  }

  std::string namespace_;
};

TEST_F(ApiServerRoundTrip, FLClusterStatusFromCppIsAcceptedAndReadsBack) {
  create_example("flcluster.yaml");
  const json fetched = get("flcluster/party-99");
  auto cluster = fetched.get<FLCluster>();
  EXPECT_EQ(cluster.spec.partyId, 99);
  EXPECT_TRUE(cluster.metadata.uid.has_value());
  EXPECT_EQ(cluster.metadata.generation, 1);
  EXPECT_TRUE(cluster.metadata.other.contains("managedFields"));

  const auto now = Clock::now();
  cluster.status.observedGeneration = *cluster.metadata.generation;
  cluster.status.phase = "Ready";
  cluster.status.replicas = 4;
  cluster.status.readyReplicas = 4;
  cluster.status.selector = "app.kubernetes.io/managed-by=fl-operator";
  cluster.status.mindspore =
      MindSporeStatus{"CLUSTER_READY", 4, std::nullopt, {{"party-99-server-0", 0, "SERVER", true}}};
  set_condition(cluster.status.conditions,
                {"Ready", "True", "ServersReady", "4/4 servers registered", "", 1}, now);
  set_condition(cluster.status.conditions, {"Reconciling", "False", "Idle", "", "", 1}, now);
  const auto replaced = replace(json(cluster), "--subresource=status");
  ASSERT_EQ(replaced.status, 0) << replaced.output;

  const auto back = get("flcluster/party-99").get<FLCluster>();
  EXPECT_EQ(json(back.status), json(cluster.status));
  EXPECT_EQ(json(back.spec), json(cluster.spec));
  const auto scale = get("flcluster/party-99 --subresource=scale");
  EXPECT_EQ(scale["status"]["replicas"], 4);
}

TEST_F(ApiServerRoundTrip, UnchangedObjectReplacedFromCppIsNoChange) {
  create_example("modelmigration.yaml");
  const json fetched = get("modelmigration/lr-to-new-party-ids");
  const auto migration = fetched.get<ModelMigration>();
  // The immutability rules compare old and new: the C++ encoding must be identical in value.
  const auto replaced = replace(json(migration));
  ASSERT_EQ(replaced.status, 0) << replaced.output;
  const json after = get("modelmigration/lr-to-new-party-ids");
  EXPECT_EQ(after["metadata"]["resourceVersion"], fetched["metadata"]["resourceVersion"]);
  EXPECT_EQ(after["metadata"]["generation"], 1);
}

TEST_F(ApiServerRoundTrip, FederatedJobSpecEditFromCppBumpsGenerationOnly) {
  create_example("federatedjob.yaml");
  auto job = get("federatedjob/hetero-lr-99").get<FederatedJob>();
  job.spec.runPolicy->suspend = true;
  const auto replaced = replace(json(job));
  ASSERT_EQ(replaced.status, 0) << replaced.output;
  const auto after = get("federatedjob/hetero-lr-99").get<FederatedJob>();
  EXPECT_EQ(after.metadata.generation, 2);
  EXPECT_EQ(after.spec.runPolicy->suspend, true);
  // The free-form DSL and runtime conf came back exactly as sent.
  EXPECT_EQ(after.spec.fate->dsl, job.spec.fate->dsl);
  EXPECT_EQ(after.spec.fate->runtimeConf, job.spec.fate->runtimeConf);

  FederatedJob with_status = after;
  with_status.status.phase = "Running";
  with_status.status.fateJobId = "202202210834589399880";
  with_status.status.attempts = {{0, "202202210834589399880", "running", format_time(Clock::now()),
                                  std::nullopt, std::nullopt}};
  with_status.status.publish =
      PublishStatus{"lr-99", std::nullopt, {{"guest", 99, "Pending", 0, "waiting"}}};
  const auto status_written = replace(json(with_status), "--subresource=status");
  ASSERT_EQ(status_written.status, 0) << status_written.output;
  EXPECT_EQ(json(get("federatedjob/hetero-lr-99").get<FederatedJob>().status),
            json(with_status.status));
}

}  // namespace
}  // namespace flop::api
