#include "flop/modelmigration/summary.hpp"

#include <gtest/gtest.h>

namespace flop::modelmigration {
namespace {

const GateVerdict kOpen{GateVerdict::Kind::Open, "FateVersionSupported", ""};

PartyState party(std::string role, PartyId id, StepPhase transfer, StepPhase migrate,
                 StepPhase import) {
  PartyState state;
  state.party = {std::move(role), id, id / 100, 0};
  state.at(Step::Transfer).phase = transfer;
  state.at(Step::Migrate).phase = migrate;
  state.at(Step::Import).phase = import;
  for (auto& step : state.steps) {
    if (step.phase == StepPhase::Failed) step.message = "import attempt 1 failed (retcode 100)";
  }
  return state;
}

std::string status(const MigrationSummary& summary, const std::string& type) {
  const auto* c = summary.find(type);
  return c ? c->status : "absent";
}

constexpr auto S = StepPhase::Succeeded;
constexpr auto R = StepPhase::Running;
constexpr auto P = StepPhase::Pending;
constexpr auto F = StepPhase::Failed;

TEST(Summarize, SucceededOnlyWhenEveryPartyImported) {
  auto summary = summarize(std::nullopt, kOpen,
                           {party("guest", 9999, S, S, S), party("host", 10000, S, S, R)});
  EXPECT_EQ(status(summary, "Succeeded"), "False");
  EXPECT_EQ(status(summary, "Reconciling"), "True");
  EXPECT_EQ(summary.partiesDone, 1);
  EXPECT_EQ(summary.find("Ready")->message, "1/2 parties done");

  summary = summarize(std::nullopt, kOpen,
                      {party("guest", 9999, S, S, S), party("host", 10000, S, S, S)});
  EXPECT_EQ(summary.phase, "Succeeded");
  EXPECT_EQ(status(summary, "Succeeded"), "True");
  EXPECT_EQ(status(summary, "Ready"), "True");
  EXPECT_EQ(status(summary, "Reconciling"), "False");
  EXPECT_EQ(status(summary, "Stalled"), "False");
}

TEST(Summarize, FailedWhileOthersStillRunThenStalled) {
  auto summary = summarize(std::nullopt, kOpen,
                           {party("guest", 9999, S, S, F), party("host", 10000, S, R, P)});
  EXPECT_EQ(status(summary, "Failed"), "True");
  EXPECT_EQ(status(summary, "Reconciling"), "True");
  EXPECT_EQ(status(summary, "Stalled"), "False");
  EXPECT_EQ(status(summary, "Succeeded"), "False");
  EXPECT_NE(summary.find("Failed")->message.find("guest 9999->99"), std::string::npos);

  summary = summarize(std::nullopt, kOpen,
                      {party("guest", 9999, S, S, F), party("host", 10000, S, S, S)});
  EXPECT_EQ(summary.phase, "Failed");
  EXPECT_EQ(status(summary, "Reconciling"), "False");
  EXPECT_EQ(status(summary, "Stalled"), "True");
  EXPECT_EQ(summary.find("Stalled")->reason, "StepFailed");
}

TEST(Summarize, GateBlockedIsStalledWithTheGateReason) {
  const GateVerdict blocked{GateVerdict::Kind::Blocked, "FateVersionTooOld",
                            "model migration needs FATE >= 1.5.1: host 100 reports FATE 1.5.0"};
  const auto summary = summarize(std::nullopt, blocked, {party("host", 10000, P, P, P)});
  EXPECT_EQ(summary.phase, "Pending");
  EXPECT_EQ(status(summary, "Stalled"), "True");
  EXPECT_EQ(summary.find("Stalled")->reason, "FateVersionTooOld");
  EXPECT_EQ(summary.find("Stalled")->message, blocked.message);
  EXPECT_EQ(status(summary, "Reconciling"), "False");
}

TEST(Summarize, InvalidSpecIsStalled) {
  const auto summary = summarize(std::string("migrate_role: equals 'role'"), kOpen, {});
  EXPECT_EQ(summary.find("Stalled")->reason, "InvalidSpec");
  EXPECT_EQ(summary.phase, "Failed");
  EXPECT_EQ(status(summary, "Stalled"), "True");
}

TEST(Summarize, WaitingForVersionIsReconcilingNotStalled) {
  const GateVerdict wait{GateVerdict::Kind::Wait, "FateVersionUnknown", "waiting"};
  const auto summary = summarize(std::nullopt, wait, {party("host", 10000, P, P, P)});
  EXPECT_EQ(summary.phase, "Pending");
  EXPECT_EQ(status(summary, "Reconciling"), "True");
  EXPECT_EQ(status(summary, "Stalled"), "False");
}

}  // namespace
}  // namespace flop::modelmigration
