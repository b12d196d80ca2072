#pragma once
// `fl-model inspect` and `fl-model verify`.
#include <filesystem>
#include <string>
#include <vector>

#include "flop/model/archive_limits.hpp"
#include "flop/model/pyjson.hpp"

namespace flop::model {

// model_id, model_version, fate_version, roles, initiator, this copy's role/party, layout,
// components (name, module, aliases, buffers with message and size) and checksums.
Json inspectModel(const std::filesystem::path& model, const ArchiveLimits& limits);

// Every problem found, each naming the file/buffer; empty when the model verifies.
std::vector<std::string> verifyModel(const std::filesystem::path& model,
                                     const ArchiveLimits& limits);

}  // namespace flop::model
