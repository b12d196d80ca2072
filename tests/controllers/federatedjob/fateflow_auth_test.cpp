// FateFlowClient with FATE-Flow client credentials: every request carries the four auth headers,
// signed over the exact JSON bytes sent or over a multipart request's form fields.
#include <gtest/gtest.h>

#include <memory>

#include "../fate_auth_check.hpp"
#include "flop/fateflow/client.hpp"
#include "flop/http/fake_transport.hpp"

namespace flop::fateflow {
namespace {

using flop::testing::signedByFateAuth;
using http::FakeTransport;

const api::FateAppCredentials kCredentials{"operator-key", "s3cret"};

FateFlowClient signingClient(const std::shared_ptr<FakeTransport>& fake) {
  ClientOptions options;
  options.credentials = kCredentials;
  return FateFlowClient(fake, "http://fate:9380", options);
}

TEST(FateFlowClientAuth, JsonRequestsAreSignedOverTheBodySent) {
  auto fake = std::make_shared<FakeTransport>();
  fake->always("POST", "/v1/version/get",
               FakeTransport::json(200, {{"retcode", 0}, {"data", {{"FATE", "1.11.1"}}}}));
  fake->always("POST", "/v1/job/submit",
               FakeTransport::json(200, {{"retcode", 0}, {"jobId", "j1"}}));
  auto client = signingClient(fake);
  EXPECT_EQ(client.version().minor, 11);
  client.submit(Json{{"components", Json::object()}}, Json{{"role", {{"guest", {9999}}}}},
                SubmitKeys::Current);
  const auto sent = fake->requests("POST");
  ASSERT_EQ(sent.size(), 2u);
  for (const auto& request : sent) {
    EXPECT_TRUE(signedByFateAuth(request, kCredentials, request.body));
    EXPECT_FALSE(signedByFateAuth(request, {"operator-key", "other"}, request.body))
        << "a different secret must not verify";
  }
  EXPECT_NE(sent[0].headers.at("nonce"), sent[1].headers.at("nonce")) << "a nonce per request";
}

TEST(FateFlowClientAuth, MultipartImportIsSignedOverItsFormFields) {
  auto fake = std::make_shared<FakeTransport>();
  fake->always("POST", "/v1/model/import", FakeTransport::json(200, {{"retcode", 0}}));
  ImportRequest import{"guest", 9999, "m", "v1", true, "abc", "m.zip", "PK-zip-bytes"};
  EXPECT_TRUE(signingClient(fake).importModel(import).ok());
  const auto sent = fake->requests("POST");
  ASSERT_EQ(sent.size(), 1u);
  const api::FateFormFields form = {{"role", "guest"},     {"party_id", "9999"},
                                    {"model_id", "m"},     {"model_version", "v1"},
                                    {"force_update", "1"}, {"hash", "abc"}};
  EXPECT_TRUE(signedByFateAuth(sent[0], kCredentials, "", form));
}

TEST(FateFlowClientAuth, WithoutCredentialsNoAuthHeaders) {
  auto fake = std::make_shared<FakeTransport>();
  fake->always("POST", "/v1/job/stop", FakeTransport::json(200, {{"retcode", 0}}));
  FateFlowClient(fake, "http://fate:9380").stop("j1");
  const auto sent = fake->requests("POST");
  ASSERT_EQ(sent.size(), 1u);
  for (const char* name : {"timestamp", "nonce", "app_key", "signature"}) {
    EXPECT_EQ(sent[0].headers.count(name), 0u) << name;
  }
}

}  // namespace
}  // namespace flop::fateflow
