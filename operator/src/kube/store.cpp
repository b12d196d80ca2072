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

void Store::addIndexer(const std::string& name, IndexFunc fn) {
  std::unique_lock lock(mutex_);
  indexers_[name] = std::move(fn);
  auto& index = indexes_[name];
  index.clear();
  for (const auto& [key, object] : objects_)
    for (auto& value : indexers_[name](*object)) index[value].insert(key);
}

ObjectPtr Store::get(const std::string& key) const {
  std::shared_lock lock(mutex_);
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Store::list() const {
  std::shared_lock lock(mutex_);
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) out.push_back(object);
  return out;
}

std::vector<ObjectPtr> Store::byIndex(const std::string& index, const std::string& value) const {
  std::shared_lock lock(mutex_);
  std::vector<ObjectPtr> out;
  auto idx = indexes_.find(index);
  if (idx == indexes_.end()) return out;
  auto keys = idx->second.find(value);
  if (keys == idx->second.end()) return out;
  for (const auto& key : keys->second) out.push_back(objects_.at(key));
  return out;
}

std::vector<std::string> Store::keys() const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) out.push_back(key);
  return out;
}

std::size_t Store::size() const {
  std::shared_lock lock(mutex_);
  return objects_.size();
}

void Store::indexLocked(const std::string& key, const Json& object) {
  for (const auto& [name, fn] : indexers_)
    for (auto& value : fn(object)) indexes_[name][value].insert(key);
}

void Store::unindexLocked(const std::string& key, const Json& object) {
  for (const auto& [name, fn] : indexers_) {
    auto& index = indexes_[name];
    for (auto& value : fn(object)) {
      auto it = index.find(value);
      if (it == index.end()) continue;
      it->second.erase(key);
      if (it->second.empty()) index.erase(it);
    }
  }
}

ObjectPtr Store::upsert(ObjectPtr object) {
  const std::string key = ObjectKey::of(*object).str();
  std::unique_lock lock(mutex_);
  ObjectPtr old;
  auto it = objects_.find(key);
  if (it != objects_.end()) {
    old = it->second;
    unindexLocked(key, *old);
    it->second = object;
  } else {
    objects_.emplace(key, object);
  }
  indexLocked(key, *object);
  return old;
}

ObjectPtr Store::erase(const std::string& key) {
  std::unique_lock lock(mutex_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  ObjectPtr old = it->second;
  unindexLocked(key, *old);
  objects_.erase(it);
  return old;
}

ReplaceDelta Store::replace(const std::string& ns, std::vector<ObjectPtr> objects) {
  ReplaceDelta delta;
  std::unique_lock lock(mutex_);
  std::unordered_set<std::string> incoming;
  incoming.reserve(objects.size());
  std::vector<std::string> keys;
  keys.reserve(objects.size());
  for (const auto& object : objects) {
    keys.push_back(ObjectKey::of(*object).str());
    incoming.insert(keys.back());
  }

  // Deletes first: everything in scope that the server no longer has.
  for (auto it = objects_.begin(); it != objects_.end();) {
    if ((ns.empty() || namespaceOf(*it->second) == ns) && !incoming.count(it->first)) {
      unindexLocked(it->first, *it->second);
      delta.deleted.push_back(it->second);
      it = objects_.erase(it);
    } else {
      ++it;
    }
  }
  // Then adds and changes, in the server's order.
  for (std::size_t i = 0; i < objects.size(); ++i) {
    const std::string& key = keys[i];
    ObjectPtr& object = objects[i];
    auto it = objects_.find(key);
    if (it == objects_.end()) {
      indexLocked(key, *object);
      delta.added.push_back(object);
      objects_.emplace(key, std::move(object));
    } else {
      ObjectPtr old = it->second;
      unindexLocked(key, *old);
      indexLocked(key, *object);
      it->second = object;
      if (resourceVersionOf(*old) != resourceVersionOf(*object))
        delta.updated.emplace_back(std::move(old), std::move(object));
    }
  }
  return delta;
}

}  // namespace flop::kube
