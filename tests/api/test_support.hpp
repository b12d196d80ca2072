#pragma once
// Paths and schemas the API tests share.
#include <cstdlib>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "crd_yaml.hpp"

namespace flop::api::testing {

using tools::load_yaml;
using tools::load_yaml_documents;

inline std::filesystem::path source_dir() {
  if (const char* dir = std::getenv("FLOP_SOURCE_DIR"); dir != nullptr && *dir != '\0') return dir;
  return FLOP_SOURCE_DIR_DEFAULT;
}

// The openAPIV3Schema of a CRD file's only version.
inline nlohmann::json crd_schema(const std::string& crd_file_name) {
  const auto crd = load_yaml(source_dir() / "crds" / crd_file_name);
  return crd.at("spec").at("versions").at(0).at("schema").at("openAPIV3Schema");
}

}  // namespace flop::api::testing
