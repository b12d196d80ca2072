#pragma once
// Values the operator uses for omitted fields. The CRDs deliberately carry no schema defaults
// (they would make the API server store fields Git does not hold); each field's description
// names the value below, and tests/api checks that they agree.
#include <cstdint>
#include <string_view>

#include "flop/api/federatedjob.hpp"
#include "flop/api/flcluster.hpp"

namespace flop::api::defaults {

inline constexpr std::int32_t kFateFlowPort = 9380;              // fate.flow.service.port
inline constexpr std::int32_t kSchedulerPort = 6667;             // mindspore.scheduler.port
inline constexpr std::int32_t kSchedulerManagementPort = 11202;  // .scheduler.managementPort
inline constexpr std::int32_t kFlServerPort = 6668;              // mindspore.servers.flServerPort
inline constexpr std::int32_t kScaleDeadlineSeconds = 600;  // mindspore.scaling.deadlineSeconds
inline constexpr std::string_view kOnStuck = "Wait";        // mindspore.scaling.onStuck
inline constexpr std::int32_t kBackoffLimit = 0;            // FederatedJob runPolicy.backoffLimit
inline constexpr std::string_view kDeletionPolicy = "Delete";  // FederatedJob deletionPolicy

// Number of FL servers wanted: servers.replicas, else autoscaling.minReplicas, else 1.
inline std::int32_t desired_servers(const MindSporeSpec& spec) {
  if (spec.servers.replicas) return *spec.servers.replicas;
  if (spec.autoscaling && spec.autoscaling->minReplicas) return *spec.autoscaling->minReplicas;
  return 1;
}

}  // namespace flop::api::defaults
