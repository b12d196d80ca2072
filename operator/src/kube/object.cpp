#include "flop/kube/object.hpp"

namespace flop::kube {
namespace {
std::string metadataString(const Json& object, const char* field) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return {};
  auto it = meta->find(field);
  return it != meta->end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace

std::string nameOf(const Json& object) { return metadataString(object, "name"); }
std::string namespaceOf(const Json& object) { return metadataString(object, "namespace"); }
std::string uidOf(const Json& object) { return metadataString(object, "uid"); }
std::string resourceVersionOf(const Json& object) {
  return metadataString(object, "resourceVersion");
}

std::int64_t generationOf(const Json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return 0;
  auto it = meta->find("generation");
  return it != meta->end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

ObjectKey ObjectKey::parse(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

std::optional<OwnerReference> controllerOf(const Json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return std::nullopt;
  auto refs = meta->find("ownerReferences");
  if (refs == meta->end() || !refs->is_array()) return std::nullopt;
  for (const auto& ref : *refs) {
    if (!ref.is_object() || !ref.value("controller", false)) continue;
    return OwnerReference{ref.value("apiVersion", ""), ref.value("kind", ""), ref.value("name", ""),
                          ref.value("uid", ""), true};
  }
  return std::nullopt;
}

Json makeControllerReference(const Json& owner) {
  return Json{{"apiVersion", owner.value("apiVersion", "")},
              {"kind", owner.value("kind", "")},
              {"name", nameOf(owner)},
              {"uid", uidOf(owner)},
              {"controller", true},
              {"blockOwnerDeletion", true}};
}

}  // namespace flop::kube
