#include "flop/api/federatedjob.hpp"

#include "describe_federatedjob.hpp"
#include "flop/api/names.hpp"

namespace flop::api {

void to_json(nlohmann::json& j, const FederatedJobSpec& value) { j = detail::encode_value(value); }
void from_json(const nlohmann::json& j, FederatedJobSpec& value) {
  detail::decode_value(j, "spec", value);
}
void to_json(nlohmann::json& j, const FederatedJobStatus& value) {
  j = detail::encode_value(value);
}
void from_json(const nlohmann::json& j, FederatedJobStatus& value) {
  detail::decode_value(j, "status", value);
}
void to_json(nlohmann::json& j, const FederatedJob& value) {
  j = envelope(kFederatedJob.kind, value.metadata, detail::encode_value(value.spec),
               detail::encode_value(value.status));
}
void from_json(const nlohmann::json& j, FederatedJob& value) {
  check_kind(j, kFederatedJob.kind);
  detail::decode_value(j, "", value);
}

}  // namespace flop::api
