#pragma once
// Renders the API reference (docs/api.md, generated part) from the CRD files, so the reference
// can never disagree with the schema the API server enforces.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace flop::api::tools {

// The line after which docs/api.md is generated; everything above it is hand-written.
inline constexpr const char* kGeneratedMarker =
    "<!-- Generated from crds/ by flop-api-docs; do not edit below this line. -->";

// Markdown reference of the given CRDs (parsed YAML), in the given order.
std::string render_api_reference(const std::vector<nlohmann::json>& crds);

// `document` with everything after the marker replaced by `generated`. Throws flop::InvalidInput
// when the marker is missing.
std::string replace_generated_part(const std::string& document, const std::string& generated);

}  // namespace flop::api::tools
