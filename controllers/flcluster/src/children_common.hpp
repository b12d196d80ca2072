#pragma once
// Helpers shared by the children builders (private to the library).
#include <string>

#include <nlohmann/json.hpp>

#include "flop/api/flcluster.hpp"

namespace flop::flcluster::detail {

const api::MindSporeSpec& mindspore(const api::FLCluster& cluster);
// apiVersion, kind and metadata (name, namespace, labels incl. component, ownerReferences).
nlohmann::json objectBase(const api::FLCluster& cluster, const char* apiVersion, const char* kind,
                          const std::string& name, const std::string& component);
nlohmann::json componentLabels(const api::FLCluster& cluster, const std::string& component);
nlohmann::json envVar(const api::EnvVar& var);
nlohmann::json quantity(const api::Quantity& value);
nlohmann::json resources(const api::ResourceRequirements& requirements);
nlohmann::json valueEnv(const std::string& name, const std::string& value);
nlohmann::json fieldEnv(const std::string& name, const std::string& fieldPath);
nlohmann::json configMapEnv(const std::string& name, const std::string& configMap,
                            const std::string& key);
// Container fields common to scheduler and servers: image, command, args, env (role-specific
// first, then the user's), the config volume mount.
nlohmann::json flContainer(const api::FLCluster& cluster, const std::string& image,
                           const std::optional<std::string>& pullPolicy, nlohmann::json roleEnv);

}  // namespace flop::flcluster::detail
