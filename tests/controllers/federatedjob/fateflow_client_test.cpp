// FateFlowClient against scripted FATE-Flow answers (shapes from fate-flow-api.md).
#include <gtest/gtest.h>

#include <memory>

#include "flop/fateflow/client.hpp"
#include "scripted_transport.hpp"

namespace flop::fateflow {
namespace {

using federatedjob::testing::jsonResponse;
using federatedjob::testing::ScriptedTransport;

struct Harness {
  explicit Harness(ScriptedTransport::Answer answer)
      : transport(std::make_shared<ScriptedTransport>(std::move(answer))),
        client(transport, "http://fateflow:9380/") {}
  Json lastBody() const { return Json::parse(transport->requests.back().body); }
  const http::Request& last() const { return transport->requests.back(); }

  std::shared_ptr<ScriptedTransport> transport;
  FateFlowClient client;
};

Harness answering(int status, Json body) {
  return Harness([status, body](const http::Request&) { return jsonResponse(status, body); });
}

TEST(FateFlowClient, VersionSendsTheModuleBodyThatFate15Requires) {
  auto h = answering(200, {{"retcode", 0}, {"retmsg", "success"}, {"data", {{"FATE", "1.5.1"}}}});
  FlowVersion version = h.client.version();
  EXPECT_EQ(h.last().url, "http://fateflow:9380/v1/version/get");
  EXPECT_EQ(h.last().method, "POST");
  EXPECT_EQ(h.lastBody(), (Json{{"module", "FATE"}}));
  EXPECT_EQ(version.fate, "1.5.1");
  EXPECT_TRUE(version.atLeast(1, 5, 1));
  EXPECT_FALSE(version.atLeast(1, 5, 2));
}

TEST(FateFlowClient, VersionFailureIsAProtocolError) {
  auto h = answering(200, {{"retcode", 100}, {"retmsg", "AttributeError"}});
  EXPECT_THROW(h.client.version(), ProtocolError);
}

TEST(FateFlowVersion, ParsesAndCompares) {
  EXPECT_TRUE(parseFlowVersion("1.11.1").atLeast(1, 9, 0));
  EXPECT_FALSE(parseFlowVersion("1.5.0").atLeast(1, 5, 1));
  EXPECT_TRUE(parseFlowVersion("2.0.0").atLeast(1, 5, 1));
  auto shortVersion = parseFlowVersion("1.6");
  EXPECT_EQ(shortVersion.minor, 6);
  EXPECT_EQ(shortVersion.patch, 0);
  EXPECT_THROW(parseFlowVersion(""), InvalidInput);
  EXPECT_THROW(parseFlowVersion("v1"), InvalidInput);
}

TEST(FateFlowClient, SubmitUsesCurrentOrLegacyKeysAndReadsModelInfo) {
  Json answer = {{"retcode", 0},
                 {"retmsg", "success"},
                 {"jobId", "202202210834589399880"},
                 {"data",
                  {{"job_id", "202202210834589399880"},
                   {"model_info",
                    {{"model_id", "arbiter-9999#guest-10000#host-9999#model"},
                     {"model_version", "202202210834589399880"}}}}}};
  auto h = answering(200, answer);
  Json dsl = {{"components", Json::object()}};
  Json conf = {{"role", {{"guest", {10000}}}}};
  SubmitResult result = h.client.submit(dsl, conf, SubmitKeys::Current);
  EXPECT_EQ(h.last().url, "http://fateflow:9380/v1/job/submit");
  EXPECT_EQ(h.lastBody(), (Json{{"dsl", dsl}, {"runtime_conf", conf}}));
  EXPECT_TRUE(result.envelope.ok());
  EXPECT_EQ(result.jobId, "202202210834589399880");
  ASSERT_TRUE(result.model);
  EXPECT_EQ(result.model->modelId, "arbiter-9999#guest-10000#host-9999#model");

  h.client.submit(dsl, conf, SubmitKeys::Legacy);
  EXPECT_EQ(h.lastBody(), (Json{{"job_dsl", dsl}, {"job_runtime_conf", conf}}));
}

TEST(FateFlowClient, FailedSubmissionStillCarriesTheJobId) {
  auto h = answering(200, {{"retcode", 103}, {"retmsg", "Traceback ..."}, {"jobId", "2022"}});
  SubmitResult result = h.client.submit({}, {}, SubmitKeys::Current);
  EXPECT_FALSE(result.envelope.ok());
  EXPECT_EQ(result.envelope.retcode, retcode::kOperatingError);
  EXPECT_EQ(result.jobId, "2022");
  EXPECT_FALSE(result.model);
}

TEST(FateFlowClient, QueryParsesRowsWithStringPartyIds) {
  Json rows = Json::array({{{"f_job_id", "j1"},
                            {"f_role", "guest"},
                            {"f_party_id", "9999"},
                            {"f_status", "running"},
                            {"f_progress", 40},
                            {"f_is_initiator", true},
                            {"f_description", "uid"},
                            {"f_start_time", 1700000000000},
                            {"f_end_time", nullptr}},
                           {{"f_job_id", "j1"},
                            {"f_role", "host"},
                            {"f_party_id", 10000},
                            {"f_status", "failed"},
                            {"f_is_initiator", false}}});
  auto h = answering(200, {{"retcode", 0}, {"retmsg", "success"}, {"data", rows}});
  QueryResult result = h.client.queryJob("j1");
  EXPECT_EQ(h.lastBody(), (Json{{"job_id", "j1"}}));
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0].partyId, 9999);
  EXPECT_TRUE(result.rows[0].isInitiator);
  EXPECT_EQ(result.rows[0].progress, 40);
  EXPECT_EQ(result.rows[0].description, "uid");
  EXPECT_EQ(result.rows[0].startTimeMs, 1700000000000);
  EXPECT_FALSE(result.rows[0].endTimeMs);
  EXPECT_EQ(result.rows[1].partyId, 10000);
  EXPECT_EQ(result.rows[1].status, "failed");
}

