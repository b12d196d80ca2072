// Acceptance bar of issue 9: every case in shared/testdata/fate-migration is migrated by the
// engine and compared with FATE's own output (fate-migration/README.md "How to compare"):
// same files; JSON and YAML compared as parsed values; import_model.json `file` by basename;
// buffers with a schema compared as parsed messages (maps unordered); everything else byte for
// byte; new model_id and model_version as FATE produced them.
#include <google/protobuf/util/message_differencer.h>
#include <yaml-cpp/yaml.h>

#include <gtest/gtest-spi.h>

#include <fstream>
#include <optional>

#include "boosting_tree.pb.h"
#include "feature_binning.pb.h"
#include "flop/model/converters.hpp"
#include "flop/model/define_meta.hpp"
#include "flop/model/inspect.hpp"
#include "flop/model/migrate.hpp"
#include "test_support.hpp"

namespace flop::model {
namespace {

namespace fs = std::filesystem;
namespace buf = com::webank::ai::fate::core::mlmodel::buffer;
using testing::readModel;
using testing::ScratchDir;

fs::path caseDir(const std::string& name) {
  return testing::testdataDir() / "fate-migration" / name;
}

nlohmann::json yamlToJson(const YAML::Node& n) {
  if (n.IsMap()) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& kv : n) j[kv.first.as<std::string>()] = yamlToJson(kv.second);
    return j;
  }
  if (n.IsSequence()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& v : n) j.push_back(yamlToJson(v));
    return j;
  }
  if (n.IsNull()) return nullptr;
  return n.as<std::string>();
}

bool endsWith(const std::string& s, const std::string& x) {
  return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
}

// Clears the host binning maps FATE 1.9-1.11 wrongly empties (bug 1), returning them.
std::vector<std::string> takeHostBinningMaps(buf::FeatureBinningParam& p) {
  std::vector<std::string> maps;
  auto take = [&](buf::FeatureBinningResult& r) {
    std::map<std::string, std::string> sorted;
    for (const auto& [k, v] : r.binning_result()) sorted[k] = v.SerializeAsString();
    std::string flat;
    for (const auto& [k, v] : sorted) flat += k + "=" + v + ";";
    maps.push_back(flat);
    r.clear_binning_result();
  };
  for (auto& h : *p.mutable_host_results()) take(h);
  if (p.has_multi_class_result()) {
    for (auto& h : *p.mutable_multi_class_result()->mutable_host_results()) take(h);
  }
  return maps;
}

struct CompareOptions {
  bool fateBug1HostMapsExpected = false;          // expected output has emptied host maps
  const testing::ModelContents* input = nullptr;  // for bug 1: maps must equal the input's
};

void compareModels(const testing::ModelContents& mine, const testing::ModelContents& fate,
                   const std::string& label, const CompareOptions& opt = {}) {
  std::set<std::string> mineFiles, fateFiles;
  for (const auto& [p, b] : mine.files) mineFiles.insert(p);
  for (const auto& [p, b] : fate.files) fateFiles.insert(p);
  EXPECT_EQ(mineFiles, fateFiles) << label << ": file sets differ";
  EXPECT_EQ(mine.directories.count("variables/index/"), fate.directories.count("variables/index/"))
      << label << ": variables/index/ presence differs";

  const auto meta = parseDefineMeta(fate.files.at("define/define_meta.yaml"), label);
  std::map<std::string, std::string> messageOf;  // path -> message class
  for (const auto& c : meta.components) {
    for (const auto& a : c.aliases) {
      for (const auto& b : a.buffers) {
        messageOf["variables/data/" + c.name + "/" + a.alias + "/" + b.modelName] = b.messageName;
      }
    }
  }

  for (const auto& [path, fateBytes] : fate.files) {
    if (!mine.files.count(path)) continue;
    const std::string& myBytes = mine.files.at(path);
    const std::string where = label + ": " + path;
    if (path == "import_model.json") {
      auto a = nlohmann::json::parse(myBytes);
      auto b = nlohmann::json::parse(fateBytes);
      EXPECT_EQ(fs::path(a["file"].get<std::string>()).filename(),
                fs::path(b["file"].get<std::string>()).filename())
          << where;
      a.erase("file");
      b.erase("file");
      EXPECT_EQ(a, b) << where;
    } else if (endsWith(path, ".json")) {
      auto a = nlohmann::json::parse(myBytes);
      auto b = nlohmann::json::parse(fateBytes);
      if (opt.fateBug1HostMapsExpected && endsWith(path, "/FeatureBinningParam.json")) {
        // FATE bug 1: its host maps are empty, ours keep the entries (checked on the buffer).
        auto blank = [](nlohmann::json& j) {
          for (auto& h : j["hostResults"]) h["binningResult"] = nlohmann::json::object();
          if (j.contains("multiClassResult")) {
            for (auto& h : j["multiClassResult"]["hostResults"]) {
              h["binningResult"] = nlohmann::json::object();
            }
          }
        };
        blank(a);
        blank(b);
      }
      EXPECT_EQ(a, b) << where;
    } else if (endsWith(path, ".yaml")) {
      EXPECT_EQ(yamlToJson(YAML::Load(myBytes)), yamlToJson(YAML::Load(fateBytes))) << where;
    } else if (messageOf.count(path) && newMessage(messageOf[path]) && !fateBytes.empty() &&
               fateBytes != kEmptyFill) {
      auto a = parseBuffer(messageOf[path], myBytes, "mine " + where);
      auto b = parseBuffer(messageOf[path], fateBytes, "fate " + where);
      if (opt.fateBug1HostMapsExpected && messageOf[path] == "FeatureBinningParam") {
        auto& mineParam = dynamic_cast<buf::FeatureBinningParam&>(*a);
        auto& fateParam = dynamic_cast<buf::FeatureBinningParam&>(*b);
        const auto kept = takeHostBinningMaps(mineParam);
        const auto fateMaps = takeHostBinningMaps(fateParam);
        for (const auto& m : fateMaps) EXPECT_EQ(m, "") << where << ": FATE bug 1 expected";
        auto in = parseBuffer(messageOf[path], opt.input->files.at(path), "input " + where);
        const auto inputMaps = takeHostBinningMaps(dynamic_cast<buf::FeatureBinningParam&>(*in));
        EXPECT_EQ(kept, inputMaps) << where << ": host maps must be kept as in the input";
      }
      std::string diff;
      google::protobuf::util::MessageDifferencer d;
      d.ReportDifferencesToString(&diff);
      EXPECT_TRUE(d.Compare(*b, *a)) << where << ":\n" << diff.substr(0, 2000);
    } else {
      EXPECT_TRUE(myBytes == fateBytes)
          << where << ": bytes differ (" << myBytes.size() << " vs " << fateBytes.size() << ")";
    }
  }
}

