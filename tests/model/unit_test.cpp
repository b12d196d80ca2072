// Unit tests of the engine's building blocks: Python-compatible JSON, model id rule, migrate
// conf validation, party-name rewrites, Pipeline rewrite, import multipart request.
#include <gtest/gtest.h>

#include "flop/error.hpp"
#include "flop/http/transport.hpp"
#include "flop/model/digest.hpp"
#include "flop/model/import_client.hpp"
#include "flop/model/migrate_conf.hpp"
#include "flop/model/party_rename.hpp"
#include "flop/model/pipeline_rewrite.hpp"
#include "flop/model/pyjson.hpp"
#include "pipeline.pb.h"
#include "test_support.hpp"

namespace flop::model {
namespace {

TEST(PyJson, FloatReprMatchesPython) {
  EXPECT_EQ(pyFloatRepr(1.0), "1.0");
  EXPECT_EQ(pyFloatRepr(0.1), "0.1");
  EXPECT_EQ(pyFloatRepr(1e-05), "1e-05");
  EXPECT_EQ(pyFloatRepr(0.0001), "0.0001");
  EXPECT_EQ(pyFloatRepr(1e16), "1e+16");
  EXPECT_EQ(pyFloatRepr(1e15), "1000000000000000.0");
  EXPECT_EQ(pyFloatRepr(-2.5e-07), "-2.5e-07");
  EXPECT_EQ(pyFloatRepr(123456.789), "123456.789");
  EXPECT_EQ(pyFloatRepr(0.30000000000000004), "0.30000000000000004");
  EXPECT_EQ(pyFloatRepr(-0.0), "-0.0");
  EXPECT_EQ(pyFloatRepr(1e22), "1e+22");
  EXPECT_EQ(pyFloatRepr(5e-324), "5e-324");
  EXPECT_EQ(pyFloatRepr(123.0), "123.0");
  EXPECT_EQ(pyFloatRepr(-1.5e-300), "-1.5e-300");
}

TEST(PyJson, DumpsLikePython) {
  const auto j =
      parseJson(R"({"b": [1, 2.0, "\u00e9\ud83d\ude00"], "a": {"x": null, "y": true}})", "t");
  EXPECT_EQ(pyDumps(j), R"({"b": [1, 2.0, "\u00e9\ud83d\ude00"], "a": {"x": null, "y": true}})");
  EXPECT_EQ(pyDumpsIndented(parseJson(R"({"role": "guest", "party_id": 9})", "t"), 4),
            "{\n    \"role\": \"guest\",\n    \"party_id\": 9\n}");
  EXPECT_EQ(pyDumps(parseJson(R"({"a": {}, "b": []})", "t")), R"({"a": {}, "b": []})");
}

TEST(PyJson, BadJsonNamesWhere) {
  try {
    parseJson("{nope", "conf.json");
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.where(), "conf.json");
  }
}

TEST(PyJson, NumberOverflowIsInvalidInputNotACrash) {
  // Found by the migrate-conf fuzzer: nlohmann throws out_of_range, not parse_error, here.
  try {
    parseJson(R"({"party_id": 9E999})", "migrate_model.json");
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.where(), "migrate_model.json");
    EXPECT_NE(std::string(e.what()).find("9E999"), std::string::npos) << e.what();
  }
}

TEST(ModelId, FateRule) {
  EXPECT_EQ(genModelId(parseJson(R"({"guest":[99],"host":[100],"arbiter":[100]})", "t")),
            "arbiter-100#guest-99#host-100#model");
  EXPECT_EQ(genModelId(parseJson(R"({"host":[1000, 999, 1000],"guest":[1]})", "t")),
            "guest-1#host-999_1000#model");
  EXPECT_EQ(genModelId(parseJson("{}", "t")), "all#model");
}

