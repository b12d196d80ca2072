#pragma once
// What one FLCluster reconcile carries between its steps (reconciler.cpp, reconciler_report.cpp).
#include <optional>
#include <string>
#include <vector>

#include "flop/api/flcluster.hpp"
#include "flop/flcluster/controller.hpp"
#include "flop/flcluster/status.hpp"

namespace flop::flcluster {

// Everything one reconcile knows about one FLCluster.
struct Reconciler::Pass {
  kube::Json object;  // the FLCluster as last read or written (resourceVersion for status writes)
  api::FLCluster cluster;
  api::FLClusterStatus status;
  std::int64_t generation = 0;
  Clock::time_point now;
  // As the pass found them, for the metrics.
  std::optional<ScaleRecord> recordedScale;
  std::string stalledReason;
  std::vector<GateChange> gates;  // server pods' readiness gates to set once status is written
};

}  // namespace flop::flcluster
