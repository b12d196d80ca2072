// The zip writer's sha256 is computed while libzip writes (model/src/zip_file_io.cpp); it must
// equal a hash of the finished file whatever mix of entries was written, and the raw copies read
// through the buffered source must come out intact.
#include <gtest/gtest.h>

#include <random>

#include "flop/model/digest.hpp"
#include "flop/model/model_source.hpp"
#include "flop/model/output_writer.hpp"
#include "test_support.hpp"

namespace flop::model {
namespace {

using testing::ScratchDir;
namespace fs = std::filesystem;

std::string randomBytes(size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

// Small entries (hashed from the write buffer), entries larger than the 1 MB buffer (read back),
// a streamed one, directories, and raw copies out of another archive.
TEST(ZipWriterDigest, EqualsTheFinishedFilesSha256) {
  ScratchDir dir;
  const std::string big = randomBytes(3u << 20, 1);    // incompressible: stays > 1 MB zipped
  const std::string large = randomBytes(5u << 20, 2);  // written in one piece
  auto first = makeZipWriter(dir.path() / "first.zip");
  first->addDirectory("a/");
  first->addBytes("a/small", "hello");
  first->addBytes("a/big", big);
  first->addStreamed("a/streamed", [&large]() -> ChunkProducer {
    return [&large, at = size_t{0}](std::string& out) mutable {
      if (at == large.size()) return false;
      out.append(large, at, 700'000);  // pieces that straddle the buffer's flushes
      at = std::min(large.size(), at + 700'000);
      return true;
    };
  });
  first->addBytes("b/empty", "");
  const fs::path firstPath = first->commit();
  EXPECT_EQ(first->committedSha256(), fileSha256Hex(firstPath));

  const auto src = openModelZip(firstPath, ArchiveLimits{});
  auto second = makeZipWriter(dir.path() / "second.zip");
  for (const auto& e : src->entries()) {
    if (e.isDir) {
      second->addDirectory(e.path);
    } else {
      second->addUnchanged(e.path, *src);
    }
  }
  second->addBytes("c/after", "tail");
  const fs::path secondPath = second->commit();
  EXPECT_EQ(second->committedSha256(), fileSha256Hex(secondPath));

  const auto copy = openModelZip(secondPath, ArchiveLimits{});
  EXPECT_EQ(copy->read("a/small"), "hello");
  EXPECT_EQ(copy->read("a/big"), big);
  EXPECT_EQ(copy->read("a/streamed"), large);
  EXPECT_EQ(copy->read("b/empty"), "");
  EXPECT_EQ(copy->read("c/after"), "tail");
}

TEST(ZipWriterDigest, FailedCommitLeavesNothingAndNoDigest) {
  ScratchDir dir;
  auto writer = makeZipWriter(dir.path() / "out.zip");
  writer->addBytes("ok", "fine");
  writer->addGenerated("broken", []() -> std::string { throw std::runtime_error("no buffer"); });
  EXPECT_THROW(writer->commit(), std::exception);
  EXPECT_EQ(writer->committedSha256(), "");
  writer.reset();
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(Sha256Stream, ACopyContinuesFromTheSameState) {
  Sha256Stream a;
  a.update("abc");
  Sha256Stream b(a);
  a.update("def");
  b.update("def");
  EXPECT_EQ(a.hexDigest(), sha256Hex("abcdef"));
  EXPECT_EQ(b.hexDigest(), sha256Hex("abcdef"));
}

}  // namespace
}  // namespace flop::model