const char* kConf = R"({"job_parameters": {"federated_mode": "SINGLE"},
  "migrate_initiator": {"role": "guest", "party_id": 99},
  "role": {"guest": [9999], "host": [10000, 10001], "arbiter": [10000]},
  "migrate_role": {"guest": [99], "host": [200, 201], "arbiter": [200]},
  "execute_party": {"guest": [9999], "host": [10001]},
  "model_id": "m", "model_version": "v", "unify_model_version": "u"})";

TEST(MigrateConf, ParsesAndPairsPositionally) {
  const auto r = parseMigrateRequest(kConf, "c");
  EXPECT_EQ(r.newPartyId("host", 10001), 201);
  EXPECT_EQ(r.newModelId(), "arbiter-200#guest-99#host-200_201#model");
  EXPECT_EQ(*r.unifyModelVersion, "u");
}

TEST(MigrateConf, RejectsWhatFateRejects) {
  auto conf = parseJson(kConf, "t");
  auto bad = [&](Json c, const std::string& needle) {
    try {
      parseMigrateRequest(pyDumps(c), "migrate_conf.json");
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const InvalidInput& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  auto c = conf;
  c.erase("job_parameters");
  bad(c, "job_parameters");
  c = conf;
  c["migrate_role"] = c["role"];
  bad(c, "no need to migrate");
  c = conf;
  c["migrate_role"]["host"] = Json::array({200});
  bad(c, "as many parties");
  c = conf;
  c["role"].erase("guest");
  c["migrate_role"].erase("guest");
  bad(c, "role.guest");
  c = conf;
  c["execute_party"]["host"] = Json::array({5});
  bad(c, "execute_party.host");
  c = conf;
  c["role"]["host"] = Json::array({"10000", "10001"});
  bad(c, "integers");
}

TEST(PartyRename, FateStringRules) {
  IdMapping m;
  m.add("guest", 9999, 99);
  m.add("host", 10000, 100);
  const PartyRenamer v19(m, ConverterGeneration::Fate19Plus);
  const PartyRenamer v15(m, ConverterGeneration::Fate15to18);
  EXPECT_EQ(v19.colonFormat("host:10000"), "host:100");
  EXPECT_EQ(v19.replace("hostLocal"), "hostLocal");
  EXPECT_EQ(v15.replace("host_10000_3"), "host_100_3");
  EXPECT_EQ(v19.migrateAnonymousHeader("host_10000_x3_exp_1"), "host_100_x3_exp_1");
  EXPECT_EQ(v19.migrateAnonymousHeader("host_abc_x3"), "host_abc_x3");
  EXPECT_THROW(v19.migrateAnonymousHeader("x3"), InvalidInput);
  EXPECT_THROW(v19.migrateAnonymousHeader("host_1_x3"), InvalidInput);
  EXPECT_EQ(v19.partyTuple("(guest,9999)"), "(guest, 99)");
  EXPECT_EQ(v19.partyTuple("(guest, 9999)"), "(guest, 99)");
  EXPECT_EQ(v19.treePlanEntry("1_10000"), "1_100");
  EXPECT_EQ(v19.treePlanEntry("0_-1"), "0_-1");
  EXPECT_EQ(v19.maybeAnonymous("x0"), "x0");
  EXPECT_EQ(v19.maybeAnonymous("guest_9999_0"), "guest_99_0");
}

TEST(Pipeline, Dslv1GetsCommonFrom17AndRolesIn19) {
  const auto req = parseMigrateRequest(kConf, "c");
  com::webank::ai::fate::core::mlmodel::buffer::Pipeline base;
  base.set_train_runtime_conf(
      R"({"initiator": {"role": "guest", "party_id": 9999}, "job_parameters": {"work_mode": 1}, "role": {"guest": [9999]}})");
  base.set_fate_version("1.4.2");
  base.set_runtime_conf_on_party("{}");
  auto p = base;
  rewritePipeline(p, {&req, "new", "ver", FlowGeneration::Copy15to16}, "t");
  EXPECT_EQ(
      p.train_runtime_conf(),
      R"({"initiator": {"role": "guest", "party_id": 99}, "job_parameters": {"work_mode": 1, "model_id": "new", "model_version": "ver"}, "role": {"guest": [99], "host": [200, 201], "arbiter": [200]}})");
  EXPECT_TRUE(p.roles().empty());
  EXPECT_EQ(p.initiator_party_id(), 0);  // 1.4.2 is not > 1.5.0
  p = base;
  rewritePipeline(p, {&req, "new", "ver", FlowGeneration::Db19Plus}, "t");
  EXPECT_NE(p.train_runtime_conf().find(R"("model_version": "ver", "common": {}})"),
            std::string::npos);
  EXPECT_EQ(p.roles(), R"({"guest": [99], "host": [200, 201], "arbiter": [200]})");
  EXPECT_TRUE(versionGreater("1.6.1", "1.5.0"));
  EXPECT_FALSE(versionGreater("2.0.0", "1.5.0"));  // FATE's quirk
  EXPECT_THROW(versionGreater("1.9.0-preview", "1.5.0"), InvalidInput);
}

// Records the request instead of sending it.
class RecordingTransport : public http::Transport {
 public:
  http::Request last;
  http::Response reply{200, {}, R"({"retcode": 0, "retmsg": "success"})"};
  http::Response send(const http::Request& r) override {
    last = r;
    return reply;
  }
  http::Response stream(const http::Request& r, const http::ChunkSink&) override { return send(r); }
};

TEST(Import, PostsMultipartWithConfFieldsAndFile) {
  testing::ScratchDir dir;
  testing::writeFile(dir.path() / "m.zip", "ZIPBYTES");
  testing::writeFile(
      dir.path() / "import_model.json",
      R"({"role": "guest", "party_id": 99, "model_id": "a#model", "model_version": "v1", "file": "m.zip", "force_update": true})");
  const auto conf = parseImportConf(testing::readFile(dir.path() / "import_model.json"),
                                    dir.path() / "import_model.json");
  RecordingTransport t;
  const auto r = importModel(t, "http://flow:9380/", conf, api::FateAppCredentials{"app", "s3"});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(t.last.method, "POST");
  EXPECT_EQ(t.last.url, "http://flow:9380/v1/model/import");
  // Signed as FATE-Flow recomputes it: the form fields (not the file) are part of the signature.
  const api::FateSignedParts signedParts{t.last.headers["timestamp"],
                                         t.last.headers["nonce"],
                                         "/v1/model/import",
                                         "",
                                         {{"role", "guest"},
                                          {"party_id", "99"},
                                          {"model_id", "a#model"},
                                          {"model_version", "v1"},
                                          {"force_update", "1"},
                                          {"hash", sha256Hex("ZIPBYTES")}}};
  EXPECT_EQ(t.last.headers["app_key"], "app");
  EXPECT_EQ(t.last.headers["signature"], api::fate_signature("s3", "app", signedParts));
  EXPECT_EQ(t.last.headers.count("authorization"), 0u);
  EXPECT_NE(t.last.headers["content-type"].find("multipart/form-data; boundary="),
            std::string::npos);
  for (const char* part :
       {"name=\"role\"\r\n\r\nguest\r\n", "name=\"party_id\"\r\n\r\n99\r\n",
        "name=\"model_id\"\r\n\r\na#model\r\n", "name=\"force_update\"\r\n\r\n1\r\n",
        "filename=\"m.zip\"", "ZIPBYTES"}) {
    EXPECT_NE(t.last.body.find(part), std::string::npos) << part;
  }
  t.reply = {409, {}, R"({"retcode": 409, "retmsg": "exists"})"};
  EXPECT_FALSE(importModel(t, "http://flow:9380", conf, std::nullopt).ok());
  EXPECT_EQ(t.last.headers.count("signature"), 0u);  // no credentials, no FATE auth headers
}

}  // namespace
}  // namespace flop::model
