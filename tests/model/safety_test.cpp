// Hostile archives and inputs: every check happens before anything is written, nothing is
// written outside the output directory, the source is never modified, failures leave nothing.
#include <sys/stat.h>
#include <zip.h>

#include <gtest/gtest.h>

#include "flop/error.hpp"
#include "flop/model/digest.hpp"
#include "flop/model/migrate.hpp"
#include "flop/model/pack.hpp"
#include "test_support.hpp"

namespace flop::model {
namespace {

namespace fs = std::filesystem;

struct ZipEntrySpec {
  std::string name;
  std::string data;
  mode_t mode = 0;  // unix mode to record (0: leave default)
};

fs::path makeZip(const fs::path& path, const std::vector<ZipEntrySpec>& entries) {
  int err = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  EXPECT_NE(za, nullptr);
  for (const auto& e : entries) {
    zip_source_t* s = zip_source_buffer(za, e.data.data(), e.data.size(), 0);
    // ZIP_FL_OVERWRITE off: libzip refuses exact duplicates, so duplicates are made by renaming.
    const auto idx = zip_file_add(za, e.name.c_str(), s, ZIP_FL_ENC_RAW);
    EXPECT_GE(idx, 0) << e.name;
    if (e.mode) {
      zip_file_set_external_attributes(za, static_cast<zip_uint64_t>(idx), 0, ZIP_OPSYS_UNIX,
                                       static_cast<zip_uint32_t>(e.mode) << 16);
    }
  }
  EXPECT_EQ(zip_close(za), 0);
  return path;
}

void expectRejected(const fs::path& zip, const std::string& needle, ArchiveLimits limits = {}) {
  testing::ScratchDir out;
  try {
    unpackArchive(zip, out.path() / "x", limits);
    ADD_FAILURE() << "accepted " << zip;
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_empty(out.path())) << "something was written for " << zip;
}

TEST(Safety, RejectsTraversalAbsoluteAndSpecialEntries) {
  testing::ScratchDir d;
  expectRejected(makeZip(d.path() / "abs.zip", {{"/etc/passwd", "x"}}), "absolute path");
  expectRejected(makeZip(d.path() / "dots.zip", {{"ok", "1"}, {"a/../../evil", "x"}}), "'..'");
  expectRejected(makeZip(d.path() / "bs.zip", {{"a\\b", "x"}}), "backslash");
  expectRejected(makeZip(d.path() / "link.zip", {{"link", "/etc/passwd", S_IFLNK | 0777}}),
                 "symbolic link");
  expectRejected(makeZip(d.path() / "dev.zip", {{"dev", "", S_IFCHR | 0600}}), "device");
  expectRejected(makeZip(d.path() / "fileparent.zip", {{"a", "1"}, {"a/b", "2"}}),
                 "parent is a file");
}

TEST(Safety, RejectsDuplicateNames) {
  testing::ScratchDir d;
  const auto p = d.path() / "dup.zip";
  makeZip(p, {{"a", "1"}, {"b", "2"}});
  // Rename "b" to "a" in the central directory bytes: a real duplicate libzip would not create.
  std::string bytes = testing::readFile(p);
  const auto cd = bytes.rfind(std::string("PK\x01\x02", 4));
  const auto nameAt = bytes.find('b', cd + 46);
  bytes[nameAt] = 'a';
  const auto local = bytes.find(std::string("PK\x03\x04", 4), 1);
  bytes[bytes.find('b', local + 30)] = 'a';
  testing::writeFile(p, bytes);
  expectRejected(p, "duplicate");
}

TEST(Safety, EnforcesCountSizeAndRatioLimits) {
  testing::ScratchDir d;
  ArchiveLimits few;
  few.maxEntries = 2;
  expectRejected(makeZip(d.path() / "many.zip", {{"a", "1"}, {"b", "2"}, {"c", "3"}}),
                 "too many entries", few);
  ArchiveLimits small;
  small.maxTotalBytes = 10;
  expectRejected(
      makeZip(d.path() / "big.zip", {{"a", std::string(8, 'x')}, {"b", std::string(8, 'y')}}),
      "total uncompressed size", small);
  ArchiveLimits ratio;
  ratio.maxRatio = 50;
  expectRejected(makeZip(d.path() / "bomb.zip", {{"z", std::string(4 << 20, '\0')}}),
                 "compression ratio", ratio);
}

TEST(Safety, UnpackRefusesExistingDestinationAndPackRoundTrips) {
  testing::ScratchDir d;
  testing::writeFile(d.path() / "src/define/define_meta.yaml", "model_proto: {}\n");
  testing::writeFile(d.path() / "src/variables/data/x/y/Z", std::string("\x08\x01", 2));
  const auto packed = packDirectory(d.path() / "src", d.path() / "m.zip");
  EXPECT_EQ(packed.sha256, fileSha256Hex(d.path() / "m.zip"));
  EXPECT_EQ(packed.bytes, fs::file_size(d.path() / "m.zip"));
  EXPECT_THROW(packDirectory(d.path() / "src", d.path() / "m.zip"), InvalidInput);
  const auto unpacked = unpackArchive(d.path() / "m.zip", d.path() / "out", ArchiveLimits{});
  EXPECT_EQ(testing::readFile(d.path() / "out/variables/data/x/y/Z"), std::string("\x08\x01", 2));
  EXPECT_THROW(unpackArchive(d.path() / "m.zip", d.path() / "out", ArchiveLimits{}), InvalidInput);
  fs::create_symlink("/etc", d.path() / "src/evil");
  EXPECT_THROW(packDirectory(d.path() / "src", d.path() / "m2.zip"), InvalidInput);
  EXPECT_FALSE(fs::exists(d.path() / "m2.zip"));
}

fs::path caseDir() {
  return testing::testdataDir() / "fate-migration" / "v111_sbt_binning_selection_lr_3party";
}

TEST(Safety, MigrateNeverModifiesSourceAndLeavesNothingOnFailure) {
  const auto input = caseDir() / "input";
  std::map<std::string, std::string> before;
  for (const auto& e : fs::recursive_directory_iterator(input)) {
    if (e.is_regular_file()) before[e.path().string()] = fileSha256Hex(e.path());
  }
  const auto req = parseMigrateRequest(testing::readFile(caseDir() / "migrate_conf.json"), "conf");
  testing::ScratchDir out;
  MigrateOptions o;
  o.outputDir = out.path();
  ASSERT_TRUE(migrate(req, input, o).ok());
  for (const auto& [path, sum] : before) EXPECT_EQ(fileSha256Hex(path), sum) << path;

  // Corrupt a converted buffer: that party fails with a message naming the buffer, and leaves
  // no output at all; the other parties still succeed.
  testing::ScratchDir bad;
  fs::copy(input, bad.path() / "input", fs::copy_options::recursive);
  const auto guest = bad.path() / "input" /
                     "guest#9999#arbiter-10000#guest-9999#host-10000#model/202311221053219843970";
  fs::remove_all(bad.path() / "input" /
                 "guest#9999#arbiter-10000#guest-9999#host-10000#model_202311221053219843970.zip");
  testing::writeFile(
      guest / "variables/data/hetero_secureboost_0/model/HeteroSecureBoostingTreeGuestParam",
      "\xff\xff\xff garbage");
  testing::ScratchDir out2;
  o.outputDir = out2.path();
  const auto outcome = migrate(req, bad.path() / "input", o);
  EXPECT_FALSE(outcome.ok());
  int failed = 0;
  for (const auto& p : outcome.parties) {
    if (p.retcode == 0) continue;
    ++failed;
    EXPECT_EQ(p.role, "guest");
    EXPECT_NE(p.retmsg.find("HeteroSecureBoostingTreeGuestParam"), std::string::npos) << p.retmsg;
  }
  EXPECT_EQ(failed, 1);
  for (const auto& e : fs::directory_iterator(out2.path())) {
    EXPECT_EQ(e.path().filename().string().rfind("guest#", 0), std::string::npos)
        << "left behind: " << e.path();
  }
}

TEST(Safety, RefusesACopyOfAnotherModel) {
  const auto req = parseMigrateRequest(testing::readFile(caseDir() / "migrate_conf.json"), "conf");
  const auto other =
      testing::testdataDir() / "fate-migration" /
      "v18_dslv1_pearson_binning_selection_sbt_lr_3party" / "input" /
      "guest#9999#arbiter-10000#guest-9999#host-10000#model_2022061510241755474020.zip";
  testing::ScratchDir out;
  MigrateOptions o;
  o.outputDir = out.path();
  const auto outcome = migrate(req, other, o);
  ASSERT_EQ(outcome.parties.size(), 1u);
  EXPECT_EQ(outcome.parties[0].retcode, 100);
  EXPECT_NE(outcome.parties[0].retmsg.find("model_version"), std::string::npos)
      << outcome.parties[0].retmsg;
  EXPECT_TRUE(fs::is_empty(out.path()));
}

TEST(Safety, CorruptDefineMetaNamesTheFile) {
  testing::ScratchDir d;
  fs::copy(caseDir() / "input", d.path() / "input", fs::copy_options::recursive);
  for (const auto& e : fs::directory_iterator(d.path() / "input")) {
    if (e.path().extension() == ".zip") fs::remove(e.path());
  }
  const auto req = parseMigrateRequest(testing::readFile(caseDir() / "migrate_conf.json"), "conf");
  testing::writeFile(d.path() /
                         "input/host#10000#arbiter-10000#guest-9999#host-10000#model/"
                         "202311221053219843970/define/define_meta.yaml",
                     "model_proto: [unclosed");
  MigrateOptions o;
  o.outputDir = d.path();
  o.onlyRole = "host";
  o.onlyPartyId = 10000;
  const auto outcome = migrate(req, d.path() / "input", o);
  ASSERT_EQ(outcome.parties.size(), 1u);
  EXPECT_EQ(outcome.parties[0].retcode, 100);
  EXPECT_NE(outcome.parties[0].retmsg.find("define_meta.yaml"), std::string::npos);
}

}  // namespace
}  // namespace flop::model
