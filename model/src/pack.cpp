#include "flop/model/pack.hpp"

#include "flop/error.hpp"
#include "flop/model/digest.hpp"
#include "flop/model/model_source.hpp"
#include "flop/model/output_writer.hpp"

namespace flop::model {

namespace {

PackResult copyAll(const ModelSource& src, OutputWriter& writer) {
  PackResult r;
  for (const auto& e : src.entries()) {
    if (e.isDir) {
      writer.addDirectory(e.path);
    } else {
      writer.addUnchanged(e.path, src);
    }
    ++r.entries;
  }
  r.path = writer.commit();
  return r;
}

}  // namespace

PackResult packDirectory(const std::filesystem::path& dir, const std::filesystem::path& zip) {
  const auto src = openModelDir(dir);
  auto writer = makeZipWriter(std::filesystem::absolute(zip), 6);
  auto r = copyAll(*src, *writer);
  r.sha256 = writer->committedSha256();
  r.bytes = std::filesystem::file_size(r.path);
  return r;
}

PackResult unpackArchive(const std::filesystem::path& zip, const std::filesystem::path& dir,
                         const ArchiveLimits& limits) {
  const auto src = openModelZip(zip, limits);  // every entry checked before anything is written
  auto writer = makeDirWriter(std::filesystem::absolute(dir));
  auto r = copyAll(*src, *writer);
  r.sha256 = fileSha256Hex(zip);
  r.bytes = std::filesystem::file_size(zip);
  return r;
}

}  // namespace flop::model