TEST(FateFlowClient, NoJobFoundIsAnEmptySuccessfulQuery) {
  auto h = answering(
      200, {{"retcode", 0}, {"retmsg", "no job could be found"}, {"data", Json::array()}});
  QueryResult result = h.client.query({{"description", "uid"}});
  EXPECT_TRUE(result.envelope.ok());
  EXPECT_TRUE(result.rows.empty());
}

TEST(FateFlowClient, ListByDescriptionReadsTheJobsPage) {
  Json data = {{"jobs", Json::array({{{"f_job_id", "j9"},
                                      {"f_role", "guest"},
                                      {"f_party_id", "9999"},
                                      {"f_status", "waiting"}}})},
               {"count", 1}};
  auto h = answering(200, {{"retcode", 0}, {"retmsg", "success"}, {"data", data}});
  QueryResult result = h.client.listByDescription("uid-1", 5);
  EXPECT_EQ(h.last().url, "http://fateflow:9380/v1/job/list/job");
  EXPECT_EQ(h.lastBody()["description"], "uid-1");
  EXPECT_EQ(h.lastBody()["limit"], 5);
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.rows[0].jobId, "j9");
}

TEST(FateFlowClient, UpdateNotesAndStopSendFateBodies) {
  auto h = answering(200, {{"retcode", 0}, {"retmsg", "success"}});
  h.client.updateNotes("j1", Party{"guest", 9999}, "uid-1");
  EXPECT_EQ(h.lastBody(),
            (Json{{"job_id", "j1"}, {"role", "guest"}, {"party_id", 9999}, {"notes", "uid-1"}}));
  EXPECT_TRUE(h.client.stop("j1").ok());
  EXPECT_EQ(h.lastBody(), (Json{{"job_id", "j1"}, {"stop_status", "canceled"}}));
}

TEST(FateFlowClient, DeployReturnsTheChildVersionAndPerPartyDetail) {
  Json data = {{"model_id", "m"},
               {"model_version", "child-1"},
               {"detail",
                {{"guest", {{"9999", {{"retcode", 0}, {"retmsg", "ok"}}}}},
                 {"arbiter", {{"10000", {{"retcode", 0}, {"retmsg", "ok"}}}}}}},
               {"guest", {{"9999", 0}}}};
  auto h = answering(200, {{"retcode", 0}, {"retmsg", "success"}, {"data", data}});
  FanOutResult result = h.client.deploy("m", "parent-1");
  EXPECT_EQ(h.lastBody(), (Json{{"model_id", "m"}, {"model_version", "parent-1"}}));
  EXPECT_EQ(result.modelVersion, "child-1");
  EXPECT_EQ(result.parties.size(), 2u);
}

TEST(FateFlowClient, PartialLoadKeepsEachPartysResult) {
  Json data = {
      {"detail",
       {{"guest", {{"9999", {{"retcode", 0}, {"retmsg", "success"}}}}},
        {"host", {{"10000", {{"retcode", 123}, {"retmsg", "model initialization error"}}}}}}},
      {"guest", {{"9999", 0}}},
      {"host", {{"10000", 123}}}};
  auto h = answering(200, {{"retcode", 101}, {"retmsg", "failed"}, {"data", data}});
  FanOutResult result =
      h.client.load(Party{"guest", 9999}, RoleMap{{"guest", {9999}}, {"host", {10000}}},
                    ModelInfo{"m", "child-1"});
  Json expected = {{"initiator", {{"role", "guest"}, {"party_id", 9999}}},
                   {"role", {{"guest", {9999}}, {"host", {10000}}}},
                   {"job_parameters", {{"model_id", "m"}, {"model_version", "child-1"}}}};
  EXPECT_EQ(h.lastBody(), expected);
  EXPECT_FALSE(result.envelope.ok());
  ASSERT_EQ(result.parties.size(), 2u);
  for (const auto& party : result.parties) {
    if (party.party.role == "host") {
      EXPECT_EQ(party.retcode, 123);
      EXPECT_EQ(party.retmsg, "model initialization error");
    } else {
      EXPECT_EQ(party.retcode, 0);
    }
  }
}

