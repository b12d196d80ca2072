#pragma once
// config.json and the shared set_fl_context settings of an FLCluster's MindSpore processes
// (mindspore-fl-scheduler.md §9 and §11). Validation rejects what MindSpore would silently
// accept and then ignore: the `storge_*` misspellings (recovery quietly off) and a recovery file
// pointing at config.json itself (later versions overwrite it).
#include <string>

#include <nlohmann/json.hpp>

#include "flop/api/flcluster.hpp"

namespace flop::flcluster {

// Where the operator mounts the ConfigMap and the per-server volume inside the pods.
inline constexpr const char* kConfigDir = "/etc/fl-operator";
inline constexpr const char* kConfigJsonPath = "/etc/fl-operator/config.json";
inline constexpr const char* kFlContextPath = "/etc/fl-operator/fl_context.json";
inline constexpr const char* kStateDir = "/var/lib/fl-server";

inline constexpr std::int32_t kDefaultSchedulerPort = 6667;
inline constexpr std::int32_t kDefaultFlServerPort = 6668;
inline constexpr std::int32_t kDefaultManagePort = 11202;

// Throws flop::InvalidInput naming the offending key (e.g.
// "spec.mindspore.config.recovery.storge_type").
void validateConfigJson(const nlohmann::json& config);

// The user's config plus the recovery and metrics keys when recovery is enabled. Validated.
nlohmann::json buildConfigJson(const api::MindSporeSpec& spec);

// set_fl_context keys shared by every role (snake_case, as MindSpore names them). Per-pod values
// (ms_role, node id, server_num, scheduler_ip) come from the environment.
nlohmann::json buildFlContext(const api::MindSporeSpec& spec);

}  // namespace flop::flcluster
