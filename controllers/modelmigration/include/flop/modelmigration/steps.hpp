#pragma once
// The per-party step state machine: transfer -> migrate -> import, one Kubernetes Job per
// (step, attempt). Given what status recorded and which Jobs exist, decide each party's state
// and the one Job (if any) to create next. Pure: the reconciler feeds observations in and
// carries the decision out.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flop/modelmigration/plan.hpp"

namespace flop::modelmigration {

enum class Step { Transfer, Migrate, Import };
inline constexpr std::array<Step, 3> kStepOrder{Step::Transfer, Step::Migrate, Step::Import};
std::string_view stepName(Step step);  // "transfer", "migrate", "import"
std::optional<Step> stepFromName(std::string_view name);

enum class StepPhase { Pending, Running, Succeeded, Failed, Skipped };
std::string_view phaseName(StepPhase phase);  // "Pending", "Running", ...
std::optional<StepPhase> phaseFromName(std::string_view name);

// What a step's container hands back through its termination message (fl-model's result
// JSON, FATE's retcode/retmsg shape). Absent fields were not reported.
struct StepResult {
  std::optional<std::string> sha256;
  std::optional<std::int64_t> bytes;
  std::optional<std::string> artifactPath;
  std::optional<int> retcode;
  std::optional<std::string> retmsg;
  bool operator==(const StepResult&) const = default;
};

// Never throws: a message that is not the expected JSON becomes retmsg (truncated), so a
// crashing step still explains itself.
StepResult parseTerminationMessage(std::string_view message);

using Timestamp = std::chrono::system_clock::time_point;

// One step of one party, as recorded in status.
struct StepState {
  Step step = Step::Transfer;
  StepPhase phase = StepPhase::Pending;
  int attempts = 0;     // Jobs created for this step so far (attempt numbers 1..attempts)
  std::string jobName;  // the current attempt's Job
  std::optional<Timestamp> startTime;
  std::optional<Timestamp> completionTime;
  std::string reason;   // CamelCase, for conditions/events
  std::string message;  // human-readable
  StepResult result;
  bool operator==(const StepState&) const = default;
};

// Transfer, migrate, import, all Pending.
std::array<StepState, 3> initialSteps();

enum class PartyPhase { Pending, Running, Succeeded, Failed };
std::string_view partyPhaseName(PartyPhase phase);

struct PartyState {
  PartyMigration party;
  std::array<StepState, 3> steps = initialSteps();
  StepState& at(Step step) { return steps[static_cast<std::size_t>(step)]; }
  const StepState& at(Step step) const { return steps[static_cast<std::size_t>(step)]; }
  PartyPhase phase() const;
  bool operator==(const PartyState&) const = default;
};

// A Job of this party as the cluster shows it (found by labels, owned by the migration).
struct ObservedJob {
  Step step = Step::Transfer;
  int attempt = 1;
  std::string name;
  enum class Outcome { Active, Succeeded, Failed } outcome = Outcome::Active;
  std::string failureReason;       // Job condition reason (BackoffLimitExceeded, DeadlineExceeded)
  std::string failureMessage;      // Job condition message
  std::string terminationMessage;  // of the (last) pod's container, when the reconciler has it
  std::optional<Timestamp> startTime;
  std::optional<Timestamp> completionTime;
};

struct StepPolicy {
  int maxAttempts = 1;        // Jobs per step; each Job also retries pods per its backoffLimit
  bool importEnabled = true;  // import off: a party is done once migrated
};

struct StepAttempt {
  Step step = Step::Transfer;
  int attempt = 1;
  bool operator==(const StepAttempt&) const = default;
};

// Something worth an Event: a step started, succeeded, failed or is retried.
struct StepEvent {
  Step step = Step::Transfer;
  int attempt = 1;
  enum class Kind { Started, Succeeded, Failed, Retrying } kind = Kind::Started;
  std::string reason;
  std::string message;
  std::optional<std::chrono::duration<double>> duration;  // for metrics, when known
  std::optional<std::int64_t> bytes;
  bool operator==(const StepEvent&) const = default;
};

struct PartyAdvance {
  PartyState state;                   // updated status for the party
  std::optional<StepAttempt> create;  // the Job to create now, if any
  std::vector<StepEvent> events;      // transitions observed in this pass
};

// Advances one party. Rules:
//  * status is the memory: a step recorded Succeeded never runs again, even if its Job is gone
//    (TTL) — so a resync never re-runs a finished migration;
//  * a Job that exists is adopted: its attempt number counts, its outcome is recorded;
//  * steps run strictly in order; a failed step with attempts left gets attempt+1, else the
//    party is Failed and later steps stay Pending;
//  * the decision to create is always for a specific attempt whose Job name is deterministic,
//    so a stale cache can at worst cause an AlreadyExists, never a second Job for an attempt.
using JobNamer = std::function<std::string(const PartyMigration&, Step, int attempt)>;
PartyAdvance advanceParty(const PartyState& recorded, const std::vector<ObservedJob>& jobs,
                          const StepPolicy& policy, const JobNamer& jobName, Timestamp now);

}  // namespace flop::modelmigration
