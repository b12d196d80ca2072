#pragma once
// The FLCluster reconciler on the controller runtime: observe (FLCluster, StatefulSet, pods,
// scheduler), decide (decideScaling), act (server-side apply of children, status, the one
// scheduler call, pod deletions), then report (conditions, Events).
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "flop/flcluster/children.hpp"
#include "flop/flcluster/metrics.hpp"
#include "flop/flcluster/peer_health.hpp"
#include "flop/flcluster/scaling.hpp"
#include "flop/http/transport.hpp"
#include "flop/kube/controller.hpp"
#include "flop/kube/events.hpp"
#include "flop/kube/informer.hpp"

namespace flop::manager {
class Manager;
}

namespace flop::flcluster {

inline const kube::ResourceRef kFLClusterResource{"federatedlearning.dev", "v1alpha1", "flclusters",
                                                  "FLCluster", true};
inline const kube::ResourceRef kHpaResource{"autoscaling", "v2", "horizontalpodautoscalers",
                                            "HorizontalPodAutoscaler", true};

struct Options {
  ChildrenOptions children;
  std::string fieldManager = "fl-operator";
  std::function<Clock::time_point()> now = [] { return Clock::now(); };
  // Talks to schedulers and FATE-Flow; a CppRestTransport when null.
  std::shared_ptr<http::Transport> peerTransport;
  std::chrono::milliseconds schedulerTimeout{60'000};
  // The scheduler build has /scaleoutRollback (later ps/core sources; not 1.5-1.7).
  bool schedulerHasRollback = false;
  // A peer (scheduler management API, FATE-Flow) unreachable this long: Stalled.
  std::chrono::seconds peerStallAfter = kDefaultPeerStallAfter;
  // fl_cluster_* metrics; registerController() creates them on the manager's registry.
  std::shared_ptr<ClusterMetrics> metrics;
};

// The label selector and index of the pods cache: every pod an FLCluster owns, filed by
// "namespace/FLCluster name".
std::string ownedPodsSelector();
inline constexpr const char* kPodsByCluster = "flcluster";
std::vector<std::string> podClusterKeys(const nlohmann::json& pod);

class Reconciler : public kube::Reconciler {
 public:
  // `pods` caches whole pods selected by ownedPodsSelector() and indexed by kPodsByCluster.
  Reconciler(const kube::Client& client, kube::Informer& clusters, kube::Informer& pods,
             kube::EventRecorder& events, Options options);
  kube::Result reconcile(const kube::Request& request) override;

 private:
  struct Pass;
  kube::Result reconcileOnce(const kube::Request& request);
  std::optional<std::chrono::milliseconds> reconcileMindSpore(Pass& pass);  // the requeue
  std::optional<std::chrono::milliseconds> reconcileFate(Pass& pass);
  std::chrono::milliseconds probeFate(Pass& pass, const std::string& url);  // the next probe
  void forget(const kube::Request& request);
  void recordScaleResults(const Pass& pass, const Decision& decision);
  void recordServers(const Pass& pass, const ScalingInput& input);
  void updateRegistrationGates(const Pass& pass);
  void writeStatus(Pass& pass);
  void forgetApplied(const kube::ResourceRef& resource, const std::string& ns,
                     const std::string& name);
  void applyChild(const kube::ResourceRef& resource, const nlohmann::json& object,
                  nlohmann::json* out = nullptr);
  // Deletes a child that must not exist; confirmed at most every kReapplyEvery.
  void removeChild(const kube::ResourceRef& resource, const std::string& ns,
                   const std::string& name);
  std::optional<kube::Json> readCluster(const kube::Request& request);
  std::optional<SchedulerEndpoint> schedulerEndpoint(Pass& pass);
  // nullopt (and the reason in `error`) when the management API did not answer as documented.
  std::optional<SchedulerView> observeScheduler(Pass& pass, SchedulerClient& client,
                                                std::string* error = nullptr);
  void report(Pass& pass, const Decision& decision);

  const kube::Client& client_;
  kube::Informer& clusters_;
  kube::Informer& pods_;
  kube::EventRecorder& events_;
  Options options_;

  static constexpr std::chrono::seconds kReapplyEvery{30};
  struct Applied {
    std::size_t digest = 0;
    std::chrono::steady_clock::time_point at;
    nlohmann::json result;  // kept where the caller reads the applied object back
    bool absent = false;    // removeChild(): confirmed deleted, not applied
  };
  std::mutex appliedMutex_;
  std::map<std::string, Applied> applied_;
  // resourceVersion of each FLCluster as this process last read or wrote it: a cached copy at
  // that version is as fresh as a GET (an older one would only buy a conflict).
  std::mutex versionsMutex_;
  std::map<std::string, std::string> knownVersions_;
  // When each FLCluster's FATE-Flow is due to be probed again (and for which spec).
  struct NextProbe {
    std::string url;
    std::int64_t generation = 0;
    Clock::time_point due;
  };
  std::mutex probesMutex_;
  std::map<std::string, NextProbe> nextProbes_;
};

// Adds the FLCluster controller (and the informers it needs) to the manager.
void registerController(manager::Manager& manager, Options options = {});

}  // namespace flop::flcluster
