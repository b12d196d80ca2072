#pragma once
// Types shared by the three v1alpha1 kinds. Field names mirror the CRD schema (camelCase) so a
// reader can map C++ to YAML one to one; optional fields are std::optional and are omitted from
// JSON when empty. Free-form parts are nlohmann::json and keep every key they were given.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace flop::api {

// A FATE role name mapped to party ids, e.g. {"guest": [9999], "host": [10000]}.
// Order inside a list matters: FATE pairs old and new ids by position.
using RoleMap = std::map<std::string, std::vector<std::int64_t>>;

// Metadata of an object. Fields the operator does not use (managedFields, ownerReferences, ...)
// are kept in `other` so a read-modify-write never drops them.
struct ObjectMeta {
  std::string name;
  std::string namespace_;  // JSON key "namespace"
  std::optional<std::string> uid;
  std::optional<std::string> resourceVersion;
  std::optional<std::int64_t> generation;
  std::optional<std::string> creationTimestamp;
  std::optional<std::string> deletionTimestamp;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<std::string> finalizers;
  nlohmann::json other = nlohmann::json::object();
};

// A kstatus-style condition (metav1.Condition).
struct Condition {
  std::string type;
  std::string status;  // "True", "False" or "Unknown"
  std::string reason;
  std::string message;
  std::string lastTransitionTime;  // RFC 3339, UTC
  std::optional<std::int64_t> observedGeneration;
};

// A reference to an object in the same namespace.
struct LocalObjectReference {
  std::string name;
};

// A key of a Secret or ConfigMap in the same namespace.
struct KeySelector {
  std::string name;
  std::string key;
  std::optional<bool> optional;
};

struct ObjectFieldSelector {
  std::string fieldPath;
  std::optional<std::string> apiVersion;
};

struct EnvVarSource {
  std::optional<KeySelector> secretKeyRef;
  std::optional<KeySelector> configMapKeyRef;
  std::optional<ObjectFieldSelector> fieldRef;
};

struct EnvVar {
  std::string name;
  std::optional<std::string> value;
  std::optional<EnvVarSource> valueFrom;
};

// A resource quantity as Kubernetes accepts it: a string ("500m", "2Gi") or a number.
using Quantity = std::variant<std::int64_t, std::string>;

struct ResourceRequirements {
  std::map<std::string, Quantity> limits;
  std::map<std::string, Quantity> requests;
};

// JSON round trip for the shared types. from_json throws flop::InvalidInput naming the field.
void to_json(nlohmann::json& j, const ObjectMeta& value);
void from_json(const nlohmann::json& j, ObjectMeta& value);
void to_json(nlohmann::json& j, const Condition& value);
void from_json(const nlohmann::json& j, Condition& value);

}  // namespace flop::api
