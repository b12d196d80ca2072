#include "flop/flcluster/fl_config.hpp"

#include <string_view>

#include "flop/error.hpp"

namespace flop::flcluster {
namespace {

constexpr std::string_view kWhere = "spec.mindspore.config";

void checkTree(const nlohmann::json& node, const std::string& path) {
  if (!node.is_object()) return;
  for (const auto& [key, value] : node.items()) {
    const auto here = path + "." + key;
    if (key.rfind("storge_", 0) == 0)
      throw InvalidInput(here, "misspelt key: MindSpore reads \"storage_" + key.substr(7) +
                                   "\" and silently ignores \"" + key +
                                   "\", which turns recovery off");
    if (key == "storage_file_path" && value.is_string()) {
      const auto file = value.get<std::string>();
      if (file == kConfigJsonPath || file == "config.json" ||
          (file.size() >= 12 && file.compare(file.size() - 12, 12, "/config.json") == 0))
        throw InvalidInput(
            here, "must not point at config.json: MindSpore overwrites it with its own state");
    }
    if (key == "storage_type" && !(value.is_number_integer() && value.get<std::int64_t>() == 1))
      throw InvalidInput(here, "must be 1 (file), the only storage type MindSpore has");
    checkTree(value, here);
  }
}

void put(nlohmann::json& out, const char* key, const auto& optional) {
  if (optional) out[key] = *optional;
}

}  // namespace

void validateConfigJson(const nlohmann::json& config) {
  if (config.is_null()) return;
  if (!config.is_object()) throw InvalidInput(std::string(kWhere), "must be an object");
  checkTree(config, std::string(kWhere));
}

nlohmann::json buildConfigJson(const api::MindSporeSpec& spec) {
  validateConfigJson(spec.config);
  nlohmann::json config = spec.config.is_object() ? spec.config : nlohmann::json::object();
  if (spec.recovery && spec.recovery->enabled) {
    // Each server has its own volume at kStateDir, so the same relative layout is per pod.
    const std::string dir = kStateDir;
    config["recovery"]["storage_type"] = 1;
    config["recovery"]["storage_file_path"] = dir + "/recovery.json";
    config["recovery"]["scheduler_storage_file_path"] = dir + "/scheduler_recovery.json";
    config["server_recovery"]["storage_type"] = 1;
    config["server_recovery"]["storage_file_path"] = dir + "/server_recovery.json";
    config["metrics"]["storage_type"] = 1;
    config["metrics"]["storage_file_path"] = dir + "/metrics.json";
  }
  return config;
}

nlohmann::json buildFlContext(const api::MindSporeSpec& spec) {
  nlohmann::json ctx{
      {"enable_fl", true},
      {"worker_num", 0},
      {"scheduler_port", spec.scheduler.port.value_or(kDefaultSchedulerPort)},
      {"fl_server_port", spec.servers.flServerPort.value_or(kDefaultFlServerPort)},
      {"scheduler_manage_port", spec.scheduler.managementPort.value_or(kDefaultManagePort)},
      {"config_file_path", kConfigJsonPath},
      {"server_mode", "FEDERATED_LEARNING"},
  };
  if (!spec.fl) return ctx;
  const auto& fl = *spec.fl;
  put(ctx, "fl_name", fl.flName);
  put(ctx, "server_mode", fl.serverMode);
  put(ctx, "start_fl_job_threshold", fl.startFLJobThreshold);
  put(ctx, "start_fl_job_time_window", fl.startFLJobTimeWindowMs);
  put(ctx, "update_model_ratio", fl.updateModelRatio);
  put(ctx, "update_model_time_window", fl.updateModelTimeWindowMs);
  put(ctx, "fl_iteration_num", fl.flIterationNum);
  put(ctx, "client_epoch_num", fl.clientEpochNum);
  put(ctx, "client_batch_size", fl.clientBatchSize);
  put(ctx, "client_learning_rate", fl.clientLearningRate);
  put(ctx, "encrypt_type", fl.encryptType);
  put(ctx, "share_secrets_ratio", fl.shareSecretsRatio);
  put(ctx, "reconstruct_secrets_threshold", fl.reconstructSecretsThreshold);
  put(ctx, "cipher_time_window", fl.cipherTimeWindowMs);
  put(ctx, "dp_eps", fl.dpEps);
  put(ctx, "dp_delta", fl.dpDelta);
  put(ctx, "dp_norm_clip", fl.dpNormClip);
  put(ctx, "enable_ssl", fl.enableSsl);
  return ctx;
}

}  // namespace flop::flcluster
