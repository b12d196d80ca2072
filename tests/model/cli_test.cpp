// The CLI contract: result JSON on stdout in FATE's shape, documented exit codes, and the
// round trip on the real FATE-Serving example model (migrate, verify, unpack, re-inspect).
#include <cstdio>

#include <gtest/gtest.h>

#include "flop/model/digest.hpp"
#include "flop/model/pyjson.hpp"
#include "test_support.hpp"

namespace flop::model {
namespace {

namespace fs = std::filesystem;

struct Run {
  int exitCode = -1;
  std::string out;
};

Run run(const std::string& args) {
  Run r;
  const std::string cmd = std::string(FL_MODEL_BINARY) + " " + args + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

fs::path serving() {
  return testing::testdataDir() / "fate-models" / "fate-serving-model-cache-example";
}

TEST(Cli, UsageAndInvalidInputExitCodes) {
  EXPECT_EQ(run("").exitCode, 2);
  EXPECT_EQ(run("frobnicate").exitCode, 2);
  EXPECT_EQ(run("migrate --model x").exitCode, 2);
  testing::ScratchDir d;
  testing::writeFile(d.path() / "conf.json", "{not json");
  const auto r = run("migrate -c " + q(d.path() / "conf.json") + " --model " + q(d.path()));
  EXPECT_EQ(r.exitCode, 3);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["retcode"], 100);
  EXPECT_NE(j["retmsg"].get<std::string>().find("conf.json"), std::string::npos);
  EXPECT_EQ(run("verify " + q(d.path() / "missing.zip")).exitCode, 1);
}

TEST(Cli, ServingExampleMigratesVerifiesAndRoundTrips) {
  const fs::path cache = serving() / "reconstructed_model_local_cache";
  ASSERT_TRUE(fs::exists(cache)) << cache;
  // Find the guest copy to learn model_id/version.
  fs::path guestDir;
  for (const auto& e : fs::directory_iterator(cache)) {
    if (e.path().filename().string().rfind("guest#", 0) == 0) guestDir = e.path();
  }
  ASSERT_FALSE(guestDir.empty());
  const std::string partyModelId = guestDir.filename().string();
  const std::string modelId = partyModelId.substr(partyModelId.find('#', 6) + 1);
  const std::string version = fs::directory_iterator(guestDir)->path().filename().string();

  testing::ScratchDir d;
  Json conf = parseJson(R"({"job_parameters": {"federated_mode": "SINGLE"},
    "migrate_initiator": {"role": "guest", "party_id": 99},
    "role": {"guest": [9999], "host": [10000], "arbiter": [10000]},
    "migrate_role": {"guest": [99], "host": [100], "arbiter": [100]},
    "execute_party": {"guest": [9999], "host": [10000]},
    "unify_model_version": "20200901_0001"})",
                        "t");
  conf["model_id"] = modelId;
  conf["model_version"] = version;
  testing::writeFile(d.path() / "migrate_model.json", pyDumps(conf));
  fs::create_directories(d.path() / "out");
  const auto r = run("migrate -c " + q(d.path() / "migrate_model.json") + " --model " + q(cache) +
                     " --output-dir " + q(d.path() / "out") + " --digest sha256");
  ASSERT_EQ(r.exitCode, 0) << r.out;
  const auto res = nlohmann::json::parse(r.out);
  EXPECT_EQ(res["retcode"], 0);
  EXPECT_EQ(res["data"]["guest"]["9999"], 0);
  const std::string zip = res["data"]["detail"]["guest"]["9999"]["path"];
  EXPECT_EQ(fs::path(zip).filename().string(),
            "guest#99#arbiter-100#guest-99#host-100#model_20200901_0001.zip");
  // Each party's artifact digest and size (the operator puts them into status).
  for (const auto& [role, id] : {std::pair{"guest", "9999"}, std::pair{"host", "10000"}}) {
    const auto& detail = res["data"]["detail"][role][id];
    const std::string path = detail["path"];
    EXPECT_EQ(detail["sha256"], sha256Hex(testing::readFile(path))) << role;
    EXPECT_EQ(detail["bytes"], fs::file_size(path)) << role;
  }
  // Without --digest the same migration reports no digest; its archive verifies.
  fs::create_directories(d.path() / "plain");
  const auto plain = run("migrate -c " + q(d.path() / "migrate_model.json") + " --model " +
                         q(cache) + " --output-dir " + q(d.path() / "plain"));
  ASSERT_EQ(plain.exitCode, 0) << plain.out;
  const auto plainDetail = nlohmann::json::parse(plain.out)["data"]["detail"]["guest"]["9999"];
  EXPECT_FALSE(plainDetail.contains("sha256")) << plain.out;
  EXPECT_EQ(plainDetail["bytes"], fs::file_size(plainDetail["path"].get<std::string>()));
  EXPECT_EQ(run("verify " + q(plainDetail["path"].get<std::string>())).exitCode, 0);
  EXPECT_NE(run("migrate -c " + q(d.path() / "migrate_model.json") + " --model " + q(cache) +
                " --output-dir " + q(d.path() / "plain") + " --digest md5")
                .exitCode,
            0);

  const auto v = run("verify " + q(zip));
  EXPECT_EQ(v.exitCode, 0) << v.out;
  const auto ins = nlohmann::json::parse(run("inspect " + q(zip)).out);
  EXPECT_EQ(ins["data"]["model_id"], "arbiter-100#guest-99#host-100#model");
  EXPECT_EQ(ins["data"]["model_version"], "20200901_0001");
  EXPECT_EQ(ins["data"]["roles"],
            nlohmann::json::parse(R"({"guest": [99], "host": [100], "arbiter": [100]})"));

  // Round trip: unpack and re-pack give the same entries; the re-packed zip verifies.
  const auto u = run("unpack " + q(zip) + " --out " + q(d.path() / "tree"));
  ASSERT_EQ(u.exitCode, 0) << u.out;
  EXPECT_EQ(nlohmann::json::parse(u.out)["data"]["bytes"], fs::file_size(zip));
  EXPECT_EQ(nlohmann::json::parse(u.out)["data"]["sha256"], sha256Hex(testing::readFile(zip)));
  const auto p = run("pack " + q(d.path() / "tree") + " --out " + q(d.path() / "again.zip"));
  ASSERT_EQ(p.exitCode, 0) << p.out;
  const auto packed = nlohmann::json::parse(p.out)["data"];
  EXPECT_EQ(packed["bytes"], fs::file_size(d.path() / "again.zip"));
  EXPECT_EQ(packed["sha256"], sha256Hex(testing::readFile(d.path() / "again.zip")));
  EXPECT_EQ(testing::readModel(zip).files, testing::readModel(d.path() / "again.zip").files);
  EXPECT_EQ(run("verify " + q(d.path() / "again.zip")).exitCode, 0);
  // Migrating the migrated model back again works too (Pearson-style re-parse of its own output).
  EXPECT_EQ(run("unpack " + q(zip) + " --out " + q(d.path() / "tree")).exitCode, 3);
}

}  // namespace
}  // namespace flop::model
