// JSON round trip of the v1alpha1 types: the shipped examples survive decode + encode unchanged
// (so every field they use is known to C++ and free-form parts keep unknown keys), and bad input
// is rejected with an error naming the field.
#include <filesystem>

#include <gtest/gtest.h>

#include "flop/api/federatedjob.hpp"
#include "flop/api/flcluster.hpp"
#include "flop/api/modelmigration.hpp"
#include "flop/error.hpp"
#include "test_support.hpp"

namespace flop::api {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json example(const std::string& name) {
  return testing::load_yaml(testing::source_dir() / "deploy" / "examples" / name);
}

template <class T>
json round_trip(const json& in) {
  return json(in.get<T>());
}

// Decoding must fail with an InvalidInput whose where() is `field`.
template <class T>
void expect_rejected(const json& in, const std::string& field, const std::string& problem) {
  try {
    (void)in.get<T>();
    ADD_FAILURE() << "accepted; expected an error at " << field;
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.where(), field) << e.what();
    EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what();
  }
}

TEST(Examples, EveryExampleRoundTripsUnchanged) {
  int seen = 0;
  for (const auto& entry : fs::directory_iterator(testing::source_dir() / "deploy" / "examples")) {
    if (entry.path().extension() != ".yaml") continue;
    const json in = testing::load_yaml(entry.path());
    const std::string kind = in.at("kind");
    json out;
    if (kind == "FLCluster") {
      out = round_trip<FLCluster>(in);
    } else if (kind == "FederatedJob") {
      out = round_trip<FederatedJob>(in);
    } else if (kind == "ModelMigration") {
      out = round_trip<ModelMigration>(in);
    } else {
      ADD_FAILURE() << entry.path() << ": unexpected kind " << kind;
      continue;
    }
    EXPECT_EQ(out, in) << entry.path() << "\n" << json::diff(in, out).dump(2);
    ++seen;
  }
  EXPECT_GE(seen, 3);
}

TEST(Examples, ModelMigrationCarriesTheFateDocCase) {
  const auto mm = example("modelmigration.yaml").get<ModelMigration>();
  EXPECT_EQ(mm.spec.modelId, "arbiter-10000#guest-9999#host-10000#model");
  EXPECT_EQ(mm.spec.modelVersion, "202006171904247702041");
  EXPECT_EQ(mm.spec.role.at("guest"), std::vector<std::int64_t>{9999});
  EXPECT_EQ(mm.spec.migrateRole.at("host"), std::vector<std::int64_t>{100});
  EXPECT_EQ(mm.spec.migrateRole.at("arbiter"), std::vector<std::int64_t>{100});
  EXPECT_EQ(mm.spec.migrateInitiator.role, "guest");
  EXPECT_EQ(mm.spec.migrateInitiator.partyId, 99);
  ASSERT_TRUE(mm.spec.import_.has_value());
  EXPECT_TRUE(mm.spec.import_->enabled);
  ASSERT_EQ(mm.spec.sources.size(), 3u);
  EXPECT_EQ(mm.spec.sources[0].clusterRef->name, "party-9999");
  EXPECT_FALSE(mm.spec.sources[1].clusterRef.has_value());
}

TEST(Examples, FLClusterHasFourServers) {
  const auto flc = example("flcluster.yaml").get<FLCluster>();
  EXPECT_EQ(flc.metadata.name, "party-99");
  EXPECT_EQ(flc.spec.partyId, 99);
  ASSERT_TRUE(flc.spec.mindspore.has_value());
  EXPECT_EQ(flc.spec.mindspore->servers.replicas, 4);
  EXPECT_EQ(flc.spec.mindspore->schedulerApi, "1.6");
  ASSERT_TRUE(flc.spec.fate.has_value());
  EXPECT_EQ(flc.spec.fate->flow.service->port, 9380);
  const auto& limits = flc.spec.mindspore->servers.resources->limits;
  EXPECT_EQ(std::get<std::string>(limits.at("memory")), "8Gi");
}

TEST(FreeForm, UnknownKeysInDslAndRuntimeConfAreKept) {
  json in = example("federatedjob.yaml");
  in["spec"]["fate"]["dsl"]["components"]["hetero_lr_0"]["x_future_field"] = {{"a", {1, 2.5}}};
  in["spec"]["fate"]["runtimeConf"]["job_parameters"]["common"]["new_knob"] = nullptr;
  const auto job = in.get<FederatedJob>();
  EXPECT_EQ(job.spec.fate->dsl["components"]["hetero_lr_0"]["x_future_field"]["a"][1], 2.5);
  EXPECT_EQ(json(job), in);
}

TEST(FreeForm, MindSporeConfigAndMetricsAreKept) {
  json in = example("flcluster-autoscaled.yaml");
  in["spec"]["mindspore"]["config"] = {{"server_cert_path", "/certs/server.p12"},
                                       {"recovery", {{"storage_type", 1}, {"extra", true}}}};
  EXPECT_EQ(json(in.get<FLCluster>()), in);
}

