#pragma once
// Test support: YAML files (CRDs, examples) as nlohmann::json, with YAML 1.2 core-schema typing
// of plain scalars (quoted scalars always stay strings, as the API server reads them).
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace flop::api::testing {

// Every document of a YAML file.
std::vector<nlohmann::json> load_yaml_documents(const std::filesystem::path& file);
// The single document of a YAML file (fails the test helper with an exception otherwise).
nlohmann::json load_yaml(const std::filesystem::path& file);

std::filesystem::path source_dir();  // FLOP_SOURCE_DIR or the compiled-in source path

// The openAPIV3Schema of a CRD file's only version.
nlohmann::json crd_schema(const std::string& crd_file_name);

}  // namespace flop::api::testing
