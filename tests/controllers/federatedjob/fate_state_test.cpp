// The FATE state → phase table, row by row.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "flop/federatedjob/fate_state.hpp"

namespace flop::federatedjob {
namespace {

struct Row {
  const char* fateState;
  Phase phase;
  AttemptOutcome outcome;
  const char* reason;
};

class FateStateMapping : public ::testing::TestWithParam<Row> {};

TEST_P(FateStateMapping, MapsToPhaseOutcomeAndReason) {
  const Row& row = GetParam();
  FateStateMeaning meaning = meaningOf(row.fateState);
  EXPECT_EQ(meaning.phase, row.phase) << row.fateState;
  EXPECT_EQ(meaning.outcome, row.outcome) << row.fateState;
  EXPECT_EQ(meaning.reason, row.reason) << row.fateState;
}

INSTANTIATE_TEST_SUITE_P(
    EveryFateState, FateStateMapping,
    ::testing::Values(
        Row{"ready", Phase::Queued, AttemptOutcome::InProgress, "FateJobReady"},
        // Queued for resources: never a failure (Kuscia's adapter reported it as failed).
        Row{"waiting", Phase::Queued, AttemptOutcome::InProgress, "FateJobWaiting"},
        Row{"running", Phase::Running, AttemptOutcome::InProgress, "FateJobRunning"},
        Row{"pass", Phase::Running, AttemptOutcome::InProgress, "FateJobPassing"},
        Row{"success", Phase::Succeeded, AttemptOutcome::Succeeded, "FateJobSucceeded"},
        Row{"failed", Phase::Failed, AttemptOutcome::Failed, "FateJobFailed"},
        Row{"canceled", Phase::Failed, AttemptOutcome::Failed, "FateJobCanceled"},
        Row{"timeout", Phase::Failed, AttemptOutcome::Failed, "FateJobTimeout"},
        Row{"finished", Phase::Running, AttemptOutcome::InProgress, "FateJobFinished2x"},
        Row{"exploded", Phase::Running, AttemptOutcome::InProgress, "FateStateUnknown"},
        Row{"", Phase::Running, AttemptOutcome::InProgress, "FateStateUnknown"}));

TEST(FateStateTable, CoversEveryFateFlow1xJobStateOnce) {
  std::set<std::string> states;
  for (const auto& row : fateStateTable()) {
    EXPECT_TRUE(states.insert(std::string(row.fateState)).second) << row.fateState;
    EXPECT_FALSE(row.reason.empty());
    EXPECT_FALSE(row.description.empty());
  }
  for (const char* state :
       {"ready", "waiting", "running", "success", "failed", "canceled", "timeout"}) {
    EXPECT_TRUE(states.count(state)) << state;
  }
}

TEST(FateStateTable, OnlySuccessSucceeds) {
  for (const auto& row : fateStateTable()) {
    EXPECT_EQ(row.outcome == AttemptOutcome::Succeeded, row.fateState == "success")
        << row.fateState;
  }
}

TEST(Phase, NamesMatchTheCrdEnum) {
  EXPECT_EQ(phaseName(Phase::Pending), "Pending");
  EXPECT_EQ(phaseName(Phase::Queued), "Queued");
  EXPECT_EQ(phaseName(Phase::Running), "Running");
  EXPECT_EQ(phaseName(Phase::Suspended), "Suspended");
  EXPECT_EQ(phaseName(Phase::Succeeded), "Succeeded");
  EXPECT_EQ(phaseName(Phase::Failed), "Failed");
}

}  // namespace
}  // namespace flop::federatedjob
