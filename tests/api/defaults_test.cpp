// The operator's defaults for omitted fields are stated in the CRD descriptions (the schema has
// no `default:`); this keeps the C++ constants and the documentation in step.
#include "flop/api/defaults.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace flop::api {
namespace {

using nlohmann::json;

std::string description(const std::string& crd_file, const std::vector<std::string>& path) {
  json node = testing::crd_schema(crd_file);
  for (const auto& part : path) node = node.at("properties").at(part);
  return node.value("description", "");
}

void expect_mentions(const std::string& crd_file, const std::vector<std::string>& path,
                     const std::string& value) {
  const std::string text = description(crd_file, path);
  EXPECT_NE(text.find(value), std::string::npos)
      << ::testing::PrintToString(path) << " should document the default " << value << ": " << text;
}

const std::string kFlc = "federatedlearning.dev_flclusters.yaml";
const std::string kFj = "federatedlearning.dev_federatedjobs.yaml";

TEST(Defaults, DocumentedOnTheFieldsTheyApplyTo) {
  using namespace defaults;
  expect_mentions(kFlc, {"spec", "fate", "flow", "service", "port"}, std::to_string(kFateFlowPort));
  expect_mentions(kFlc, {"spec", "mindspore", "scheduler", "port"}, std::to_string(kSchedulerPort));
  expect_mentions(kFlc, {"spec", "mindspore", "scheduler", "managementPort"},
                  std::to_string(kSchedulerManagementPort));
  expect_mentions(kFlc, {"spec", "mindspore", "servers", "flServerPort"},
                  std::to_string(kFlServerPort));
  expect_mentions(kFlc, {"spec", "mindspore", "scaling", "deadlineSeconds"},
                  std::to_string(kScaleDeadlineSeconds));
  expect_mentions(kFlc, {"spec", "mindspore", "scaling", "onStuck"},
                  std::string(kOnStuck) + " when omitted");
  expect_mentions(kFj, {"spec", "runPolicy", "backoffLimit"},
                  std::to_string(kBackoffLimit) + " when omitted");
  expect_mentions(kFj, {"spec", "deletionPolicy"}, std::string(kDeletionPolicy) + " when omitted");
}

TEST(Defaults, DesiredServers) {
  MindSporeSpec spec;
  EXPECT_EQ(defaults::desired_servers(spec), 1);
  spec.autoscaling = AutoscalingSpec{2, 8, {}};
  EXPECT_EQ(defaults::desired_servers(spec), 2);
  spec.servers.replicas = 5;  // written by the HPA or kubectl scale
  EXPECT_EQ(defaults::desired_servers(spec), 5);
}

}  // namespace
}  // namespace flop::api
