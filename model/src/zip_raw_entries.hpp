#pragma once
// Where each entry's compressed bytes lie in a zip file, read from its central directory and
// local headers, so an unchanged entry can be copied file to file (copy_file_range) instead of
// through libzip's 8 KB copy loop. Only used for an archive libzip has already opened and
// checked: an entry is listed only when our reading agrees with libzip's about its name,
// method, sizes and CRC and its data lies inside the file; anything else is copied by libzip.
#include <zip.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "flop/model/model_source.hpp"

namespace flop::model {

// One entry per libzip index (zip_get_num_entries); nullopt where the raw copy is not used
// (directories, stored or encrypted entries, or any disagreement with libzip).
std::vector<std::optional<RawZipEntry>> readRawZipEntries(int fd, uint64_t fileSize, zip_t* za);

}  // namespace flop::model
