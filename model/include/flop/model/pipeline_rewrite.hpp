#pragma once
// Rewrites the Pipeline message for new party ids as FATE-Flow does (fate-model-format.md §8).
#include <string>

#include "flop/model/migrate_conf.hpp"

namespace com::webank::ai::fate::core::mlmodel::buffer {
class Pipeline;
}

namespace flop::model {

// Which FATE-Flow migration algorithm to reproduce.
enum class FlowGeneration {
  Copy15to16,  // FATE 1.5.1-1.6.x: copy design, no `common` added
  Copy17to18,  // FATE-Flow 1.7/1.8: copy design, `"common": {}` added, run_parameters emptied
  Db19Plus,    // FATE-Flow 1.9-1.11: DB driven; roles and runtime_conf_on_party rewritten too
};

// FATE's compare_version(v, target) > 0 (quirks included: only major >= is checked).
// Throws flop::InvalidInput for versions that are not dotted integers.
bool versionGreater(const std::string& version, const std::string& target);

struct PipelineTarget {
  const MigrateRequest* request = nullptr;
  std::string newModelId;
  std::string newModelVersion;
  FlowGeneration flow = FlowGeneration::Db19Plus;
};

void rewritePipeline(com::webank::ai::fate::core::mlmodel::buffer::Pipeline& pipeline,
                     const PipelineTarget& target, const std::string& where);

}  // namespace flop::model