struct CaseFacts {
  nlohmann::json json;
  std::string compat;
  MigrateRequest request;
};

CaseFacts loadCase(const std::string& name) {
  CaseFacts f;
  f.json = nlohmann::json::parse(testing::readFile(caseDir(name) / "case.json"));
  const auto by = f.json["migrated_by"].get<std::string>();
  f.compat = by.find("FATE-Flow 1.11") != std::string::npos ? "1.9" : "1.5";
  f.request = parseMigrateRequest(testing::readFile(caseDir(name) / "migrate_conf.json"),
                                  "migrate_conf.json");
  return f;
}

// Migrates the case's input (trees, then each export zip) and compares with FATE's zips.
void runCase(const std::string& name, const CompareOptions& baseOpt = {},
             std::optional<std::string> compat = std::nullopt) {
  auto facts = loadCase(name);
  if (compat) facts.compat = *compat;
  const fs::path input = caseDir(name) / "input";
  for (const bool fromZips : {false, true}) {
    ScratchDir out;
    MigrateOptions options;
    options.outputDir = out.path();
    options.compat = facts.compat;
    MigrateOutcome outcome;
    if (!fromZips) {
      outcome = migrate(facts.request, input, options);
    } else {
      outcome.newModelId = facts.request.newModelId();
      outcome.newModelVersion = *facts.request.unifyModelVersion;
      for (const auto& e : fs::directory_iterator(input)) {
        if (e.path().extension() != ".zip") continue;
        const auto copies = findPartyCopies(facts.request, e.path(), options);
        for (const auto& c : copies) {
          outcome.parties.push_back(
              migrateCopy(facts.request, c, options, outcome.newModelVersion));
        }
      }
    }
    const std::string label = name + (fromZips ? " (from zips)" : " (from trees)");
    ASSERT_TRUE(outcome.ok()) << label << ": " << outcome.resultJson();
    EXPECT_EQ(outcome.newModelId, facts.json["expected_new_model_id"]);
    EXPECT_EQ(outcome.newModelVersion, facts.json["expected_model_version"]);
    ASSERT_EQ(outcome.parties.size(), facts.json["outputs"].size()) << label;
    for (const auto& expected : facts.json["outputs"]) {
      const std::string zipName = expected["party_model_id"].get<std::string>() + "_" +
                                  expected["model_version"].get<std::string>() + ".zip";
      const fs::path fateZip = caseDir(name) / "expected" / zipName;
      const fs::path myZip = out.path() / zipName;
      ASSERT_TRUE(fs::exists(myZip)) << label << ": missing " << zipName;
      EXPECT_EQ(fs::exists(fs::path(fateZip.string() + ".sha1")),
                fs::exists(fs::path(myZip.string() + ".sha1")))
          << label << ": .sha1 sidecar presence differs for " << zipName;
      const auto inputName = expected["role"].get<std::string>() + "#" +
                             std::to_string(expected["old_party_id"].get<int64_t>()) + "#" +
                             facts.request.modelId + "_" + facts.request.modelVersion + ".zip";
      const auto inputModel = readModel(input / inputName);
      CompareOptions opt = baseOpt;
      opt.input = &inputModel;
      compareModels(readModel(myZip), readModel(fateZip), label + " " + zipName, opt);
      const auto problems = verifyModel(myZip, ArchiveLimits{});
      EXPECT_TRUE(problems.empty())
          << label << " " << zipName << ": " << problems.size()
          << " verify problem(s), first: " << (problems.empty() ? "" : problems[0]);
      EXPECT_TRUE(fs::exists(out.path() / (expected["party_model_id"].get<std::string>() + "_" +
                                           expected["model_version"].get<std::string>() +
                                           ".import_model.json")));
    }
  }
}

