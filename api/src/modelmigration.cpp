#include "flop/api/modelmigration.hpp"

#include "describe_modelmigration.hpp"
#include "flop/api/names.hpp"

namespace flop::api {

void to_json(nlohmann::json& j, const ModelMigrationSpec& value) {
  j = detail::encode_value(value);
}
void from_json(const nlohmann::json& j, ModelMigrationSpec& value) {
  detail::decode_value(j, "spec", value);
}
void to_json(nlohmann::json& j, const ModelMigrationStatus& value) {
  j = detail::encode_value(value);
}
void from_json(const nlohmann::json& j, ModelMigrationStatus& value) {
  detail::decode_value(j, "status", value);
}
void to_json(nlohmann::json& j, const ModelMigration& value) {
  j = envelope(kModelMigration.kind, value.metadata, detail::encode_value(value.spec),
               detail::encode_value(value.status));
}
void from_json(const nlohmann::json& j, ModelMigration& value) {
  check_kind(j, kModelMigration.kind);
  detail::decode_value(j, "", value);
}

}  // namespace flop::api
