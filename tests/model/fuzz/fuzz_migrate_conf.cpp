// libFuzzer target: the migrate conf parser (FATE's migrate_model.json, hostile input).
#include <cstdint>
#include <string>

#include "flop/error.hpp"
#include "flop/model/migrate_conf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto req = flop::model::parseMigrateRequest(text, "fuzz");
    (void)req.newModelId();
    const auto mapping = req.idMapping();
    for (auto it = req.executeParty.begin(); it != req.executeParty.end(); ++it) {
      for (const auto& id : it.value()) (void)req.newPartyId(it.key(), id.get<int64_t>());
    }
  } catch (const flop::Error&) {
  }
  return 0;
}
