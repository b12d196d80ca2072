// Proves that the hand-written CRD schemas (crds/) and the C++ types (api/) agree:
//  * every field of the schema is read and written back by the C++ types (schema -> C++),
//  * every field the C++ types write exists in the schema with a matching type (C++ -> schema),
//  * the C++ types require exactly the fields the schema requires,
//  * a required-only object round-trips without the C++ side inventing defaults.
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "describe_federatedjob.hpp"
#include "describe_flcluster.hpp"
#include "describe_modelmigration.hpp"
#include "flop/api/federatedjob.hpp"
#include "flop/api/flcluster.hpp"
#include "flop/api/modelmigration.hpp"
#include "flop/error.hpp"
#include "test_support.hpp"

namespace flop::api {
namespace {

using nlohmann::json;
using testing::crd_schema;

bool preserves_unknown(const json& schema) {
  return schema.value("x-kubernetes-preserve-unknown-fields", false);
}

bool is_int_or_string(const json& schema) {
  return schema.value("x-kubernetes-int-or-string", false);
}

// ---- schema -> sample ------------------------------------------------------------------------
// A value for every property the schema declares (or only the required ones).
json sample(const json& schema, bool required_only) {
  if (schema.contains("enum")) return schema["enum"][0];
  if (is_int_or_string(schema)) return "1";
  const std::string type = schema.value("type", "");
  if (type == "string") return "text";
  if (type == "integer") return schema.value("minimum", json(1));
  if (type == "number") return 0.5;
  if (type == "boolean") return true;
  if (type == "array") {
    if (required_only && schema.value("minItems", 0) == 0) return json::array();
    return json::array({sample(schema.at("items"), required_only)});
  }
  json out = json::object();
  if (type.empty() && !schema.contains("properties")) return json{{"any", 1}};  // untyped, free
  const json required = schema.value("required", json::array());
  const json properties = schema.value("properties", json::object());
  for (const auto& [name, property] : properties.items()) {
    const bool is_required =
        std::find(required.begin(), required.end(), json(name)) != required.end();
    if (required_only && !is_required) continue;
    out[name] = sample(property, required_only);
  }
  if (schema.contains("additionalProperties") && !required_only) {
    out["key1"] = sample(schema["additionalProperties"], required_only);
  }
  if (preserves_unknown(schema) && !required_only) {
    out["fieldUnknownToSchema"] = json{{"nested", json::array({1, "two", true, 0.25})}};
  }
  return out;
}

// ---- C++ -> filled object --------------------------------------------------------------------
// Sets every field of a C++ object (optionals engaged, one element per list or map).
struct Filler;
void fill(std::string& out) { out = "text"; }
void fill(bool& out) { out = true; }
void fill(std::int32_t& out) { out = 1; }
void fill(std::int64_t& out) { out = 1; }
void fill(double& out) { out = 0.5; }
void fill(json& out) { out = json{{"free", 1}}; }
void fill(Quantity& out) { out = std::string("1"); }
template <class T>
void fill(std::optional<T>& out);
template <class T>
void fill(std::vector<T>& out);
template <class T>
void fill(std::map<std::string, T>& out);
template <class T>
requires std::is_class_v<T>
void fill(T& out);

struct Filler {
  template <class T>
  void required(const char*, T& out) {
    fill(out);
  }
  template <class T>
  void optional(const char*, T& out) {
    fill(out);
  }
  std::string path() const { return ""; }
};

template <class T>
void fill(std::optional<T>& out) {
  out.emplace();
  fill(*out);
}
template <class T>
void fill(std::vector<T>& out) {
  out.resize(1);
  fill(out.front());
}
template <class T>
void fill(std::map<std::string, T>& out) {
  // Valid keys for role maps and for resource maps alike.
  for (const char* key : {"guest", "host", "arbiter"}) fill(out[key]);
}
template <class T>
requires std::is_class_v<T>
void fill(T& out) {
  Filler filler;
  describe(filler, out);
}

// Every key written by C++ must be declared by the schema, with a matching JSON type.
void check_against_schema(const json& value, const json& schema, const std::string& path,
                          std::vector<std::string>& problems) {
  if (is_int_or_string(schema)) {
    if (!value.is_string() && !value.is_number_integer()) {
      problems.push_back(path + ": schema says int-or-string, C++ wrote " + value.type_name());
    }
    return;
  }
  const std::string type = schema.value("type", "");
  if (type.empty()) return;  // untyped: anything goes
  const auto mismatch = [&] {
    problems.push_back(path + ": schema says " + type + ", C++ wrote " + value.dump());
  };
  if (type == "string" && !value.is_string()) return mismatch();
  if (type == "integer" && !value.is_number_integer()) return mismatch();
  if (type == "number" && !value.is_number()) return mismatch();
  if (type == "boolean" && !value.is_boolean()) return mismatch();
  if (type == "array") {
    if (!value.is_array()) return mismatch();
    for (std::size_t i = 0; i < value.size(); ++i) {
      check_against_schema(value[i], schema.at("items"), path + "[" + std::to_string(i) + "]",
                           problems);
    }
  }
  if (type == "object") {
    if (!value.is_object()) return mismatch();
    const json properties = schema.value("properties", json::object());
    for (const auto& [key, item] : value.items()) {
      const std::string child = path + "." + key;
      if (properties.contains(key)) {
        check_against_schema(item, properties[key], child, problems);
      } else if (schema.contains("additionalProperties")) {
        check_against_schema(item, schema["additionalProperties"], child, problems);
      } else if (!preserves_unknown(schema)) {
        problems.push_back(child + ": written by C++ but not declared in the CRD schema");
      }
    }
  }
}

// Visits every required property of the schema outside free-form parts, with its path in a
// sample and the path C++ reports in errors.
void for_each_required(
    const json& schema, const json& pointer_prefix, const std::string& path,
    const std::function<void(const json::json_pointer&, const std::string&)>& visit,
    json::json_pointer pointer) {
  if (preserves_unknown(schema)) return;  // free-form: C++ keeps it as JSON, does not check keys
  const std::string type = schema.value("type", "");
  if (type == "array") {
    for_each_required(schema.at("items"), pointer_prefix, path + "[0]", visit, pointer / 0);
    return;
  }
  const json required = schema.value("required", json::array());
  const json properties = schema.value("properties", json::object());
  for (const auto& [name, property] : properties.items()) {
    const auto child_pointer = pointer / name;
    const std::string child_path = path + "." + name;
    if (std::find(required.begin(), required.end(), json(name)) != required.end()) {
      visit(child_pointer, child_path);
    }
    for_each_required(property, pointer_prefix, child_path, visit, child_pointer);
  }
}

struct KindUnderTest {
  std::string crd_file;
  std::string part;  // "spec" or "status"
  std::function<json(const json&)> round_trip;
  std::function<json()> filled;
  friend void PrintTo(const KindUnderTest& kind, std::ostream* os) {
    *os << kind.crd_file << " " << kind.part;
  }
};

template <class T>
KindUnderTest make_kind(std::string crd_file, std::string part) {
  return {std::move(crd_file), std::move(part),
          [](const json& in) {
            T value = in.get<T>();
            return json(value);
          },
          [] {
            T value{};
            fill(value);
            return json(value);
          }};
}

std::vector<KindUnderTest> kinds() {
  return {make_kind<FLClusterSpec>("federatedlearning.dev_flclusters.yaml", "spec"),
          make_kind<FLClusterStatus>("federatedlearning.dev_flclusters.yaml", "status"),
          make_kind<FederatedJobSpec>("federatedlearning.dev_federatedjobs.yaml", "spec"),
          make_kind<FederatedJobStatus>("federatedlearning.dev_federatedjobs.yaml", "status"),
          make_kind<ModelMigrationSpec>("federatedlearning.dev_modelmigrations.yaml", "spec"),
          make_kind<ModelMigrationStatus>("federatedlearning.dev_modelmigrations.yaml", "status")};
}

class SchemaAgreement : public ::testing::TestWithParam<KindUnderTest> {
 protected:
  json part_schema() const {
    return crd_schema(GetParam().crd_file).at("properties").at(GetParam().part);
  }
};

TEST_P(SchemaAgreement, EverySchemaFieldRoundTripsThroughCpp) {
  const json full = sample(part_schema(), /*required_only=*/false);
  const json back = GetParam().round_trip(full);
  EXPECT_EQ(back, full) << "fields lost or changed (JSON patch from schema sample to C++ output):\n"
                        << json::diff(full, back).dump(2);
}

TEST_P(SchemaAgreement, EveryFieldCppWritesIsInTheSchema) {
  const json written = GetParam().filled();
  std::vector<std::string> problems;
  check_against_schema(written, part_schema(), GetParam().part, problems);
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
  // And the filled object itself survives decoding: C++ writes what it can read.
  EXPECT_EQ(GetParam().round_trip(written), written);
}

TEST_P(SchemaAgreement, RequiredOnlyObjectRoundTripsWithoutInventedDefaults) {
  const json minimal = sample(part_schema(), /*required_only=*/true);
  json back;
  ASSERT_NO_THROW(back = GetParam().round_trip(minimal)) << minimal.dump();
  EXPECT_EQ(back, minimal) << json::diff(minimal, back).dump(2);
}

TEST_P(SchemaAgreement, CppRejectsEachMissingRequiredFieldByName) {
  const json full = sample(part_schema(), /*required_only=*/false);
  int checked = 0;
  for_each_required(
      part_schema(), json(), GetParam().part,
      [&](const json::json_pointer& pointer, const std::string& path) {
        json broken = full;
        broken.at(pointer.parent_pointer()).erase(pointer.back());
        try {
          GetParam().round_trip(broken);
          ADD_FAILURE() << path << " is required by the schema but C++ accepted its absence";
        } catch (const InvalidInput& e) {
          EXPECT_EQ(e.where(), path) << e.what();
        }
        ++checked;
      },
      json::json_pointer());
  if (GetParam().part == "spec") {
    EXPECT_GT(checked, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(AllKinds, SchemaAgreement, ::testing::ValuesIn(kinds()),
                         [](const auto& param_info) {
                           std::string name = param_info.param.crd_file.substr(
                               22);  // after "federatedlearning.dev_"
                           name = name.substr(0, name.find('.')) + "_" + param_info.param.part;
                           return name;
                         });

}  // namespace
}  // namespace flop::api
