// FATE-Flow client auth on the FLCluster side: the Secret named by spec.fate.flow.authSecretRef
// read into credentials (or a problem naming Secret and key), and the signed version probe.
#include <gtest/gtest.h>

#include "../fate_auth_check.hpp"
#include "flop/flcluster/fate_auth_secret.hpp"
#include "flop/flcluster/fate_probe.hpp"
#include "flop/http/fake_transport.hpp"

namespace flop::flcluster {
namespace {

using http::FakeTransport;
using Json = nlohmann::json;

Json secretWith(const Json& data) { return {{"kind", "Secret"}, {"data", data}}; }

TEST(FateAuthSecret, NameOnlyWhenConfigured) {
  api::FLCluster cluster;
  EXPECT_FALSE(fateAuthSecretName(cluster));
  cluster.spec.fate.emplace().flow.authSecretRef = api::LocalObjectReference{"fate-auth"};
  EXPECT_EQ(fateAuthSecretName(cluster), "fate-auth");
}

TEST(FateAuthSecret, DecodesBothKeys) {
  // base64("operator-key"), base64("s3cret")
  auto auth = fateAuthCredentials(
      "fate-auth", secretWith({{"appKey", "b3BlcmF0b3Ita2V5"}, {"appSecret", "czNjcmV0"}}));
  ASSERT_TRUE(auth.credentials) << auth.problem;
  EXPECT_EQ(auth.credentials->app_key, "operator-key");
  EXPECT_EQ(auth.credentials->app_secret, "s3cret");
}

TEST(FateAuthSecret, ProblemsNameTheSecretAndKeyButNoValue) {
  EXPECT_EQ(fateAuthCredentials("fate-auth", std::nullopt).problem,
            "FATE-Flow auth Secret fate-auth not found");
  auto noSecret = fateAuthCredentials("fate-auth", secretWith({{"appKey", "b3BlcmF0b3Ita2V5"}}));
  EXPECT_FALSE(noSecret.credentials);
  EXPECT_EQ(noSecret.problem, "FATE-Flow auth Secret fate-auth has no usable key appSecret");
  auto empty =
      fateAuthCredentials("fate-auth", secretWith({{"appKey", ""}, {"appSecret", "eA=="}}));
  EXPECT_EQ(empty.problem, "FATE-Flow auth Secret fate-auth has no usable key appKey (empty)");
  auto garbled =
      fateAuthCredentials("fate-auth", secretWith({{"appKey", "b3Bl"}, {"appSecret", "!!"}}));
  EXPECT_EQ(garbled.problem,
            "FATE-Flow auth Secret fate-auth has no usable key appSecret (not base64)");
  EXPECT_FALSE(fateAuthCredentials("fate-auth", Json{{"kind", "Secret"}}).credentials);
}

TEST(FateProbeAuth, ProbeIsSignedWithTheCredentials) {
  FakeTransport fake;
  fake.always("POST", "/v1/version/get",
              FakeTransport::json(200, {{"retcode", 0}, {"data", {{"FATE", "1.11.1"}}}}));
  const api::FateAppCredentials credentials{"operator-key", "s3cret"};
  EXPECT_TRUE(probeFateFlow(fake, "http://flow:9380", credentials).reachable);
  EXPECT_TRUE(probeFateFlow(fake, "http://flow:9380").reachable);
  const auto sent = fake.requests("POST");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_TRUE(flop::testing::signedByFateAuth(sent[0], credentials, sent[0].body));
  EXPECT_EQ(sent[1].headers.count("signature"), 0u) << "no credentials, no signature";
}

TEST(FateProbeAuth, RejectedSignatureIsReportedWithFatesRetcode) {
  FakeTransport fake;
  fake.always("POST", "/v1/version/get",
              FakeTransport::json(200, {{"retcode", 109}, {"retmsg", "signature is invalid"}}));
  auto probe = probeFateFlow(fake, "http://flow:9380", api::FateAppCredentials{"k", "wrong"});
  EXPECT_FALSE(probe.reachable);
  EXPECT_NE(probe.message.find("retcode 109"), std::string::npos) << probe.message;
}

}  // namespace
}  // namespace flop::flcluster
