#pragma once
// The object's conditions, summarised from the gate verdict and every party's state:
// kstatus-style Ready/Reconciling/Stalled plus the terminal pair Succeeded/Failed.
#include <optional>
#include <string>
#include <vector>

#include "flop/modelmigration/gate.hpp"
#include "flop/modelmigration/steps.hpp"

namespace flop::modelmigration {

struct ConditionValue {
  std::string type;
  std::string status;  // "True" | "False"
  std::string reason;
  std::string message;
  bool operator==(const ConditionValue&) const = default;
};

struct MigrationSummary {
  std::string phase;  // Pending | Running | Succeeded | Failed (the CRD's enum; printer column)
  std::vector<ConditionValue> conditions;  // Ready, Reconciling, Stalled, Succeeded, Failed
  int partiesDone = 0;                     // executing parties finished (imported, or migrated)
  int partiesTotal = 0;
  const ConditionValue* find(const std::string& type) const;
};

// `invalid` is a spec problem found before planning (InvalidSpec, Stalled).
// Rules: Succeeded only when every executing party finished every enabled step; Failed as soon
// as a party exhausted its retries (it can never succeed) while the other parties keep going;
// Stalled when nothing can make progress (gate blocked, invalid spec, or failed and idle).
MigrationSummary summarize(const std::optional<std::string>& invalid, const GateVerdict& gate,
                           const std::vector<PartyState>& parties);

}  // namespace flop::modelmigration
