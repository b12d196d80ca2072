#pragma once
// FederatedJob objects for the decision tests: a three-party FATE job and a fixed clock origin.
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

#include "flop/api/conditions.hpp"
#include "flop/api/federatedjob.hpp"
#include "flop/federatedjob/decision.hpp"

namespace flop::federatedjob::testing {

inline Clock::time_point origin() { return api::parse_time("2026-03-01T10:00:00Z"); }
inline Clock::time_point at(int secondsAfterOrigin) {
  return origin() + std::chrono::seconds(secondsAfterOrigin);
}

inline api::FederatedJob fateJob(int dslVersion = 2) {
  api::FederatedJob job;
  job.metadata.name = "lr";
  job.metadata.namespace_ = "team-a";
  job.metadata.uid = "6f1c0c7e-uid";
  job.metadata.generation = 1;
  job.spec.clusterRef.name = "guest-9999";
  api::FateJobSpec fate;
  fate.dsl = {{"components", {{"reader_0", {{"module", "Reader"}}}}}};
  fate.runtimeConf = {{"dsl_version", dslVersion},
                      {"initiator", {{"role", "guest"}, {"party_id", 9999}}},
                      {"role", {{"guest", {9999}}, {"host", {10000}}, {"arbiter", {10000}}}}};
  job.spec.fate = fate;
  return job;
}

// A MindSpore FL instance on the FLCluster "ms-cluster".
inline api::FederatedJob instanceJob() {
  auto job = fateJob();
  job.metadata.name = "lenet";
  job.spec.clusterRef.name = "ms-cluster";
  job.spec.fate.reset();
  job.spec.mindspore = api::MindSporeJobSpec{{{"fl_name", "lenet"}, {"fl_iteration_num", 5}}};
  return job;
}

inline api::FederatedJob withFinalizer(api::FederatedJob job) {
  job.metadata.finalizers.push_back(std::string(kFinalizer));
  return job;
}

inline Context contextAt(Clock::time_point now) {
  Context context;
  context.now = now;
  return context;
}

// The condition of that type; a missing one fails the test with its name.
inline const api::Condition& condition(const api::FederatedJob& job, std::string_view type) {
  const auto* found = api::find_condition(job.status.conditions, type);
  if (!found) throw std::runtime_error("no condition " + std::string(type));
  return *found;
}

}  // namespace flop::federatedjob::testing
