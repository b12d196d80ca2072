#pragma once
// For the controllers' FATE-Flow tests: checks that a request as sent carries FATE-Flow's four
// client-auth headers and that its SIGNATURE is the one FATE-Flow recomputes from them, the URL
// and the given signed content (the JSON body bytes, or the form fields of a multipart request).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "flop/api/fate_auth.hpp"
#include "flop/http/transport.hpp"

namespace flop::testing {

inline ::testing::AssertionResult signedByFateAuth(const http::Request& request,
                                                   const api::FateAppCredentials& credentials,
                                                   const std::string& jsonBody,
                                                   const api::FateFormFields& form = {}) {
  for (const char* name : {"timestamp", "nonce", "app_key", "signature"}) {
    if (!request.headers.count(name)) {
      return ::testing::AssertionFailure() << request.url << " has no header " << name;
    }
  }
  const auto& headers = request.headers;
  if (headers.at("app_key") != credentials.app_key) {
    return ::testing::AssertionFailure() << "APP_KEY is " << headers.at("app_key");
  }
  const auto sent =
      std::chrono::milliseconds(std::strtoll(headers.at("timestamp").c_str(), nullptr, 10));
  const auto skew = std::chrono::system_clock::now().time_since_epoch() - sent;
  if (skew > std::chrono::seconds(60) || skew < -std::chrono::seconds(60)) {
    return ::testing::AssertionFailure() << "TIMESTAMP " << headers.at("timestamp") << " is off";
  }
  const api::FateSignedParts parts{headers.at("timestamp"), headers.at("nonce"),
                                   api::fate_path_and_query(request.url), jsonBody, form};
  const auto expected = api::fate_signature(credentials.app_secret, credentials.app_key, parts);
  if (headers.at("signature") != expected) {
    return ::testing::AssertionFailure() << "SIGNATURE of " << request.url << " does not verify";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace flop::testing
