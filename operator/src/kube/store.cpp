#include "flop/kube/store.hpp"

#include <unordered_set>

namespace flop::kube {

namespace indexes {
IndexFunc byNamespace() {
  return [](const Json& o) {
    auto ns = namespaceOf(o);
    return ns.empty() ? std::vector<std::string>{} : std::vector<std::string>{ns};
  };
}
IndexFunc byOwnerUid() {
  return [](const Json& o) {
    std::vector<std::string> uids;
    auto meta = o.find("metadata");
    if (meta == o.end() || !meta->is_object()) return uids;
    auto refs = meta->find("ownerReferences");
    if (refs == meta->end() || !refs->is_array()) return uids;
    for (const auto& ref : *refs)
      if (ref.is_object() && ref.contains("uid")) uids.push_back(ref.value("uid", ""));
    return uids;
  };
}
}  // namespace indexes

namespace {
// The namespace part of a store key ("" for cluster-scoped objects).
std::string_view namespaceOfKey(std::string_view key) {
  auto slash = key.find('/');
  return slash == std::string_view::npos ? std::string_view() : key.substr(0, slash);
}
}  // namespace

void Store::addIndexer(const std::string& name, IndexFunc fn) {
  std::unique_lock lock(mutex_);
  indexers_[name] = std::move(fn);
  auto& index = indexes_[name];
  index.clear();
  for (const auto& [key, object] : objects_)
    for (auto& value : indexers_[name](object->json())) index[value].emplace(object->key());
}

ObjectPtr Store::get(const std::string& key) const {
  CompactPtr found;
  {
    std::shared_lock lock(mutex_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return nullptr;
    found = it->second;
  }
  return found->decode();
}

std::vector<CompactPtr> Store::snapshot() const {
  std::shared_lock lock(mutex_);
  std::vector<CompactPtr> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) out.push_back(object);
  return out;
}

std::vector<ObjectPtr> Store::list() const {
  std::vector<ObjectPtr> out;
  for (const auto& object : snapshot()) out.push_back(object->decode());
  return out;
}

std::vector<ObjectPtr> Store::byIndex(const std::string& index, const std::string& value) const {
  std::vector<CompactPtr> found;
  {
    std::shared_lock lock(mutex_);
    auto idx = indexes_.find(index);
    if (idx == indexes_.end()) return {};
    auto keys = idx->second.find(value);
    if (keys == idx->second.end()) return {};
    for (const auto& key : keys->second) found.push_back(objects_.at(key));
  }
  std::vector<ObjectPtr> out;
  out.reserve(found.size());
  for (const auto& object : found) out.push_back(object->decode());
  return out;
}

std::vector<std::string> Store::keys() const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) out.emplace_back(key);
  return out;
}

std::size_t Store::size() const {
  std::shared_lock lock(mutex_);
  return objects_.size();
}

void Store::indexLocked(std::string_view key, const Json& object) {
  for (const auto& [name, fn] : indexers_)
    for (auto& value : fn(object)) indexes_[name][value].emplace(key);
}

void Store::unindexLocked(std::string_view key, const Json& object) {
  for (const auto& [name, fn] : indexers_) {
    auto& index = indexes_[name];
    for (auto& value : fn(object)) {
      auto it = index.find(value);
      if (it == index.end()) continue;
      it->second.erase(std::string(key));
      if (it->second.empty()) index.erase(it);
    }
  }
}

void Store::putLocked(CompactPtr object) {
  // The map's key views the stored object's key, so a replaced entry is re-keyed too.
  objects_.erase(object->key());
  std::string_view key = object->key();
  objects_.emplace(key, std::move(object));
}

ObjectPtr Store::upsert(ObjectPtr object) {
  CompactPtr incoming = compact(*object);
  const std::string_view key = incoming->key();
  std::unique_lock lock(mutex_);
  ObjectPtr old;
  if (auto it = objects_.find(key); it != objects_.end()) {
    old = it->second->decode();
    unindexLocked(key, *old);
  }
  indexLocked(key, *object);
  putLocked(std::move(incoming));
  return old;
}

ObjectPtr Store::erase(const std::string& key) {
  std::unique_lock lock(mutex_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  ObjectPtr old = it->second->decode();
  unindexLocked(key, *old);
  objects_.erase(it);
  return old;
}

ReplaceDelta Store::replace(const std::string& ns, std::vector<CompactPtr> objects) {
  ReplaceDelta delta;
  std::unique_lock lock(mutex_);
  std::unordered_set<std::string_view> incoming;
  incoming.reserve(objects.size());
  for (const auto& object : objects) incoming.insert(object->key());

  // Deletes first: everything in scope that the server no longer has.
  for (auto it = objects_.begin(); it != objects_.end();) {
    if ((ns.empty() || namespaceOfKey(it->first) == ns) && !incoming.count(it->first)) {
      if (!indexers_.empty()) unindexLocked(it->second->key(), it->second->json());
      delta.deleted.push_back(it->second);
      it = objects_.erase(it);
    } else {
      ++it;
    }
  }
  // Then adds and changes, in the server's order. An unchanged resourceVersion is the same
  // object: the stored entry stays.
  for (auto& object : objects) {
    auto it = objects_.find(object->key());
    if (it == objects_.end()) {
      if (!indexers_.empty()) indexLocked(object->key(), object->json());
      delta.added.push_back(object);
    } else if (it->second->resourceVersion() != object->resourceVersion()) {
      if (!indexers_.empty()) {
        unindexLocked(object->key(), it->second->json());
        indexLocked(object->key(), object->json());
      }
      delta.updated.emplace_back(it->second, object);
    } else {
      continue;
    }
    putLocked(std::move(object));
  }
  return delta;
}

}  // namespace flop::kube
