#pragma once
// FATE job state → FederatedJob phase and condition reason. One table, so the mapping is read in
// one place and tested row by row. Source of the states: FATE-Flow 1.x entity/run_status.py
// (ready, waiting, running, success, failed, canceled, timeout; tasks also use pass) and 2.x's
// `finished`. `waiting` means queued for resources and is never a failure.
#include <span>
#include <string_view>

namespace flop::federatedjob {

enum class Phase { Pending, Queued, Running, Suspended, Succeeded, Failed };
std::string_view phaseName(Phase phase);

// What one FATE state means for the current attempt.
enum class AttemptOutcome {
  InProgress,  // keep polling
  Succeeded,   // the job is done
  Failed,      // the attempt is over without success; counts against backoffLimit
};

struct FateStateMeaning {
  std::string_view fateState;  // as FATE reports it ("" never matches)
  Phase phase;                 // phase while this attempt is current
  AttemptOutcome outcome;
  std::string_view reason;  // CamelCase condition reason
  std::string_view description;
};

// Every state FATE-Flow reports, in the order a job usually passes through them.
std::span<const FateStateMeaning> fateStateTable();

// The row for `fateState`; states not in the table map to Running/InProgress with reason
// FateStateUnknown, so an unexpected state is visible and polled, never taken as an outcome.
FateStateMeaning meaningOf(std::string_view fateState);

}  // namespace flop::federatedjob
