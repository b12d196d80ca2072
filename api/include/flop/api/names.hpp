#pragma once
// Names of the API (group, kinds, plurals), the labels the operator puts on children, and
// helpers that build valid Kubernetes names and FATE model ids.
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>

#include "flop/api/common.hpp"

namespace flop::api {

inline constexpr std::string_view kGroup = "federatedlearning.dev";
inline constexpr std::string_view kVersion = "v1alpha1";
inline constexpr std::string_view kApiVersion = "federatedlearning.dev/v1alpha1";

struct KindInfo {
  std::string_view kind;
  std::string_view plural;
  std::string_view shortName;
};
inline constexpr KindInfo kFLCluster{"FLCluster", "flclusters", "flc"};
inline constexpr KindInfo kFederatedJob{"FederatedJob", "federatedjobs", "fj"};
inline constexpr KindInfo kModelMigration{"ModelMigration", "modelmigrations", "mm"};

namespace label {
inline constexpr std::string_view kManagedBy = "app.kubernetes.io/managed-by";
inline constexpr std::string_view kManagedByValue = "fl-operator";
inline constexpr std::string_view kName = "app.kubernetes.io/name";
inline constexpr std::string_view kInstance = "app.kubernetes.io/instance";
inline constexpr std::string_view kComponent = "app.kubernetes.io/component";
inline constexpr std::string_view kOwnerKind = "federatedlearning.dev/owner-kind";
inline constexpr std::string_view kOwnerName = "federatedlearning.dev/owner-name";
inline constexpr std::string_view kStep = "federatedlearning.dev/step";
inline constexpr std::string_view kRole = "federatedlearning.dev/role";
inline constexpr std::string_view kParty = "federatedlearning.dev/party";
inline constexpr std::string_view kAttempt = "federatedlearning.dev/attempt";
}  // namespace label

// Labels every child of an owner carries; selecting on them finds exactly its children.
std::map<std::string, std::string> owner_labels(const KindInfo& kind, std::string_view owner_name);
// "k1=v1,k2=v2" (sorted by key) — the string form the scale subresource's selector needs.
std::string selector_string(const std::map<std::string, std::string>& labels);

bool is_dns1123_label(std::string_view name);      // <= 63, [a-z0-9-], alnum at both ends
bool is_dns1123_subdomain(std::string_view name);  // <= 253, labels joined by '.'
bool is_label_value(std::string_view value);       // <= 63, [A-Za-z0-9-_.], alnum at both ends

// A DNS-1123 label made of the non-empty parts joined by '-'. Invalid characters become '-'.
// When characters were replaced or the result would exceed `max_length` (clamped to 10..63), it
// is cut and a hash of the original input is appended, so distinct inputs keep distinct names
// and the same input always gives the same name.
std::string child_name(std::initializer_list<std::string_view> parts, std::size_t max_length = 63);

// Name of the Job running one migration step for one party and attempt.
std::string migration_step_job_name(std::string_view migration, std::string_view step,
                                    std::string_view role, std::int64_t party_id,
                                    std::int32_t attempt);

// FATE's federation-wide model id for a role map (gen_model_id): roles sorted, ids per role sorted
// and de-duplicated: {"guest":[99],"host":[100],"arbiter":[100]} ->
// "arbiter-100#guest-99#host-100#model". An empty map gives "all#model".
std::string fate_model_id(const RoleMap& roles);
// "{role}#{party_id}#{model_id}", the directory name of one party's copy in model_local_cache.
std::string fate_party_model_id(std::string_view role, std::int64_t party_id,
                                std::string_view model_id);

}  // namespace flop::api
