#pragma once
// Internal: field lists of the types shared by the three kinds (see codec.hpp).
#include <initializer_list>
#include <string_view>

#include "codec.hpp"
#include "flop/api/common.hpp"

namespace flop::api {

template <class V, detail::Is<Condition> S>
void describe(V& v, S& s) {
  v.required("type", s.type);
  v.required("status", s.status);
  v.required("reason", s.reason);
  v.required("message", s.message);
  v.required("lastTransitionTime", s.lastTransitionTime);
  v.optional("observedGeneration", s.observedGeneration);
}

template <class V, detail::Is<LocalObjectReference> S>
void describe(V& v, S& s) {
  v.required("name", s.name);
}

template <class V, detail::Is<KeySelector> S>
void describe(V& v, S& s) {
  v.required("name", s.name);
  v.required("key", s.key);
  v.optional("optional", s.optional);
}

template <class V, detail::Is<ObjectFieldSelector> S>
void describe(V& v, S& s) {
  v.required("fieldPath", s.fieldPath);
  v.optional("apiVersion", s.apiVersion);
}

template <class V, detail::Is<EnvVarSource> S>
void describe(V& v, S& s) {
  v.optional("secretKeyRef", s.secretKeyRef);
  v.optional("configMapKeyRef", s.configMapKeyRef);
  v.optional("fieldRef", s.fieldRef);
}

template <class V, detail::Is<EnvVar> S>
void describe(V& v, S& s) {
  v.required("name", s.name);
  v.optional("value", s.value);
  v.optional("valueFrom", s.valueFrom);
}

template <class V, detail::Is<ResourceRequirements> S>
void describe(V& v, S& s) {
  v.optional("limits", s.limits);
  v.optional("requests", s.requests);
}

// Role names FATE knows; a RoleMap with any other key, or without one of `required_roles`, is
// rejected.
void check_roles(const RoleMap& roles, const std::string& path,
                 std::initializer_list<std::string_view> required_roles = {});

// The metadata/spec/status envelope shared by the three kinds.
void check_kind(const nlohmann::json& j, std::string_view kind);
nlohmann::json envelope(std::string_view kind, const ObjectMeta& metadata, nlohmann::json spec,
                        nlohmann::json status);

}  // namespace flop::api