TEST(Metadata, UnknownMetadataIsKeptForReadModifyWrite) {
  json in = example("flcluster.yaml");
  in["metadata"]["managedFields"] = json::array({{{"manager", "kubectl"}, {"operation", "Apply"}}});
  in["metadata"]["ownerReferences"] = json::array({{{"kind", "X"}, {"name", "y"}}});
  in["metadata"]["generation"] = 3;
  in["metadata"]["uid"] = "0b7c";
  auto flc = in.get<FLCluster>();
  EXPECT_EQ(flc.metadata.generation, 3);
  EXPECT_EQ(flc.metadata.labels.at("app.kubernetes.io/part-of"), "fl-demo");
  EXPECT_EQ(json(flc), in);
}

TEST(Status, StatusRoundTripsAndEmptyStatusIsOmitted) {
  FederatedJob job = example("federatedjob.yaml").get<FederatedJob>();
  EXPECT_FALSE(json(job).contains("status"));
  job.status.observedGeneration = 2;
  job.status.phase = "Running";
  job.status.fateJobId = "202202210834589399880";
  job.status.attempts.push_back(
      {0, "202202210834589399880", "running", "2026-01-02T03:04:05Z", std::nullopt, std::nullopt});
  job.status.parties.push_back({"host", 100, "running", 0, std::nullopt, std::nullopt});
  job.status.conditions.push_back(
      {"Ready", "False", "Running", "job is running", "2026-01-02T03:04:05Z", 2});
  const json out = job;
  EXPECT_EQ(out["status"]["attempts"][0]["fateJobId"], "202202210834589399880");
  EXPECT_EQ(out["status"]["parties"][0]["partyId"], 100);
  EXPECT_EQ(out["status"]["conditions"][0]["observedGeneration"], 2);
  EXPECT_EQ(json(out.get<FederatedJob>()), out);
}

TEST(Errors, WrongTypeNamesTheField) {
  json in = example("flcluster.yaml");
  in["spec"]["partyId"] = "99";
  expect_rejected<FLCluster>(in, "spec.partyId", "must be an integer, got string");
}

TEST(Errors, MissingRequiredFieldNamesTheField) {
  json in = example("flcluster.yaml");
  in["spec"]["mindspore"]["servers"].erase("image");
  expect_rejected<FLCluster>(in, "spec.mindspore.servers.image", "is required");
}

TEST(Errors, ListElementsAreNamedByIndex) {
  json in = example("modelmigration.yaml");
  in["spec"]["sources"][2]["partyId"] = 1.5;
  expect_rejected<ModelMigration>(in, "spec.sources[2].partyId", "must be an integer, got number");
}

TEST(Errors, UnknownRoleIsRejected) {
  json in = example("modelmigration.yaml");
  in["spec"]["executeParty"]["observer"] = {1};
  expect_rejected<ModelMigration>(in, "spec.executeParty.observer", "unknown role");
}

TEST(Errors, GuestAndHostAreMandatoryInRoleMaps) {
  json in = example("modelmigration.yaml");
  in["spec"]["migrateRole"].erase("host");
  expect_rejected<ModelMigration>(in, "spec.migrateRole.host", "is required");
}

TEST(Errors, Int32OverflowIsRejected) {
  json in = example("flcluster.yaml");
  in["spec"]["mindspore"]["servers"]["replicas"] = 4294967296LL;
  expect_rejected<FLCluster>(in, "spec.mindspore.servers.replicas", "out of range");
}

TEST(Errors, QuantityMustBeStringOrInteger) {
  json in = example("flcluster.yaml");
  in["spec"]["mindspore"]["servers"]["resources"]["limits"]["cpu"] = true;
  expect_rejected<FLCluster>(in, "spec.mindspore.servers.resources.limits.cpu", "quantity");
}

TEST(Errors, FreeFormPartsMustStillBeObjects) {
  json in = example("federatedjob.yaml");
  in["spec"]["fate"]["runtimeConf"] = json::array();
  expect_rejected<FederatedJob>(in, "spec.fate.runtimeConf", "must be an object");
}

TEST(Errors, WrongKindIsRejected) {
  json in = example("flcluster.yaml");
  expect_rejected<ModelMigration>(in, "kind", "expected ModelMigration");
  in["apiVersion"] = "federatedlearning.dev/v1";
  expect_rejected<FLCluster>(in, "apiVersion", "expected federatedlearning.dev/v1alpha1");
}

TEST(Errors, SpecMustBeAnObject) {
  json in = example("federatedjob.yaml");
  in["spec"] = "run";
  expect_rejected<FederatedJob>(in, "spec", "must be an object, got string");
}

}  // namespace
}  // namespace flop::api
