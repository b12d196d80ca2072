#include "flop/api/conditions.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include "flop/error.hpp"

namespace flop::api {

std::string format_time(Clock::time_point t) {
  const std::time_t seconds = Clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

Clock::time_point parse_time(std::string_view text) {
  const std::string s(text);
  std::tm parts{};
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &parts.tm_year, &parts.tm_mon,
                  &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &consumed) != 6 ||
      consumed != 19) {
    throw InvalidInput("time", "'" + s + "' is not RFC 3339 (YYYY-MM-DDTHH:MM:SSZ)");
  }
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {  // fraction: ignored (second precision)
    ++pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
  }
  long offset_seconds = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) {
    // UTC
  } else if (pos + 6 == s.size() && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':') {
    int hours = 0, minutes = 0;
    if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &hours, &minutes) != 2) {
      throw InvalidInput("time", "'" + s + "' has a malformed UTC offset");
    }
    offset_seconds = (hours * 3600L + minutes * 60L) * (s[pos] == '+' ? 1 : -1);
  } else {
    throw InvalidInput("time", "'" + s + "' needs a Z or +HH:MM suffix");
  }
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  if (parts.tm_mon < 0 || parts.tm_mon > 11 || parts.tm_mday < 1 || parts.tm_mday > 31 ||
      parts.tm_hour > 23 || parts.tm_min > 59 || parts.tm_sec > 60) {
    throw InvalidInput("time", "'" + s + "' has a field out of range");
  }
  const std::time_t utc = timegm(&parts) - offset_seconds;
  return Clock::from_time_t(utc);
}

const Condition* find_condition(const std::vector<Condition>& conditions, std::string_view type) {
  auto it = std::find_if(conditions.begin(), conditions.end(),
                         [&](const Condition& c) { return c.type == type; });
  return it == conditions.end() ? nullptr : &*it;
}

Condition* find_condition(std::vector<Condition>& conditions, std::string_view type) {
  auto it = std::find_if(conditions.begin(), conditions.end(),
                         [&](const Condition& c) { return c.type == type; });
  return it == conditions.end() ? nullptr : &*it;
}

bool is_condition_true(const std::vector<Condition>& conditions, std::string_view type) {
  const Condition* c = find_condition(conditions, type);
  return c != nullptr && c->status == condition_status::kTrue;
}

namespace {
// The CRD's reason pattern: ^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$
bool is_reason(std::string_view reason) {
  if (reason.empty() || !std::isalpha(static_cast<unsigned char>(reason.front()))) return false;
  const auto allowed = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ',' || c == ':';
  };
  if (!std::all_of(reason.begin(), reason.end(), allowed)) return false;
  return reason.back() != ',' && reason.back() != ':';
}
}  // namespace

bool set_condition(std::vector<Condition>& conditions, Condition wanted, Clock::time_point now) {
  if (wanted.type.empty()) throw InvalidInput("condition.type", "must not be empty");
  const std::string where = "condition " + wanted.type;
  if (wanted.status != condition_status::kTrue && wanted.status != condition_status::kFalse &&
      wanted.status != condition_status::kUnknown) {
    throw InvalidInput(where + ".status",
                       "must be True, False or Unknown, got '" + wanted.status + "'");
  }
  if (!is_reason(wanted.reason)) {
    throw InvalidInput(where + ".reason", "must be a CamelCase word, got '" + wanted.reason + "'");
  }
  Condition* existing = find_condition(conditions, wanted.type);
  if (existing == nullptr) {
    wanted.lastTransitionTime = format_time(now);
    conditions.push_back(std::move(wanted));
    return true;
  }
  const bool status_changed = existing->status != wanted.status;
  const bool changed = status_changed || existing->reason != wanted.reason ||
                       existing->message != wanted.message ||
                       existing->observedGeneration != wanted.observedGeneration;
  wanted.lastTransitionTime = status_changed || existing->lastTransitionTime.empty()
                                  ? format_time(now)
                                  : existing->lastTransitionTime;
  *existing = std::move(wanted);
  return changed;
}

bool remove_condition(std::vector<Condition>& conditions, std::string_view type) {
  return std::erase_if(conditions, [&](const Condition& c) { return c.type == type; }) > 0;
}

}  // namespace flop::api
