#pragma once
// Which API resource a call addresses, and the paths the API server expects for it.
#include <string>
#include <string_view>

namespace flop::kube {

struct ResourceRef {
  std::string group;    // "" for the core group
  std::string version;  // "v1", "v1alpha1"
  std::string plural;   // "pods", "federatedjobs"
  std::string kind;     // "Pod", "FederatedJob"
  bool namespaced = true;

  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  // "/api/v1" or "/apis/<group>/<version>"
  std::string basePath() const;
  // The collection in `ns` (all namespaces, or cluster-scoped, when ns is empty).
  std::string collectionPath(std::string_view ns) const;
  // One object, optionally a subresource ("status", "scale").
  std::string objectPath(std::string_view ns, std::string_view name,
                         std::string_view subresource = {}) const;
  // "pods", "deployments.apps": how kubectl and RBAC messages name it.
  std::string displayName() const { return group.empty() ? plural : plural + "." + group; }

  bool operator==(const ResourceRef&) const = default;
};

// Resources the runtime and controllers use; CRDs are declared by their owners the same way.
namespace resources {
inline const ResourceRef namespaces{"", "v1", "namespaces", "Namespace", false};
inline const ResourceRef pods{"", "v1", "pods", "Pod", true};
inline const ResourceRef services{"", "v1", "services", "Service", true};
inline const ResourceRef configMaps{"", "v1", "configmaps", "ConfigMap", true};
inline const ResourceRef secrets{"", "v1", "secrets", "Secret", true};
inline const ResourceRef serviceAccounts{"", "v1", "serviceaccounts", "ServiceAccount", true};
inline const ResourceRef persistentVolumeClaims{"", "v1", "persistentvolumeclaims",
                                                "PersistentVolumeClaim", true};
inline const ResourceRef events{"", "v1", "events", "Event", true};
inline const ResourceRef deployments{"apps", "v1", "deployments", "Deployment", true};
inline const ResourceRef statefulSets{"apps", "v1", "statefulsets", "StatefulSet", true};
inline const ResourceRef jobs{"batch", "v1", "jobs", "Job", true};
inline const ResourceRef leases{"coordination.k8s.io", "v1", "leases", "Lease", true};
inline const ResourceRef eventsV1{"events.k8s.io", "v1", "events", "Event", true};
inline const ResourceRef roles{"rbac.authorization.k8s.io", "v1", "roles", "Role", true};
inline const ResourceRef roleBindings{"rbac.authorization.k8s.io", "v1", "rolebindings",
                                      "RoleBinding", true};
inline const ResourceRef customResourceDefinitions{
    "apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false};
}  // namespace resources

}  // namespace flop::kube
