// libFuzzer target: the Pipeline rewriter and the component converters. The input is a
// protobuf buffer; the first byte picks what it is parsed as.
#include <cstdint>
#include <string>

#include "flop/error.hpp"
#include "flop/model/converters.hpp"
#include "flop/model/message_dict.hpp"
#include "flop/model/migrate_conf.hpp"
#include "flop/model/pipeline_rewrite.hpp"
#include "pipeline.pb.h"

namespace {

const flop::model::MigrateRequest& request() {
  static const auto req = flop::model::parseMigrateRequest(
      R"({"job_parameters": {"federated_mode": "SINGLE"},
          "migrate_initiator": {"role": "guest", "party_id": 99},
          "role": {"guest": [9999], "host": [10000, 10001], "arbiter": [10000]},
          "migrate_role": {"guest": [99], "host": [100, 101], "arbiter": [100]},
          "execute_party": {"guest": [9999]}, "model_id": "m", "model_version": "v"})",
      "fuzz");
  return req;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto& req = request();
  try {
    switch (data[0] % 6) {
      case 0: {
        com::webank::ai::fate::core::mlmodel::buffer::Pipeline p;
        if (!p.ParseFromString(bytes)) return 0;
        for (auto flow :
             {flop::model::FlowGeneration::Copy15to16, flop::model::FlowGeneration::Copy17to18,
              flop::model::FlowGeneration::Db19Plus}) {
          auto copy = p;
          flop::model::rewritePipeline(copy, {&req, req.newModelId(), "v2", flow}, "fuzz");
          (void)flop::model::messageToPyJson(copy);
        }
        break;
      }
      default: {
        static const char* modules[] = {"HeteroSecureBoost", "HeteroFeatureBinning",
                                        "HeteroFeatureSelection", "HeteroPearson", "DataTransform"};
        static const char* messages[] = {"BoostingTreeModelParam", "FeatureBinningParam",
                                         "FeatureSelectionParam", "PearsonModelParam",
                                         "DataTransformParam"};
        const int k = data[0] % 6 - 1;
        auto msg = flop::model::parseBuffer(messages[k], bytes, "fuzz");
        const auto mapping = req.idMapping();
        for (auto gen : {flop::model::ConverterGeneration::Fate15to18,
                         flop::model::ConverterGeneration::Fate19Plus}) {
          auto copy = std::unique_ptr<google::protobuf::Message>(msg->New());
          copy->CopyFrom(*msg);
          flop::model::PartyRenamer renamer(mapping, gen);
          try {
            flop::model::convertParam(modules[k], *copy, renamer, "fuzz");
            (void)flop::model::messageToPyJson(*copy);
          } catch (const flop::Error&) {
          }
        }
      }
    }
  } catch (const flop::Error&) {
  }
  return 0;
}
