#include "flop/modelmigration/observe.hpp"

#include <charconv>
#include <ctime>

#include "flop/modelmigration/naming.hpp"

namespace flop::modelmigration {
namespace {

using json = nlohmann::json;

std::optional<std::int64_t> parseInt(const std::string& text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string label(const json& object, std::string_view key) {
  const json* labels = object.contains("metadata") ? &object["metadata"] : nullptr;
  if (!labels || !labels->contains("labels")) return {};
  const json& map = (*labels)["labels"];
  auto it = map.find(std::string(key));
  return it != map.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::string stringAt(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

}  // namespace

std::optional<Timestamp> parseTimestamp(const json& value) {
  if (!value.is_string()) return std::nullopt;
  const std::string text = value.get<std::string>();
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest) return std::nullopt;
  auto seconds = std::chrono::seconds(timegm(&tm));
  std::chrono::microseconds fraction{0};
  if (*rest == '.') {
    ++rest;
    std::int64_t digits = 0, scale = 1'000'000;
    while (*rest >= '0' && *rest <= '9') {
      if (scale > 1) {
        scale /= 10;
        digits += (*rest - '0') * scale;
      }
      ++rest;
    }
    fraction = std::chrono::microseconds(digits);
  }
  if (*rest == '+' || *rest == '-') {
    const int sign = *rest == '-' ? -1 : 1;
    int hours = 0, minutes = 0;
    if (std::sscanf(rest + 1, "%2d:%2d", &hours, &minutes) != 2) return std::nullopt;
    seconds -= std::chrono::seconds(sign * (hours * 3600 + minutes * 60));
  } else if (*rest != 'Z' || rest[1] != '\0') {
    return std::nullopt;
  }
  return Timestamp{} + seconds + fraction;
}

std::string formatTimestamp(Timestamp t) {
  const std::time_t seconds =
      std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(t));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::optional<JobIdentity> identifyJob(const json& job) {
  const auto step = stepFromName(label(job, kStepLabel));
  const auto party = parseInt(label(job, kPartyLabel));
  const auto attempt = parseInt(label(job, kAttemptLabel));
  const std::string role = label(job, kRoleLabel);
  if (!step || !party || !attempt || *attempt < 1 || role.empty()) return std::nullopt;
  return JobIdentity{role, *party, *step, static_cast<int>(*attempt)};
}

ObservedJob observeJob(const json& job, const JobIdentity& identity) {
  ObservedJob observed;
  observed.step = identity.step;
  observed.attempt = identity.attempt;
  observed.name = job.value("/metadata/name"_json_pointer, std::string{});
  observed.outcome = ObservedJob::Outcome::Active;
  const json status = job.value("status", json::object());
  observed.startTime = parseTimestamp(status.value("startTime", json()));
  observed.completionTime = parseTimestamp(status.value("completionTime", json()));
  for (const auto& condition : status.value("conditions", json::array())) {
    if (stringAt(condition, "status") != "True") continue;
    const std::string type = stringAt(condition, "type");
    if (type == "Complete") {
      observed.outcome = ObservedJob::Outcome::Succeeded;
    } else if (type == "Failed") {
      observed.outcome = ObservedJob::Outcome::Failed;
      observed.failureReason = stringAt(condition, "reason");
      observed.failureMessage = stringAt(condition, "message");
      if (!observed.completionTime) {
        observed.completionTime = parseTimestamp(condition.value("lastTransitionTime", json()));
      }
    }
  }
  return observed;
}

std::string terminationMessageOf(const std::vector<json>& pods) {
  std::string newestStamp;
  std::string message;
  for (const auto& pod : pods) {
    const std::string created =
        pod.value("/metadata/creationTimestamp"_json_pointer, std::string{});
    const json statuses = pod.value("/status/containerStatuses"_json_pointer, json::array());
    for (const auto& container : statuses) {
      if (stringAt(container, "name") != "fl-model") continue;
      for (const char* which : {"state", "lastState"}) {
        const json terminated =
            container.value(json::json_pointer("/" + std::string(which) + "/terminated"), json());
        if (!terminated.is_object()) continue;
        if (created >= newestStamp) {
          newestStamp = created;
          message = stringAt(terminated, "message");
        }
        break;
      }
    }
  }
  return message;
}

}  // namespace flop::modelmigration
