#include "flop/kube/api_error.hpp"

#include <charconv>

namespace flop::kube {
namespace {

Reason reasonFromStatus(const std::string& reason, int code) {
  static const std::pair<const char*, Reason> kNames[] = {
      {"BadRequest", Reason::BadRequest},
      {"Unauthorized", Reason::Unauthorized},
      {"Forbidden", Reason::Forbidden},
      {"NotFound", Reason::NotFound},
      {"AlreadyExists", Reason::AlreadyExists},
      {"Conflict", Reason::Conflict},
      {"Gone", Reason::Gone},
      {"Expired", Reason::Gone},
      {"Invalid", Reason::Invalid},
      {"Timeout", Reason::Timeout},
      {"ServerTimeout", Reason::Timeout},
      {"TooManyRequests", Reason::TooManyRequests},
      {"MethodNotAllowed", Reason::MethodNotAllowed},
      {"UnsupportedMediaType", Reason::UnsupportedMediaType},
      {"InternalError", Reason::InternalError},
      {"ServiceUnavailable", Reason::ServiceUnavailable},
  };
  for (const auto& [name, value] : kNames)
    if (reason == name) return value;
  switch (code) {
    case 400:
      return Reason::BadRequest;
    case 401:
      return Reason::Unauthorized;
    case 403:
      return Reason::Forbidden;
    case 404:
      return Reason::NotFound;
    case 405:
      return Reason::MethodNotAllowed;
    case 409:
      return Reason::Conflict;
    case 410:
      return Reason::Gone;
    case 415:
      return Reason::UnsupportedMediaType;
    case 422:
      return Reason::Invalid;
    case 429:
      return Reason::TooManyRequests;
    case 500:
      return Reason::InternalError;
    case 503:
      return Reason::ServiceUnavailable;
    case 504:
      return Reason::Timeout;
    default:
      return Reason::Unknown;
  }
}

std::string describe(int code, Reason reason, const std::string& message,
                     const std::vector<Cause>& causes) {
  std::string text = std::string(toString(reason)) + " (" + std::to_string(code) + ")";
  if (!message.empty()) text += ": " + message;
  for (const auto& cause : causes) {
    text += "\n  " + (cause.field.empty() ? std::string("<object>") : cause.field) + ": " +
            cause.message;
  }
  return text;
}

}  // namespace

const char* toString(Reason reason) {
  switch (reason) {
    case Reason::BadRequest:
      return "BadRequest";
    case Reason::Unauthorized:
      return "Unauthorized";
    case Reason::Forbidden:
      return "Forbidden";
    case Reason::NotFound:
      return "NotFound";
    case Reason::AlreadyExists:
      return "AlreadyExists";
    case Reason::Conflict:
      return "Conflict";
    case Reason::Gone:
      return "Gone";
    case Reason::Invalid:
      return "Invalid";
    case Reason::Timeout:
      return "Timeout";
    case Reason::TooManyRequests:
      return "TooManyRequests";
    case Reason::MethodNotAllowed:
      return "MethodNotAllowed";
    case Reason::UnsupportedMediaType:
      return "UnsupportedMediaType";
    case Reason::InternalError:
      return "InternalError";
    case Reason::ServiceUnavailable:
      return "ServiceUnavailable";
    case Reason::Unknown:
      break;
  }
  return "Unknown";
}

ApiError::ApiError(int code, Reason reason, std::string message, std::vector<Cause> causes,
                   std::optional<std::chrono::seconds> retryAfter, const std::string& context)
    : Error(describe(code, reason, context.empty() ? message : context + ": " + message, causes)),
      code_(code),
      reason_(reason),
      serverMessage_(std::move(message)),
      causes_(std::move(causes)),
      retryAfter_(retryAfter) {}

ApiError ApiError::fromStatus(const std::string& context, const nlohmann::json& status) {
  int code = status.value("code", 0);
  std::string message = status.value("message", "");
  std::vector<Cause> causes;
  if (auto details = status.find("details"); details != status.end() && details->is_object()) {
    if (auto list = details->find("causes"); list != details->end() && list->is_array()) {
      for (const auto& c : *list) {
        if (!c.is_object()) continue;
        causes.push_back({c.value("field", ""), c.value("reason", ""), c.value("message", "")});
      }
    }
  }
  std::optional<std::chrono::seconds> retryAfter;
  if (auto details = status.find("details"); details != status.end() && details->is_object()) {
    if (auto s = details->find("retryAfterSeconds"); s != details->end() && s->is_number())
      retryAfter = std::chrono::seconds(s->get<int>());
  }
  Reason reason = reasonFromStatus(status.value("reason", ""), code);
  return ApiError(code, reason, std::move(message), std::move(causes), retryAfter, context);
}

ApiError ApiError::fromResponse(const std::string& method, const std::string& path,
                                const http::Response& response) {
  const std::string context = method + " " + path;
  auto status = nlohmann::json::parse(response.body, nullptr, false);
  std::optional<std::chrono::seconds> retryAfter;
  if (auto h = response.headers.find("retry-after"); h != response.headers.end()) {
    int seconds = 0;
    auto [p, ec] = std::from_chars(h->second.data(), h->second.data() + h->second.size(), seconds);
    if (ec == std::errc()) retryAfter = std::chrono::seconds(seconds);
  }
  if (status.is_object() && status.value("kind", "") == "Status") {
    if (!status.contains("code")) status["code"] = response.status;
    ApiError e = fromStatus(context, status);
    if (e.code() != response.status || retryAfter) {
      return ApiError(response.status, e.reason(), e.serverMessage(), e.causes(),
                      retryAfter ? retryAfter : e.retryAfter(), context);
    }
    return e;
  }
  std::string body = response.body.substr(0, 512);
  return ApiError(response.status, reasonFromStatus("", response.status), body, {}, retryAfter,
                  context);
}

}  // namespace flop::kube
