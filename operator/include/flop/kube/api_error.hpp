#pragma once
// Typed errors from the API server. The server answers failures with a Status object; its
// `reason` (and for 422 the field causes) becomes an ApiError the caller can branch on.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include "flop/error.hpp"

#include "flop/http/transport.hpp"

namespace flop::kube {

enum class Reason {
  Unknown,
  BadRequest,
  Unauthorized,
  Forbidden,
  NotFound,
  AlreadyExists,
  Conflict,
  Gone,  // 410: resourceVersion too old / continue token expired
  Invalid,
  Timeout,
  TooManyRequests,
  MethodNotAllowed,
  UnsupportedMediaType,
  InternalError,
  ServiceUnavailable,
};

const char* toString(Reason reason);

struct Cause {
  std::string field;    // e.g. "spec.replicas"
  std::string reason;   // e.g. "FieldValueInvalid"
  std::string message;  // e.g. "Invalid value: -1: must be greater than or equal to 0"
};

class ApiError : public Error {
 public:
  // `context` (e.g. "GET /api/v1/...") prefixes the message in what().
  ApiError(int code, Reason reason, std::string message, std::vector<Cause> causes = {},
           std::optional<std::chrono::seconds> retryAfter = std::nullopt,
           const std::string& context = "");

  // Builds the error for a non-2xx `response` to `method path`, reading its Status body when it
  // has one. The message names the verb, the path, the code and the server's explanation.
  static ApiError fromResponse(const std::string& method, const std::string& path,
                               const http::Response& response);
  // From a Status object (watch ERROR events carry one).
  static ApiError fromStatus(const std::string& context, const nlohmann::json& status);

  int code() const noexcept { return code_; }
  Reason reason() const noexcept { return reason_; }
  // The server's own message, without the request prefix.
  const std::string& serverMessage() const noexcept { return serverMessage_; }
  const std::vector<Cause>& causes() const noexcept { return causes_; }
  std::optional<std::chrono::seconds> retryAfter() const noexcept { return retryAfter_; }

 private:
  int code_;
  Reason reason_;
  std::string serverMessage_;
  std::vector<Cause> causes_;
  std::optional<std::chrono::seconds> retryAfter_;
};

inline bool isNotFound(const ApiError& e) { return e.reason() == Reason::NotFound; }
inline bool isConflict(const ApiError& e) { return e.reason() == Reason::Conflict; }
inline bool isAlreadyExists(const ApiError& e) { return e.reason() == Reason::AlreadyExists; }
inline bool isGone(const ApiError& e) { return e.reason() == Reason::Gone; }

}  // namespace flop::kube
