#pragma once
// kstatus-style condition helpers. `Ready` is the positive summary; `Reconciling` and `Stalled`
// are abnormal-true (present and True only while true). lastTransitionTime moves only when the
// status value changes, so re-running a reconcile does not rewrite status.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flop/api/common.hpp"

namespace flop::api {

namespace condition_type {
inline constexpr std::string_view kReady = "Ready";
inline constexpr std::string_view kReconciling = "Reconciling";
inline constexpr std::string_view kStalled = "Stalled";
inline constexpr std::string_view kValidated = "Validated";
// FLCluster
inline constexpr std::string_view kPartiesReady = "PartiesReady";
inline constexpr std::string_view kServingReady = "ServingReady";
inline constexpr std::string_view kSchedulerReady = "SchedulerReady";
inline constexpr std::string_view kScaling = "Scaling";
// FederatedJob
inline constexpr std::string_view kSubmitted = "Submitted";
inline constexpr std::string_view kQueued = "Queued";
inline constexpr std::string_view kRunning = "Running";
inline constexpr std::string_view kSucceeded = "Succeeded";
inline constexpr std::string_view kFailed = "Failed";
inline constexpr std::string_view kPublished = "Published";
// ModelMigration
inline constexpr std::string_view kTransferred = "Transferred";
inline constexpr std::string_view kMigrated = "Migrated";
inline constexpr std::string_view kImported = "Imported";
}  // namespace condition_type

namespace condition_status {
inline constexpr std::string_view kTrue = "True";
inline constexpr std::string_view kFalse = "False";
inline constexpr std::string_view kUnknown = "Unknown";
}  // namespace condition_status

using Clock = std::chrono::system_clock;

// RFC 3339 in UTC with second precision, as metav1.Time serialises ("2026-01-02T03:04:05Z").
std::string format_time(Clock::time_point t);
// Parses RFC 3339 ("Z" or a numeric offset, optional fraction); throws flop::InvalidInput.
Clock::time_point parse_time(std::string_view text);

const Condition* find_condition(const std::vector<Condition>& conditions, std::string_view type);
Condition* find_condition(std::vector<Condition>& conditions, std::string_view type);
bool is_condition_true(const std::vector<Condition>& conditions, std::string_view type);

// Sets `wanted` (type, status, reason, message, observedGeneration) in the list. The
// lastTransitionTime is `now` for a new condition or a status change and is kept otherwise.
// Returns true when anything in the list changed. Throws flop::InvalidInput on an empty type or
// a status other than True/False/Unknown.
bool set_condition(std::vector<Condition>& conditions, Condition wanted, Clock::time_point now);
// Removes the condition of that type; returns true when one was removed.
bool remove_condition(std::vector<Condition>& conditions, std::string_view type);

}  // namespace flop::api
