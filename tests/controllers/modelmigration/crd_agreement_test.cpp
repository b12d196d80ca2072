// What the controller writes must be accepted by the CRD's schema: every phase the summary and
// the step state machine can produce is in the CRD's enums (a mismatch made the API server
// reject status writes once; this catches it without a cluster).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <set>
#include <string>

#include "flop/modelmigration/summary.hpp"

namespace flop::modelmigration {
namespace {

YAML::Node statusSchema() {
  const char* source = std::getenv("FLOP_SOURCE_DIR");
  const std::string dir = source ? source : ".";
  const YAML::Node crd = YAML::LoadFile(dir + "/crds/federatedlearning.dev_modelmigrations.yaml");
  return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]
            ["properties"];
}

std::set<std::string> enumOf(const YAML::Node& node) {
  std::set<std::string> values;
  for (const auto& value : node["enum"]) values.insert(value.as<std::string>());
  return values;
}

PartyState partyWith(StepPhase phase) {
  PartyState state;
  state.party = {"guest", 9999, 99, 0};
  for (auto& step : state.steps) step.phase = phase;
  return state;
}

TEST(CrdAgreement, EverySummaryPhaseIsInTheStatusPhaseEnum) {
  const auto allowed = enumOf(statusSchema()["phase"]);
  ASSERT_FALSE(allowed.empty());
  const GateVerdict open{GateVerdict::Kind::Open, "FateVersionSupported", ""};
  const GateVerdict blocked{GateVerdict::Kind::Blocked, "FateVersionTooOld", "host 100"};
  const GateVerdict wait{GateVerdict::Kind::Wait, "FateVersionUnknown", "waiting"};
  const std::vector<MigrationSummary> summaries = {
      summarize(std::string("bad spec"), open, {}),
      summarize(std::nullopt, blocked, {partyWith(StepPhase::Pending)}),
      summarize(std::nullopt, wait, {partyWith(StepPhase::Pending)}),
      summarize(std::nullopt, open, {partyWith(StepPhase::Running)}),
      summarize(std::nullopt, open, {partyWith(StepPhase::Succeeded)}),
      summarize(std::nullopt, open, {partyWith(StepPhase::Failed)}),
      summarize(std::nullopt, open, {partyWith(StepPhase::Failed), partyWith(StepPhase::Running)}),
  };
  for (const auto& summary : summaries) {
    EXPECT_TRUE(allowed.count(summary.phase)) << "phase '" << summary.phase << "' not in the CRD";
  }
}

TEST(CrdAgreement, EveryStepPhaseIsInTheStepPhaseEnum) {
  const YAML::Node steps = statusSchema()["parties"]["items"]["properties"]["steps"]["properties"];
  for (const char* step : {"transfer", "migrate", "import"}) {
    const auto allowed = enumOf(steps[step]["properties"]["phase"]);
    ASSERT_FALSE(allowed.empty()) << step;
    for (StepPhase phase : {StepPhase::Pending, StepPhase::Running, StepPhase::Succeeded,
                            StepPhase::Failed, StepPhase::Skipped}) {
      EXPECT_TRUE(allowed.count(std::string(phaseName(phase)))) << step << " " << phaseName(phase);
    }
  }
}

}  // namespace
}  // namespace flop::modelmigration
