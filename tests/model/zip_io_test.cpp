// The zip writer's sha256 is computed while libzip writes (model/src/zip_file_io.cpp); it must
// equal a hash of the finished file whatever mix of entries was written, and the raw copies read
// through the buffered source must come out intact.
#include <gtest/gtest.h>

#include <zip.h>

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

// Streamed entries are deflated by the writer (ISA-L) and handed to libzip precompressed: what
// comes back must be the content (libzip checks the CRC on reading), actually compressed, and an
// empty stream must give an empty entry.
TEST(ZipWriterDeflate, StreamedEntriesRoundTripCompressed) {
  ScratchDir dir;
  std::string text;
  for (int i = 0; text.size() < (3u << 20); ++i)
    text += "{\"sitename\": \"guest:9999\", \"fid\": " + std::to_string(i % 20) + "}, ";
  auto writer = makeZipWriter(dir.path() / "out.zip", 1, /*digest=*/true);
  writer->addStreamed("text.json", [&text]() -> ChunkProducer {
    return [&text, at = size_t{0}](std::string& out) mutable {
      out.append(text, at, 65'536);
      at = std::min(text.size(), at + 65'536);
      return at < text.size();  // the last piece comes with `false`
    };
  });
  writer->addStreamed("empty",
                      []() -> ChunkProducer { return [](std::string&) { return false; }; });
  const fs::path out = writer->commit();
  EXPECT_EQ(writer->committedSha256(), fileSha256Hex(out));
  const auto copy = openModelZip(out, ArchiveLimits{});
  EXPECT_EQ(copy->read("text.json"), text);
  EXPECT_EQ(copy->read("empty"), "");
  int err = 0;
  zip_t* za = zip_open(out.c_str(), ZIP_RDONLY, &err);
  ASSERT_NE(za, nullptr);
  zip_stat_t st;
  ASSERT_EQ(zip_stat(za, "text.json", 0, &st), 0);
  EXPECT_EQ(st.comp_method, ZIP_CM_DEFLATE);
  EXPECT_EQ(st.size, text.size());
  EXPECT_LT(st.comp_size * 4, st.size) << "repetitive JSON deflates well";
  zip_discard(za);
}

// Unchanged deflated entries are copied file to file (copy_file_range, hashed while copied, in
// 8 MB pieces); stored ones and directories go through libzip. Both must come out intact, in an
// archive whose digest is that of the file.
TEST(ZipWriterDigest, RawCopiesOfLargeDeflatedAndStoredEntries) {
  ScratchDir dir;
  const fs::path made = dir.path() / "made.zip";
  const std::string huge = randomBytes(19u << 20, 3);  // more than two raw-copy pieces
  const std::string text(300'000, 'x');
  {
    int err = 0;
    zip_t* za = zip_open(made.c_str(), ZIP_CREATE | ZIP_EXCL, &err);
    ASSERT_NE(za, nullptr);
    auto add = [&](const char* name, const std::string& data, int32_t method) {
      zip_source_t* s = zip_source_buffer(za, data.data(), data.size(), 0);
      const auto idx = zip_file_add(za, name, s, 0);
      ASSERT_GE(idx, 0);
      zip_set_file_compression(za, static_cast<zip_uint64_t>(idx), method, 0);
    };
    ASSERT_GE(zip_dir_add(za, "d", 0), 0);
    add("d/huge", huge, ZIP_CM_DEFLATE);
    add("d/stored", text, ZIP_CM_STORE);
    add("d/text", text, ZIP_CM_DEFLATE);
    ASSERT_EQ(zip_close(za), 0);
  }
  const auto src = openModelZip(made, ArchiveLimits{});
  EXPECT_TRUE(src->rawZipEntry("d/huge").has_value());
  EXPECT_TRUE(src->rawZipEntry("d/text").has_value());
  EXPECT_FALSE(src->rawZipEntry("d/stored").has_value());
  EXPECT_FALSE(src->rawZipEntry("d/").has_value());

  auto out = makeZipWriter(dir.path() / "out.zip");
  out->addBytes("first", "before the copies");
  for (const auto& e : src->entries()) {
    if (e.isDir) {
      out->addDirectory(e.path);
    } else {
      out->addUnchanged(e.path, *src);
    }
  }
  out->addBytes("last", "after them");
  const fs::path outPath = out->commit();
  EXPECT_EQ(out->committedSha256(), fileSha256Hex(outPath));
  const auto copy = openModelZip(outPath, ArchiveLimits{});
  EXPECT_EQ(copy->read("d/huge"), huge);
  EXPECT_EQ(copy->read("d/stored"), text);
  EXPECT_EQ(copy->read("d/text"), text);
  EXPECT_EQ(copy->read("first"), "before the copies");
  EXPECT_EQ(copy->read("last"), "after them");
  // Copied data lands at the source's offset modulo the page size (the in-kernel copy is then
  // page to page), whatever was added before it.
  for (const char* name : {"d/huge", "d/text"}) {
    ASSERT_TRUE(copy->rawZipEntry(name).has_value()) << name;
    EXPECT_EQ(copy->rawZipEntry(name)->dataOffset % 4096, src->rawZipEntry(name)->dataOffset % 4096)
        << name;
  }
}

TEST(ZipWriterDigest, WithoutADigestNoHashIsComputed) {
  ScratchDir dir;
  auto writer = makeZipWriter(dir.path() / "out.zip", 1, /*digest=*/false);
  writer->addBytes("a", std::string(3u << 20, 'x'));
  const fs::path out = writer->commit();
  EXPECT_EQ(writer->committedSha256(), "");
  EXPECT_EQ(openModelZip(out, ArchiveLimits{})->read("a"), std::string(3u << 20, 'x'));
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
