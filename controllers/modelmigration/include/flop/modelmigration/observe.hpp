#pragma once
// Reading what the cluster shows: a batch/v1 Job (and its pods) as an ObservedJob. Pure
// functions over JSON, so adoption after a restart is unit-testable.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flop/modelmigration/steps.hpp"

namespace flop::modelmigration {

// A Job's place in the plan, from its labels. nullopt for a Job that is not one of our steps
// (missing or malformed labels): it is never adopted.
struct JobIdentity {
  std::string role;
  PartyId sourcePartyId = 0;
  Step step = Step::Transfer;
  int attempt = 1;
};
std::optional<JobIdentity> identifyJob(const nlohmann::json& job);

// Outcome from status.conditions (Complete / Failed, with reason and message), times from
// status.startTime / completionTime. The termination message is filled in separately.
ObservedJob observeJob(const nlohmann::json& job, const JobIdentity& identity);

// The termination message of the step container in the newest terminated pod of a Job
// (pods as listed with the job-name label); empty when there is none.
std::string terminationMessageOf(const std::vector<nlohmann::json>& pods);

// RFC 3339 "2026-01-02T03:04:05Z" (also with fraction or offset) to a time point; nullopt when
// absent or unparseable.
std::optional<Timestamp> parseTimestamp(const nlohmann::json& value);
std::string formatTimestamp(Timestamp t);

}  // namespace flop::modelmigration
