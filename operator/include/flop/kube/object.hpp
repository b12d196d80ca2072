#pragma once
// Small accessors over objects held as nlohmann::json, and the namespace/name key used by
// stores and work queues ("ns/name", or "name" for cluster-scoped objects).
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace flop::kube {

using Json = nlohmann::json;
// Objects handed to handlers and readers are shared, immutable snapshots: never modified in
// place (stores keep their own compact copy, see compact_object.hpp).
using ObjectPtr = std::shared_ptr<const Json>;

std::string nameOf(const Json& object);
std::string namespaceOf(const Json& object);
std::string uidOf(const Json& object);
std::string resourceVersionOf(const Json& object);
std::int64_t generationOf(const Json& object);

struct ObjectKey {
  std::string namespace_;  // empty for cluster-scoped objects
  std::string name;

  std::string str() const { return namespace_.empty() ? name : namespace_ + "/" + name; }
  static ObjectKey parse(const std::string& key);
  static ObjectKey of(const Json& object) { return {namespaceOf(object), nameOf(object)}; }
  auto operator<=>(const ObjectKey&) const = default;
};

struct OwnerReference {
  std::string apiVersion;
  std::string kind;
  std::string name;
  std::string uid;
  bool controller = false;
};

// The ownerReference with controller=true, if any.
std::optional<OwnerReference> controllerOf(const Json& object);
// A controller ownerReference pointing at `owner` (blockOwnerDeletion set).
Json makeControllerReference(const Json& owner);

}  // namespace flop::kube
