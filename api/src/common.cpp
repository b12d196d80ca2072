#include <set>

#include "describe_common.hpp"
#include "flop/api/names.hpp"

namespace flop::api {

using detail::Decoder;
using detail::Encoder;
using nlohmann::json;

namespace {
// Keys of ObjectMeta that have C++ fields; everything else stays in ObjectMeta::other.
const std::set<std::string>& typed_meta_keys() {
  static const std::set<std::string> keys{
      "name",   "namespace",   "uid",        "resourceVersion",   "generation",
      "labels", "annotations", "finalizers", "creationTimestamp", "deletionTimestamp"};
  return keys;
}
}  // namespace

void to_json(json& j, const ObjectMeta& value) { j = detail::encode_value(value); }

void from_json(const json& j, ObjectMeta& value) { detail::decode_value(j, "metadata", value); }

void to_json(json& j, const Condition& value) { j = detail::encode_value(value); }
void from_json(const json& j, Condition& value) { detail::decode_value(j, "condition", value); }

void check_roles(const RoleMap& roles, const std::string& path,
                 std::initializer_list<std::string_view> required_roles) {
  for (const auto& [role, ids] : roles) {
    if (role != "guest" && role != "host" && role != "arbiter") {
      throw InvalidInput(detail::join_path(path, role),
                         "unknown role (expected guest, host or arbiter)");
    }
  }
  for (std::string_view role : required_roles) {
    if (!roles.contains(std::string(role))) {
      throw InvalidInput(detail::join_path(path, std::string(role)), "is required");
    }
  }
}

void check_kind(const json& j, std::string_view kind) {
  if (!j.is_object()) throw InvalidInput(std::string(kind), "must be an object");
  if (auto it = j.find("kind");
      it != j.end() && !(it->is_string() && it->get<std::string>() == kind)) {
    throw InvalidInput("kind", "expected " + std::string(kind) + ", got " + it->dump());
  }
  if (auto it = j.find("apiVersion");
      it != j.end() && !(it->is_string() && it->get<std::string>() == kApiVersion)) {
    throw InvalidInput("apiVersion",
                       "expected " + std::string(kApiVersion) + ", got " + it->dump());
  }
}

json envelope(std::string_view kind, const ObjectMeta& metadata, json spec, json status) {
  json j{{"apiVersion", kApiVersion},
         {"kind", kind},
         {"metadata", metadata},
         {"spec", std::move(spec)}};
  if (status.is_object() && !status.empty()) j["status"] = std::move(status);
  return j;
}

}  // namespace flop::api

namespace flop::api::detail {

json encode_value(const ObjectMeta& value) {
  json j = value.other.is_object() ? value.other : json::object();
  Encoder e;
  if (!value.name.empty()) e.required("name", value.name);
  if (!value.namespace_.empty()) e.required("namespace", value.namespace_);
  e.optional("uid", value.uid);
  e.optional("resourceVersion", value.resourceVersion);
  e.optional("generation", value.generation);
  e.optional("creationTimestamp", value.creationTimestamp);
  e.optional("deletionTimestamp", value.deletionTimestamp);
  e.optional("labels", value.labels);
  e.optional("annotations", value.annotations);
  e.optional("finalizers", value.finalizers);
  j.update(e.take());
  return j;
}

void decode_value(const json& j, const std::string& path, ObjectMeta& out) {
  Decoder d(j, path);
  out = ObjectMeta{};
  d.optional("name", out.name);
  d.optional("namespace", out.namespace_);
  d.optional("uid", out.uid);
  d.optional("resourceVersion", out.resourceVersion);
  d.optional("generation", out.generation);
  d.optional("creationTimestamp", out.creationTimestamp);
  d.optional("deletionTimestamp", out.deletionTimestamp);
  d.optional("labels", out.labels);
  d.optional("annotations", out.annotations);
  d.optional("finalizers", out.finalizers);
  out.other = json::object();
  for (const auto& [key, item] : j.items()) {
    if (!typed_meta_keys().contains(key)) out.other[key] = item;
  }
}

}  // namespace flop::api::detail
