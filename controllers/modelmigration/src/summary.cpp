#include "flop/modelmigration/summary.hpp"

namespace flop::modelmigration {
namespace {

ConditionValue condition(std::string type, bool value, std::string reason, std::string message) {
  return {std::move(type), value ? "True" : "False", std::move(reason), std::move(message)};
}

std::string partyLabel(const PartyMigration& party) {
  return party.role + " " + std::to_string(party.sourcePartyId) + "->" +
         std::to_string(party.targetPartyId);
}

MigrationSummary blocked(std::string phase, const std::string& reason, const std::string& message,
                         int total) {
  MigrationSummary summary;
  summary.phase = std::move(phase);
  summary.partiesTotal = total;
  summary.conditions = {
      condition("Ready", false, reason, message),  condition("Reconciling", false, reason, message),
      condition("Stalled", true, reason, message), condition("Succeeded", false, reason, message),
      condition("Failed", false, reason, message),
  };
  return summary;
}

}  // namespace

const ConditionValue* MigrationSummary::find(const std::string& type) const {
  for (const auto& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

MigrationSummary summarize(const std::optional<std::string>& invalid, const GateVerdict& gate,
                           const std::vector<PartyState>& parties) {
  const int total = static_cast<int>(parties.size());
  // The CRD's phase enum is Pending|Running|Succeeded|Failed; Stalled lives in the conditions.
  // A spec FATE rejects can never run (its fields are immutable): Failed. A gate can open.
  if (invalid) return blocked("Failed", "InvalidSpec", *invalid, total);
  if (gate.kind == GateVerdict::Kind::Blocked) {
    return blocked("Pending", gate.reason, gate.message, total);
  }

  MigrationSummary summary;
  summary.partiesTotal = total;
  int failed = 0, running = 0;
  std::string failures;
  for (const auto& party : parties) {
    switch (party.phase()) {
      case PartyPhase::Succeeded:
        ++summary.partiesDone;
        break;
      case PartyPhase::Failed: {
        ++failed;
        for (const auto& step : party.steps) {
          if (step.phase != StepPhase::Failed) continue;
          if (!failures.empty()) failures += "; ";
          failures += partyLabel(party.party) + ": " + step.message;
        }
        break;
      }
      case PartyPhase::Running:
      case PartyPhase::Pending:
        ++running;
        break;
    }
  }
  const std::string progress =
      std::to_string(summary.partiesDone) + "/" + std::to_string(total) + " parties done";

  if (gate.kind == GateVerdict::Kind::Wait && summary.partiesDone == 0 && failed == 0) {
    summary.phase = "Pending";
    summary.conditions = {
        condition("Ready", false, gate.reason, gate.message),
        condition("Reconciling", true, gate.reason, gate.message),
        condition("Stalled", false, gate.reason, gate.message),
        condition("Succeeded", false, gate.reason, gate.message),
        condition("Failed", false, gate.reason, gate.message),
    };
    return summary;
  }
  if (total > 0 && summary.partiesDone == total) {
    summary.phase = "Succeeded";
    const std::string message = "every executing party migrated and imported (" + progress + ")";
    summary.conditions = {
        condition("Ready", true, "Succeeded", message),
        condition("Reconciling", false, "Succeeded", message),
        condition("Stalled", false, "Succeeded", message),
        condition("Succeeded", true, "Succeeded", message),
        condition("Failed", false, "Succeeded", message),
    };
    return summary;
  }
  if (failed > 0) {
    summary.phase = running > 0 ? "Running" : "Failed";
    const std::string message = failures + " (" + progress + ")";
    summary.conditions = {
        condition("Ready", false, "StepFailed", message),
        condition("Reconciling", running > 0, running > 0 ? "PartiesRunning" : "StepFailed",
                  message),
        condition("Stalled", running == 0, "StepFailed", message),
        condition("Succeeded", false, "StepFailed", message),
        condition("Failed", true, "StepFailed", message),
    };
    return summary;
  }
  summary.phase = "Running";
  summary.conditions = {
      condition("Ready", false, "Migrating", progress),
      condition("Reconciling", true, "Migrating", progress),
      condition("Stalled", false, "Migrating", progress),
      condition("Succeeded", false, "Migrating", progress),
      condition("Failed", false, "Migrating", progress),
  };
  return summary;
}

}  // namespace flop::modelmigration
