#pragma once
// FATE-Flow's client authentication (FATE-Flow 1.7+, enabled when its service_conf sets
// http_app_key/http_secret_key; an FLCluster's spec.fate.flow.authSecretRef holds the pair as
// `appKey`/`appSecret`). Every request then carries the headers TIMESTAMP (Unix ms), NONCE, APP_KEY
// and SIGNATURE, where SIGNATURE is base64(HMAC-SHA1(app secret, the six parts below joined by
// "\n")) and FATE-Flow rejects a TIMESTAMP more than 60 s off its clock.
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flop::api {

struct FateAppCredentials {
  std::string app_key;
  std::string app_secret;
};

// The form fields of a multipart or urlencoded request (files excluded), in any order.
using FateFormFields = std::vector<std::pair<std::string, std::string>>;

// What FATE-Flow signs, in order: TIMESTAMP, NONCE, APP_KEY, the decoded path with its query
// ("?" dropped when the query is empty), the raw JSON body when it parses to a non-empty value
// (Python truthiness), and the form fields sorted and percent-encoded (RFC 3986 unreserved kept).
struct FateSignedParts {
  std::string timestamp;
  std::string nonce;
  std::string path_and_query;
  std::string json_body;
  FateFormFields form;
};

std::string fate_signature(std::string_view app_secret, std::string_view app_key,
                           const FateSignedParts& parts);

// "/v1/job/submit" from "http://host:9380/v1/job/submit", percent-decoded as the server sees it.
std::string fate_path_and_query(std::string_view url);

// The four headers for one request to `url` with the given JSON body (empty when none) or form
// fields, signed at `now` with `nonce` (see fate_auth_nonce).
std::map<std::string, std::string> fate_auth_headers(const FateAppCredentials& credentials,
                                                     std::string_view url,
                                                     std::string_view json_body,
                                                     const FateFormFields& form,
                                                     std::chrono::system_clock::time_point now,
                                                     const std::string& nonce);

// A random RFC 4122 version-4 UUID in text form.
std::string fate_auth_nonce();

}  // namespace flop::api
