#pragma once
// The FATE version gate: FATE's migration crashes on 1.5.0 and FATE 2.x has no migration, so
// every target party's FLCluster must report FATE-Flow 1.5.1 .. 1.x before anything runs.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flop/modelmigration/plan.hpp"

namespace flop::modelmigration {

using FateVersion = std::array<int, 3>;  // major, minor, patch

// FATE's compare_version reading: dot-separated integers; a suffix ("1.6.0-preview") or a
// missing part is unparseable (FATE raises), so the gate treats it as unknown-bad.
std::optional<FateVersion> parseFateVersion(std::string_view text);

// Which migration semantics fl-model should apply for a target FATE version: "1.5" for
// FATE-Flow 1.5–1.8 (copy design), "1.9" for 1.9–1.11 (the recommended default).
std::string compatFor(const FateVersion& version);

// What the reconciler found for one target party's FLCluster.
struct TargetCluster {
  PartyMigration party;
  std::string clusterName;
  bool found = false;
  std::optional<std::string> reportedFateVersion;  // from FLCluster status; absent = not yet
};

struct GateVerdict {
  enum class Kind { Open, Wait, Blocked } kind = Kind::Open;
  std::string reason;   // CamelCase: FLClusterNotFound, FateVersionUnknown, FateVersionTooOld, ...
  std::string message;  // names every offending party
};

// Open when every target reports 1.5.1 <= version < 2.0.0. Blocked (Stalled, nothing runs)
// when a cluster is missing or its version is too old, unsupported or unparseable. Wait when
// clusters exist but have not reported a version yet (they are starting up).
GateVerdict checkFateVersionGate(const std::vector<TargetCluster>& targets);

}  // namespace flop::modelmigration
