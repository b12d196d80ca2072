// Properties of the CRD files themselves: self-documenting (a description on every field),
// GitOps-clean (no defaults, no status or creationTimestamp), small enough for client-side
// apply, and internally consistent (scale and printer paths exist); docs/api.md is up to date.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "api_docs.hpp"
#include "test_support.hpp"

namespace flop::api {
namespace {

using nlohmann::json;

const std::vector<std::string>& crd_files() {
  static const std::vector<std::string> files{"federatedlearning.dev_flclusters.yaml",
                                              "federatedlearning.dev_federatedjobs.yaml",
                                              "federatedlearning.dev_modelmigrations.yaml"};
  return files;
}

json crd(const std::string& file) {
  return testing::load_yaml(testing::source_dir() / "crds" / file);
}

// Calls visit(path, schema) for every schema node below `schema`.
void walk(const json& schema, const std::string& path,
          const std::function<void(const std::string&, const json&)>& visit) {
  visit(path, schema);
  const json properties = schema.value("properties", json::object());
  for (const auto& [name, property] : properties.items()) {
    walk(property, path + "." + name, visit);
  }
  if (schema.contains("items")) walk(schema["items"], path + "[]", visit);
  if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
    walk(schema["additionalProperties"], path + ".*", visit);
  }
}

// The schema node at a simple JSONPath like ".spec.mindspore.servers.replicas".
const json* schema_at(const json& root, const std::string& json_path) {
  const json* node = &root;
  std::stringstream parts(json_path.substr(1));
  std::string part;
  while (std::getline(parts, part, '.')) {
    if (const auto bracket = part.find('['); bracket != std::string::npos) {
      part = part.substr(0, bracket);
      node = &node->at("properties").at(part);
      if (!node->contains("items")) return nullptr;
      node = &(*node)["items"];
      continue;
    }
    if (!node->contains("properties") || !(*node)["properties"].contains(part)) return nullptr;
    node = &(*node)["properties"][part];
  }
  return node;
}

class CrdFile : public ::testing::TestWithParam<std::string> {};

TEST_P(CrdFile, EveryFieldHasADescription) {
  const json schema = crd(GetParam())["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
  std::vector<std::string> missing;
  walk(schema, "", [&](const std::string& path, const json& node) {
    if (path == ".metadata") return;  // ObjectMeta is described by Kubernetes itself
    if (node.value("description", "").empty()) missing.push_back(path.empty() ? "(root)" : path);
  });
  EXPECT_TRUE(missing.empty()) << ::testing::PrintToString(missing);
}

TEST_P(CrdFile, NoSchemaDefaultsThatWouldDriftFromGit) {
  const json schema = crd(GetParam())["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
  std::vector<std::string> defaulted;
  walk(schema, "", [&](const std::string& path, const json& node) {
    if (node.contains("default")) defaulted.push_back(path);
  });
  EXPECT_TRUE(defaulted.empty()) << ::testing::PrintToString(defaulted);
}

TEST_P(CrdFile, NoStatusOrCreationTimestampInTheFile) {
  const json object = crd(GetParam());
  EXPECT_FALSE(object.contains("status"));
  EXPECT_FALSE(object.at("metadata").contains("creationTimestamp"));
}

TEST_P(CrdFile, SmallEnoughForClientSideApply) {
  // kubectl apply copies the object into an annotation limited to 256 KiB.
  EXPECT_LT(crd(GetParam()).dump().size(), 262144u / 2) << "keep a wide margin";
}

TEST_P(CrdFile, GroupVersionNamesAndStatusSubresource) {
  const json spec = crd(GetParam())["spec"];
  EXPECT_EQ(spec["group"], "federatedlearning.dev");
  EXPECT_EQ(spec["scope"], "Namespaced");
  EXPECT_EQ(spec["names"]["categories"], json::array({"fl"}));
  ASSERT_EQ(spec["versions"].size(), 1u);
  EXPECT_EQ(spec["versions"][0]["name"], "v1alpha1");
  EXPECT_TRUE(spec["versions"][0]["subresources"].contains("status"));
}

TEST_P(CrdFile, PrinterColumnsPointAtSchemaFields) {
  const json version = crd(GetParam())["spec"]["versions"][0];
  const json& schema = version["schema"]["openAPIV3Schema"];
  for (const auto& column : version["additionalPrinterColumns"]) {
    const std::string path = column["jsonPath"];
    if (path == ".metadata.creationTimestamp") continue;
    const std::string plain = path.substr(0, path.find("[?"));  // conditions filter
    EXPECT_NE(schema_at(schema, plain), nullptr) << column.dump();
  }
}

INSTANTIATE_TEST_SUITE_P(AllCrds, CrdFile, ::testing::ValuesIn(crd_files()),
                         [](const auto& param_info) {
                           const std::string& file = param_info.param;
                           return file.substr(22, file.find(".yaml") - 22);
                         });

TEST(FLClusterCrd, ScaleSubresourcePathsExistWithTheRightTypes) {
  const json version = crd("federatedlearning.dev_flclusters.yaml")["spec"]["versions"][0];
  const json& schema = version["schema"]["openAPIV3Schema"];
  const json& scale = version["subresources"]["scale"];
  const json* spec_replicas = schema_at(schema, scale["specReplicasPath"]);
  const json* status_replicas = schema_at(schema, scale["statusReplicasPath"]);
  const json* selector = schema_at(schema, scale["labelSelectorPath"]);
  ASSERT_TRUE(spec_replicas && status_replicas && selector);
  EXPECT_EQ((*spec_replicas)["type"], "integer");
  EXPECT_EQ((*status_replicas)["type"], "integer");
  EXPECT_EQ((*selector)["type"], "string") << "HPA needs the selector in string form";
}

TEST(Docs, ApiReferenceIsUpToDate) {
  std::vector<json> crds;
  for (const auto& file : crd_files()) crds.push_back(crd(file));
  const auto doc_path = testing::source_dir() / "docs" / "api.md";
  std::ifstream in(doc_path);
  ASSERT_TRUE(in) << doc_path;
  std::stringstream current;
  current << in.rdbuf();
  EXPECT_EQ(current.str(),
            tools::replace_generated_part(current.str(), tools::render_api_reference(crds)))
      << "docs/api.md is stale: run build/api/flop-api-docs docs/api.md "
      << "crds/federatedlearning.dev_{flclusters,federatedjobs,modelmigrations}.yaml";
}

}  // namespace
}  // namespace flop::api
