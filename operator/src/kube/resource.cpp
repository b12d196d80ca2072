#include "flop/kube/resource.hpp"

namespace flop::kube {

std::string ResourceRef::basePath() const {
  return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
}

std::string ResourceRef::collectionPath(std::string_view ns) const {
  std::string path = basePath();
  if (namespaced && !ns.empty()) {
    path += "/namespaces/";
    path += ns;
  }
  return path + "/" + plural;
}

std::string ResourceRef::objectPath(std::string_view ns, std::string_view name,
                                    std::string_view subresource) const {
  std::string path = collectionPath(ns);
  path += "/";
  path += name;
  if (!subresource.empty()) {
    path += "/";
    path += subresource;
  }
  return path;
}

}  // namespace flop::kube
