// FATE-Flow request signing. The expected signatures were computed with Python's hmac/base64/
// urllib exactly as FATE-Flow's client_authentication hook recomputes them:
//   b64encode(HMAC(secret, b'\n'.join([ts, nonce, key, full_path.rstrip('?'),
//             data if json else b'', urlencode(sorted(form.items()), quote_via=quote,
//             safe='-._~') if form else b'']), 'sha1').digest())
#include <gtest/gtest.h>

#include <regex>

#include "flop/api/fate_auth.hpp"

namespace {

using flop::api::FateSignedParts;

FateSignedParts parts(std::string path, std::string body, flop::api::FateFormFields form = {}) {
  return {"1634890066095", "782d733e-330f-11ec-8be9-a0369fa972af", std::move(path), std::move(body),
          std::move(form)};
}

TEST(FateAuth, SignsJsonRequestsLikeFateFlow) {
  EXPECT_EQ(
      flop::api::fate_signature("s3cret", "app", parts("/v1/job/submit", R"({"job_id": "x"})")),
      "Ak0wenRBnTMWMnofximcC2vWES4=");
}

TEST(FateAuth, AnEmptyJsonValueIsSignedAsNoBody) {
  const std::string none = "TuNHo6Xf8QXlODT7NxcsM6IEXzs=";
  EXPECT_EQ(flop::api::fate_signature("s3cret", "app", parts("/v1/job/submit", "")), none);
  EXPECT_EQ(flop::api::fate_signature("s3cret", "app", parts("/v1/job/submit", "{}")), none);
  EXPECT_EQ(flop::api::fate_signature("s3cret", "app", parts("/v1/job/submit", "[]")), none);
  EXPECT_NE(flop::api::fate_signature("s3cret", "app", parts("/v1/job/submit", "[1]")), none);
  EXPECT_NE(flop::api::fate_signature("other", "app", parts("/v1/job/submit", "")), none);
}

TEST(FateAuth, SignsFormFieldsSortedAndPercentEncoded) {
  // Field order must not matter; '#', ' ' and '/' are encoded, '~' is kept.
  const flop::api::FateFormFields form = {{"role", "guest"},
                                          {"party_id", "99"},
                                          {"model_id", "arbiter-100#guest-99#host-100#model"},
                                          {"note", "a b/c~"}};
  EXPECT_EQ(flop::api::fate_signature("s3cret", "app", parts("/v1/model/import", "", form)),
            "n+zZlmJ0VY9hhBCOHuIf8ydx7H4=");
}

TEST(FateAuth, PathAndQueryAsFlaskSeesThem) {
  EXPECT_EQ(flop::api::fate_path_and_query("http://10.0.0.1:9380/v1/job/submit"), "/v1/job/submit");
  EXPECT_EQ(flop::api::fate_path_and_query(
                "https://flow:9380/v1/data/upload?table_name=t&namespace=experiment"),
            "/v1/data/upload?table_name=t&namespace=experiment");
  EXPECT_EQ(flop::api::fate_path_and_query("http://flow:9380/v1/version/get?"), "/v1/version/get");
  EXPECT_EQ(flop::api::fate_path_and_query("http://flow:9380/a%20b#frag"), "/a b");
  EXPECT_EQ(flop::api::fate_path_and_query("http://flow:9380"), "/");
}

TEST(FateAuth, HeadersCarryMillisecondTimestampAndMatchingSignature) {
  const auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(1634890066095));
  const auto headers = flop::api::fate_auth_headers(
      {"app", "s3cret"}, "http://flow:9380/v1/job/submit", R"({"job_id": "x"})", {}, now,
      "782d733e-330f-11ec-8be9-a0369fa972af");
  EXPECT_EQ(headers.at("timestamp"), "1634890066095");
  EXPECT_EQ(headers.at("nonce"), "782d733e-330f-11ec-8be9-a0369fa972af");
  EXPECT_EQ(headers.at("app_key"), "app");
  EXPECT_EQ(headers.at("signature"), "Ak0wenRBnTMWMnofximcC2vWES4=");
}

TEST(FateAuth, NoncesAreFreshVersion4Uuids) {
  const std::regex uuid4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  const std::string a = flop::api::fate_auth_nonce();
  const std::string b = flop::api::fate_auth_nonce();
  EXPECT_TRUE(std::regex_match(a, uuid4)) << a;
  EXPECT_NE(a, b);
}

}  // namespace
