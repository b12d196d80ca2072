#pragma once
// The ModelMigration reconciler: level-based, from cached state. Per pass it plans (recording
// the new model_version before any Job exists), checks the FATE version gate, adopts the Jobs
// that exist, creates at most the next Job per party, and writes status only when it changed.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "flop/kube/client.hpp"
#include "flop/kube/controller.hpp"
#include "flop/kube/events.hpp"
#include "flop/kube/store.hpp"
#include "flop/modelmigration/metrics.hpp"
#include "flop/modelmigration/steps.hpp"

namespace flop::modelmigration {

inline const kube::ResourceRef kModelMigrations{"federatedlearning.dev", "v1alpha1",
                                                "modelmigrations", "ModelMigration", true};
inline const kube::ResourceRef kFLClusters{"federatedlearning.dev", "v1alpha1", "flclusters",
                                           "FLCluster", true};

struct ReconcilerOptions {
  std::string defaultStepImage;  // the operator's own image, when spec.stepImage is empty
  int backoffLimit = 0;          // pod retries inside one Job (import is not idempotent)
  int maxAttempts = 2;           // Jobs per step before the party fails
  std::optional<std::int64_t> activeDeadlineSeconds = 1800;
  std::int32_t ttlSecondsAfterFinished = 86'400;  // spec.ttlSecondsAfterFinished overrides
  nlohmann::json resources = {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}},
                              {"limits", {{"memory", "1Gi"}}}};
  std::string defaultWorkspaceSize = "1Gi";
  std::chrono::milliseconds runningRequeue{30'000};  // safety net; Job events wake us sooner
  std::chrono::milliseconds waitRequeue{10'000};     // waiting for an FLCluster's version
  std::function<Timestamp()> clock = [] { return std::chrono::system_clock::now(); };
  // Site policy for step Jobs (extra labels, annotations, node selectors...), applied to each
  // Job just before it is created. Empty = none.
  std::function<void(nlohmann::json& job)> decorateJob;
};

// The informer caches the reconciler reads. The Jobs store must carry the owner-UID index
// (kube::indexes::kOwnerUid).
struct MigrationCaches {
  const kube::Store& migrations;
  const kube::Store& jobs;
  const kube::Store& flclusters;
};

class ModelMigrationReconciler : public kube::Reconciler {
 public:
  ModelMigrationReconciler(const kube::Client& client, MigrationCaches caches,
                           kube::EventRecorder* events, std::shared_ptr<MigrationMetrics> metrics,
                           ReconcilerOptions options);
  kube::Result reconcile(const kube::Request& request) override;

 private:
  struct Pass;
  void writeStatus(Pass& pass);
  void ensureWorkspace(Pass& pass);
  void ensureMigrateConf(Pass& pass);
  void createJob(Pass& pass, const PartyMigration& party, const StepAttempt& attempt);
  std::vector<ObservedJob> observedJobs(Pass& pass, const PartyState& recorded);

  const kube::Client& client_;
  MigrationCaches caches_;
  kube::EventRecorder* events_;
  std::shared_ptr<MigrationMetrics> metrics_;
  ReconcilerOptions options_;
};

}  // namespace flop::modelmigration
