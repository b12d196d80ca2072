#pragma once
// A thread-safe cache of objects keyed by "ns/name", with secondary indexes. Objects are kept
// compact (CBOR, see compact_object.hpp): reads hand out freshly decoded immutable snapshots.
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "flop/kube/compact_object.hpp"
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
// Compact, so that a whole relist is never held decoded at once: decode one at a time.
struct ReplaceDelta {
  std::vector<CompactPtr> added;
  std::vector<std::pair<CompactPtr, CompactPtr>> updated;  // {old, new}; only changed RVs
  std::vector<CompactPtr> deleted;
};

class Store {
 public:
  // Adds an index; existing objects are indexed at once.
  void addIndexer(const std::string& name, IndexFunc fn);

  ObjectPtr get(const std::string& key) const;
  std::vector<ObjectPtr> list() const;  // decodes every object; see snapshot()
  // Every object, still compact: for walking a large store one decoded object at a time.
  std::vector<CompactPtr> snapshot() const;
  std::vector<ObjectPtr> byIndex(const std::string& index, const std::string& value) const;
  std::vector<std::string> keys() const;
  std::size_t size() const;

  // Inserts or replaces; returns the previous object (null when new).
  ObjectPtr upsert(ObjectPtr object);
  // Removes; returns the removed object (null when absent).
  ObjectPtr erase(const std::string& key);
  // Makes the objects in namespace `ns` (all objects when `ns` is empty) exactly `objects`.
  ReplaceDelta replace(const std::string& ns, std::vector<CompactPtr> objects);

 private:
  void indexLocked(std::string_view key, const Json& object);
  void unindexLocked(std::string_view key, const Json& object);
  void putLocked(CompactPtr object);  // inserts or replaces the entry under object->key()

  mutable std::shared_mutex mutex_;
  // Keys view the objects' own key() (each entry's key is stored once).
  std::unordered_map<std::string_view, CompactPtr> objects_;
  std::map<std::string, IndexFunc> indexers_;
  // index name -> value -> keys
  std::map<std::string, std::unordered_map<std::string, std::set<std::string>>> indexes_;
};

}  // namespace flop::kube