TEST(FateFlowClient, FanOutWithoutDetailFallsBackToRoleCodes) {
  auto parties = parseFanOut({{"guest", {{"9999", 0}}}, {"host", {{"10000", 100}}}});
  ASSERT_EQ(parties.size(), 2u);
  EXPECT_EQ(parties[1].party, (Party{"host", 10000}));
  EXPECT_EQ(parties[1].retcode, 100);
}

TEST(FateFlowClient, BindSendsServiceIdAndModel) {
  auto h = answering(200, {{"retcode", 0}, {"retmsg", "service id is svc"}});
  Envelope answer =
      h.client.bind("svc", Party{"guest", 9999}, RoleMap{{"guest", {9999}}}, ModelInfo{"m", "v"});
  EXPECT_TRUE(answer.ok());
  EXPECT_EQ(h.lastBody()["service_id"], "svc");
  EXPECT_EQ(h.lastBody()["job_parameters"]["model_version"], "v");
}

TEST(FateFlowClient, ImportIsMultipartWithTheArchiveAndErrorsAreValues) {
  auto h = answering(409, {{"retcode", 409}, {"retmsg", "exists"}});
  ImportRequest request;
  request.role = "guest";
  request.partyId = 99;
  request.modelId = "arbiter-100#guest-99#host-100#model";
  request.modelVersion = "20200901_0001";
  request.sha256 = "abc";
  request.fileName = "guest#99#model_v.zip";
  request.archive = std::string("PK\x03\x04\0binary", 12);
  Envelope answer = h.client.importModel(request);
  EXPECT_EQ(answer.httpStatus, 409);
  EXPECT_FALSE(answer.ok());
  const auto& sent = h.last();
  EXPECT_EQ(sent.url, "http://fateflow:9380/v1/model/import");
  const std::string& type = sent.headers.at("content-type");
  ASSERT_EQ(type.rfind("multipart/form-data; boundary=", 0), 0u);
  std::string boundary = type.substr(type.find('=') + 1);
  EXPECT_NE(sent.body.find("name=\"party_id\"\r\n\r\n99\r\n"), std::string::npos);
  EXPECT_NE(sent.body.find("name=\"force_update\"\r\n\r\n0\r\n"), std::string::npos);
  EXPECT_NE(sent.body.find("name=\"hash\"\r\n\r\nabc\r\n"), std::string::npos);
  EXPECT_NE(sent.body.find("name=\"file\"; filename=\"guest#99#model_v.zip\""), std::string::npos);
  EXPECT_NE(sent.body.find(request.archive), std::string::npos);
  EXPECT_EQ(sent.body.substr(sent.body.size() - boundary.size() - 6), "--" + boundary + "--\r\n");
}

TEST(FateFlowClient, NonFateAnswerIsAProtocolError) {
  Harness h([](const http::Request&) {
    return http::Response{502, {{"content-type", "text/html"}}, "<html>Bad Gateway</html>"};
  });
  try {
    h.client.queryJob("j");
    FAIL() << "expected ProtocolError";
  } catch (const ProtocolError& error) {
    EXPECT_EQ(error.httpStatus(), 502);
  }
}

TEST(FateFlowClient, NoAnswerPropagatesTheTransportError) {
  Harness h([](const http::Request&) -> http::Response {
    throw http::TransportError(http::TransportError::Kind::Connect, "connection refused");
  });
  EXPECT_THROW(h.client.stop("j"), http::TransportError);
}

TEST(FateFlowClient, UsesTheConfiguredTimeout) {
  auto transport = std::make_shared<ScriptedTransport>([](const http::Request&) {
    return jsonResponse(200, {{"retcode", 0}, {"retmsg", ""}});
  });
  ClientOptions options;
  options.timeout = std::chrono::milliseconds(1234);
  FateFlowClient client(transport, "http://f:9380", options);
  client.stop("j");
  EXPECT_EQ(transport->requests.back().timeout, std::chrono::milliseconds(1234));
  EXPECT_THROW(FateFlowClient(transport, ""), InvalidInput);
}

}  // namespace
}  // namespace flop::fateflow
