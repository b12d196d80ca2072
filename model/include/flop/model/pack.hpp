#pragma once
// `fl-model pack` / `fl-model unpack`: move a model version directory as a zip (the transfer
// step), with its sha256. Unpack validates the whole archive before writing anything.
#include <cstdint>
#include <filesystem>
#include <string>

#include "flop/model/archive_limits.hpp"

namespace flop::model {

struct PackResult {
  std::filesystem::path path;
  std::string sha256;  // of the zip
  uint64_t bytes = 0;  // size of the zip
  size_t entries = 0;
};

PackResult packDirectory(const std::filesystem::path& dir, const std::filesystem::path& zip);
PackResult unpackArchive(const std::filesystem::path& zip, const std::filesystem::path& dir,
                         const ArchiveLimits& limits);

}  // namespace flop::model
