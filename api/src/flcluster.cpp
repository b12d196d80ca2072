#include "flop/api/flcluster.hpp"

#include "describe_flcluster.hpp"
#include "flop/api/names.hpp"

namespace flop::api {

void to_json(nlohmann::json& j, const FLClusterSpec& value) { j = detail::encode_value(value); }
void from_json(const nlohmann::json& j, FLClusterSpec& value) {
  detail::decode_value(j, "spec", value);
}
void to_json(nlohmann::json& j, const FLClusterStatus& value) { j = detail::encode_value(value); }
void from_json(const nlohmann::json& j, FLClusterStatus& value) {
  detail::decode_value(j, "status", value);
}
void to_json(nlohmann::json& j, const FLCluster& value) {
  j = envelope(kFLCluster.kind, value.metadata, detail::encode_value(value.spec),
               detail::encode_value(value.status));
}
void from_json(const nlohmann::json& j, FLCluster& value) {
  check_kind(j, kFLCluster.kind);
  detail::decode_value(j, "", value);
}

}  // namespace flop::api
