#pragma once
// A thread-safe cache of objects keyed by "ns/name", with secondary indexes.
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "flop/kube/object.hpp"

namespace flop::kube {

// Maps an object to the index values it is filed under (may be none).
using IndexFunc = std::function<std::vector<std::string>(const Json&)>;

namespace indexes {
inline constexpr const char* kNamespace = "namespace";
inline constexpr const char* kOwnerUid = "ownerUid";  // every ownerReference uid
IndexFunc byNamespace();
IndexFunc byOwnerUid();
}  // namespace indexes

// What a replace() did, so the caller can notify handlers (no lost deletes after a relist).
struct ReplaceDelta {
  std::vector<ObjectPtr> added;
  std::vector<std::pair<ObjectPtr, ObjectPtr>> updated;  // {old, new}; only changed RVs
  std::vector<ObjectPtr> deleted;
};

class Store {
 public:
  // Adds an index; existing objects are indexed at once.
  void addIndexer(const std::string& name, IndexFunc fn);

  ObjectPtr get(const std::string& key) const;
  std::vector<ObjectPtr> list() const;
  std::vector<ObjectPtr> byIndex(const std::string& index, const std::string& value) const;
  std::vector<std::string> keys() const;
  std::size_t size() const;

  // Inserts or replaces; returns the previous object (null when new).
  ObjectPtr upsert(ObjectPtr object);
  // Removes; returns the removed object (null when absent).
  ObjectPtr erase(const std::string& key);
  // Makes the objects in namespace `ns` (all objects when `ns` is empty) exactly `objects`.
  ReplaceDelta replace(const std::string& ns, std::vector<ObjectPtr> objects);

 private:
  void indexLocked(const std::string& key, const Json& object);
  void unindexLocked(const std::string& key, const Json& object);

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, ObjectPtr> objects_;
  std::map<std::string, IndexFunc> indexers_;
  // index name -> value -> keys
  std::map<std::string, std::unordered_map<std::string, std::set<std::string>>> indexes_;
};

}  // namespace flop::kube
