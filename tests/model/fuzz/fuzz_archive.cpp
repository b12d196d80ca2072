// libFuzzer target: archive reading. Any byte string as a model zip must either open (all
// entries validated) and read back, or fail with flop::Error - never crash or write anything.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "flop/error.hpp"
#include "flop/model/define_meta.hpp"
#include "flop/model/layout.hpp"
#include "flop/model/model_source.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                            ("flmodel-fuzz-" + std::to_string(::getpid()) + ".zip");
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  flop::model::ArchiveLimits limits;
  limits.maxEntries = 256;
  limits.maxTotalBytes = 8u << 20;
  limits.maxEntryBytes = 4u << 20;
  try {
    const auto src = flop::model::openModelZip(path, limits);
    for (const auto& e : src->entries()) {
      if (!e.isDir) (void)src->read(e.path);
    }
    if (src->has(flop::model::kDefineMetaPath)) {
      (void)flop::model::parseDefineMeta(src->read(flop::model::kDefineMetaPath), "fuzz");
    }
  } catch (const flop::Error&) {
  }
  return 0;
}
