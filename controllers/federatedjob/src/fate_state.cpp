#include "flop/federatedjob/fate_state.hpp"

#include <algorithm>
#include <array>

namespace flop::federatedjob {
namespace {

constexpr std::array kTable{
    FateStateMeaning{"ready", Phase::Queued, AttemptOutcome::InProgress, "FateJobReady",
                     "accepted by FATE-Flow, not yet scheduled"},
    FateStateMeaning{"waiting", Phase::Queued, AttemptOutcome::InProgress, "FateJobWaiting",
                     "queued for resources"},
    FateStateMeaning{"running", Phase::Running, AttemptOutcome::InProgress, "FateJobRunning",
                     "running"},
    FateStateMeaning{"pass", Phase::Running, AttemptOutcome::InProgress, "FateJobPassing",
                     "a component was passed over; the job continues"},
    FateStateMeaning{"success", Phase::Succeeded, AttemptOutcome::Succeeded, "FateJobSucceeded",
                     "succeeded"},
    FateStateMeaning{"failed", Phase::Failed, AttemptOutcome::Failed, "FateJobFailed", "failed"},
    FateStateMeaning{"canceled", Phase::Failed, AttemptOutcome::Failed, "FateJobCanceled",
                     "canceled outside the operator"},
    FateStateMeaning{"timeout", Phase::Failed, AttemptOutcome::Failed, "FateJobTimeout",
                     "exceeded FATE's job timeout"},
    // FATE-Flow 2.x only; 2.x is not supported, so it is reported and never taken as success.
    FateStateMeaning{"finished", Phase::Running, AttemptOutcome::InProgress, "FateJobFinished2x",
                     "FATE-Flow 2.x state `finished`; 2.x is not supported"},
};

}  // namespace

std::string_view phaseName(Phase phase) {
  switch (phase) {
    case Phase::Pending:
      return "Pending";
    case Phase::Queued:
      return "Queued";
    case Phase::Running:
      return "Running";
    case Phase::Suspended:
      return "Suspended";
    case Phase::Succeeded:
      return "Succeeded";
    case Phase::Failed:
      return "Failed";
  }
  return "Pending";
}

std::span<const FateStateMeaning> fateStateTable() { return kTable; }

FateStateMeaning meaningOf(std::string_view fateState) {
  auto row = std::find_if(kTable.begin(), kTable.end(),
                          [&](const FateStateMeaning& m) { return m.fateState == fateState; });
  if (row != kTable.end()) return *row;
  return FateStateMeaning{fateState, Phase::Running, AttemptOutcome::InProgress, "FateStateUnknown",
                          "a state this operator does not know"};
}

}  // namespace flop::federatedjob
