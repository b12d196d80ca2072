#pragma once
// YAML files (CRDs, example CRs) as nlohmann::json, typing plain scalars by the YAML 1.2 core
// schema; quoted scalars stay strings, as the API server reads them.
#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

namespace flop::api::tools {

// Every non-empty document of a YAML file. Throws flop::InvalidInput on unreadable YAML.
std::vector<nlohmann::json> load_yaml_documents(const std::filesystem::path& file);
// The single document of a YAML file; throws flop::InvalidInput when there is not exactly one.
nlohmann::json load_yaml(const std::filesystem::path& file);

}  // namespace flop::api::tools