TEST(Faithfulness, V111SecureBoostBinningSelectionLr3Party) {
  runCase("v111_sbt_binning_selection_lr_3party");
}

TEST(Faithfulness, V111PearsonBinningTransformGuestOnlyKeepsHostMaps) {
  CompareOptions opt;
  opt.fateBug1HostMapsExpected = true;
  runCase("v111_pearson_binning_transform_lr_guest_only", opt);
}

// The comparison is sharp: migrating a 1.9+ case with the 1.5-1.8 algorithm must be caught.
TEST(Faithfulness, ComparisonDetectsTheWrongGeneration) {
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    runCase("v111_sbt_binning_selection_lr_3party", {}, "1.5");
  }
  EXPECT_GT(failures.size(), 10) << "a wrong-generation migration passed the comparison";
}

// --format dir writes the same content as the zip.
TEST(Faithfulness, DirectoryOutputMatchesFate) {
  const std::string name = "v111_sbt_binning_selection_lr_3party";
  const auto facts = loadCase(name);
  ScratchDir out;
  MigrateOptions options;
  options.outputDir = out.path();
  options.format = OutputFormat::Dir;
  const auto outcome = migrate(facts.request, caseDir(name) / "input", options);
  ASSERT_TRUE(outcome.ok()) << outcome.resultJson();
  for (const auto& expected : facts.json["outputs"]) {
    const std::string pmid = expected["party_model_id"];
    const std::string version = expected["model_version"];
    const fs::path tree = out.path() / pmid / version;
    ASSERT_TRUE(fs::is_directory(tree)) << tree;
    auto mine = readModel(tree);
    auto fate = readModel(caseDir(name) / "expected" / (pmid + "_" + version + ".zip"));
    mine.directories.clear();
    fate.directories.clear();
    compareModels(mine, fate, name + " dir " + pmid);
  }
}

TEST(Faithfulness, V18DslV1CopyDesign) {
  runCase("v18_dslv1_pearson_binning_selection_sbt_lr_3party");
}

TEST(Faithfulness, V18ImportedIntoV111ThenMigrated) {
  runCase("v18_model_imported_into_v111_then_migrated");
}

TEST(Faithfulness, V16DslV1CopyDesign) {
  runCase("v16_dslv1_pearson_binning_selection_sbt_lr_3party");
}

// FATE 1.11 fails on this 1.6 cluster model (bug 2); fl-model migrates it, the result verifies,
// and only what FATE 1.11 changes is changed.
TEST(Faithfulness, V16ClusterModelMigratesDespiteFateBug2) {
  const std::string name = "v16_cluster_model_import_into_v111_fails";
  const auto facts = loadCase(name);
  ScratchDir out;
  MigrateOptions options;
  options.outputDir = out.path();
  options.compat = "1.9";
  const auto outcome = migrate(facts.request, caseDir(name) / "input", options);
  ASSERT_TRUE(outcome.ok()) << outcome.resultJson();
  EXPECT_EQ(outcome.newModelId, facts.json["expected_new_model_id"]);
  ASSERT_EQ(outcome.parties.size(), 4u);
  for (const auto& party : outcome.parties) {
    const auto mine = readModel(party.output);
    const auto source =
        readModel(caseDir(name) / "input" /
                  (party.role + "#" + std::to_string(party.oldPartyId) + "#" +
                   facts.request.modelId + "_" + facts.request.modelVersion + ".zip"));
    const auto meta = parseDefineMeta(source.files.at("define/define_meta.yaml"), name);
    for (const auto& c : meta.components) {
      for (const auto& a : c.aliases) {
        for (const auto& b : a.buffers) {
          const auto path = "variables/data/" + c.name + "/" + a.alias + "/" + b.modelName;
          ASSERT_TRUE(mine.files.count(path)) << path;
          const bool converted = c.name != "pipeline" &&
                                 hasConverter(c.module, ConverterGeneration::Fate19Plus) &&
                                 b.modelName.find("Param") != std::string::npos;
          const auto& before = source.files.at(path);
          if (!converted && c.name != "pipeline" && before != kEmptyFill) {
            EXPECT_EQ(mine.files.at(path), before) << path << " must be byte-identical";
          }
        }
      }
    }
    EXPECT_FALSE(mine.files.count("pipeline.pb"));
    EXPECT_TRUE(mine.files.count("import_model.json"));
    const auto problems = verifyModel(party.output, ArchiveLimits{});
    EXPECT_TRUE(problems.empty()) << party.output << ": " << (problems.empty() ? "" : problems[0]);
  }
}

}  // namespace
}  // namespace flop::model
