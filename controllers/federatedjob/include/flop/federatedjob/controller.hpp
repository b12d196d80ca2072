#pragma once
// The FederatedJob reconciler on flop_runtime: reads the object from the API server, runs the
// decide → perform → record loop (decision.hpp), and persists status with a merge patch of the
// status subresource. The attempt is persisted *before* every submission.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "flop/api/federatedjob.hpp"
#include "flop/api/flcluster.hpp"
#include "flop/fateflow/client.hpp"
#include "flop/federatedjob/decision.hpp"
#include "flop/federatedjob/metrics.hpp"
#include "flop/federatedjob/summary.hpp"
#include "flop/flcluster/children.hpp"
#include "flop/kube/client.hpp"
#include "flop/kube/controller.hpp"
#include "flop/kube/events.hpp"

namespace flop::manager {
class Manager;
}

namespace flop::federatedjob {

const kube::ResourceRef& federatedJobResource();
const kube::ResourceRef& flClusterResource();

struct Options {
  Timing timing;
  std::int32_t defaultBackoffLimit = 0;
  std::function<Clock::time_point()> clock = [] { return Clock::now(); };
  // How FATE-Flow is reached; null = cpprestsdk.
  std::shared_ptr<http::Transport> fateTransport;
  std::chrono::milliseconds fateTimeout{60'000};
  // How MindSpore schedulers are reached; null = the FATE-Flow transport. The management sidecar's
  // port must match the FLCluster controller's (flcluster::ChildrenOptions::sidecarPort).
  std::shared_ptr<http::Transport> schedulerTransport;
  std::chrono::milliseconds schedulerTimeout{60'000};
  std::int32_t managementSidecarPort = flcluster::ChildrenOptions{}.sidecarPort;
  // Counters (fl_federated_jobs_total, fl_external_requests_total); empty callbacks = none.
  JobMetrics metrics;
  // Upper bound of decide/perform steps in one reconcile (a safety net, never reached normally).
  int maxStepsPerReconcile = 32;
};

// Where the job's FATE-Flow is and which request keys it wants, from the FLCluster.
struct FlowTarget {
  std::string baseUrl;
  fateflow::SubmitKeys keys = fateflow::SubmitKeys::Current;
};
// The FATE-Flow of an FLCluster: spec.fate.flow.url, else http://<service>.<ns>.svc:<port|9380>.
// Returns nullopt, with a condition reason and message, when the cluster has no FATE endpoint
// (ClusterHasNoFateFlow) or runs FATE-Flow 2.x, whose /v2 API has no job/deploy/load/bind of
// this kind (UnsupportedFateVersion).
struct FlowProblem {
  std::string reason;
  std::string message;
};
std::optional<FlowTarget> flowTargetOf(const api::FLCluster& cluster, FlowProblem* problem);

// JSON merge patch turning `from` into `to` (keys missing from `to` become null).
nlohmann::json mergePatch(const nlohmann::json& from, const nlohmann::json& to);

class FederatedJobReconciler : public kube::Reconciler {
 public:
  FederatedJobReconciler(const kube::Client& client, kube::EventRecorder* events, Options options);
  kube::Result reconcile(const kube::Request& request) override;

 private:
  struct Round;
  void writeStatus(Round& round);
  void setFinalizer(Round& round, bool present);
  void deleteExpired(Round& round);
  // The reconcile's result: a timed retry while a peer is unavailable, else the action's requeue.
  kube::Result finish(const Round& round, const std::optional<Unavailability>& problem,
                      const Action& action) const;
  // spec.mindspore: the instance on the FLCluster's server group (instance_reconciler.cpp).
  kube::Result reconcileInstance(Round& round);
  void event(const Round& round, bool warning, const std::string& reason,
             const std::string& message) const;
  void countOutcome(const std::string& result) const;

  const kube::Client& client_;
  kube::EventRecorder* events_;
  Options options_;
  std::shared_ptr<http::Transport> transport_;
  std::shared_ptr<http::Transport> schedulerTransport_;
};

// Adds the FederatedJob controller to the manager: it watches FederatedJobs, and FLClusters to
// wake the jobs that reference one when it appears or changes. Metrics go to the manager's
// Prometheus registry when it has one.
void registerController(manager::Manager& manager, Options options = {});

}  // namespace flop::federatedjob
