#pragma once
// List+watch into a Store, with event handlers. One reflector per watched namespace (or one for
// all) keeps the store converged with the server across disconnects, API server restarts and
// compaction (410 -> relist; objects missing from the relist are delivered as deletes).
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "flop/cancellation.hpp"
#include "flop/kube/client.hpp"
#include "flop/kube/store.hpp"

namespace flop::kube {

struct EventHandler {
  std::function<void(const ObjectPtr&)> onAdd;
  std::function<void(const ObjectPtr& oldObject, const ObjectPtr& newObject)> onUpdate;
  std::function<void(const ObjectPtr&)> onDelete;
};

struct InformerOptions {
  std::vector<std::string> namespaces;  // empty = all namespaces (or cluster-scoped)
  std::string labelSelector;
  std::string fieldSelector;
  int pageSize = 500;
  // Handlers get onUpdate(obj, obj) for every cached object this often (0 = never).
  std::chrono::milliseconds resyncPeriod{0};
  // Dropping metadata.managedFields roughly halves the cache (nothing reads them).
  bool stripManagedFields = true;
  // Cache and deliver only apiVersion, kind and metadata (spec, status, data... are dropped),
  // for informers whose users only map events by name, labels or owners. Saves most of the
  // memory for large kinds such as Pods.
  bool metadataOnly = false;
  // Watch requests ask the server to close after a random time in [min, max] (spreads load).
  std::chrono::seconds minWatchTimeout{240};
  std::chrono::seconds maxWatchTimeout{300};
  std::chrono::milliseconds initialBackoff{200};
  std::chrono::milliseconds maxBackoff{30'000};
};

class Informer {
 public:
  Informer(const Client& client, ResourceRef resource, InformerOptions options = {});
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Handlers added after the start get the current contents as adds first.
  void addEventHandler(EventHandler handler);
  void addIndexer(const std::string& name, IndexFunc fn) { store_.addIndexer(name, std::move(fn)); }
  const Store& store() const { return store_; }
  // Turns metadataOnly off, for a user that reads whole objects (before start() only).
  void keepWholeObjects();
  const ResourceRef& resource() const { return resource_; }
  const std::string& labelSelector() const { return options_.labelSelector; }

  void start();
  void stop();  // cancels the watches and joins; idempotent
  bool hasSynced() const;
  // Blocks until synced, `stop` fires or `timeout` passes; returns hasSynced().
  bool waitForSync(const Cancellation& stop, std::chrono::milliseconds timeout) const;

  // Counters for tests and benchmarks.
  std::uint64_t lists() const { return lists_.load(); }
  std::uint64_t watches() const { return watches_.load(); }

 private:
  struct Reflector;
  void runReflector(Reflector& reflector);
  void listAndReplace(Reflector& reflector);
  void watchOnce(Reflector& reflector);
  void apply(WatchEvent& event, Reflector& reflector);
  void runResync();
  void transform(Json& object) const;
  void dispatchAdd(const ObjectPtr& o);
  void dispatchUpdate(const ObjectPtr& a, const ObjectPtr& b);
  void dispatchDelete(const ObjectPtr& o);

  const Client& client_;
  ResourceRef resource_;
  InformerOptions options_;
  Store store_;
  std::mutex handlersMutex_;  // serialises delivery and registration
  std::vector<EventHandler> handlers_;
  std::vector<std::unique_ptr<Reflector>> reflectors_;
  std::shared_ptr<Cancellation> stop_ = std::make_shared<Cancellation>();
  std::vector<std::thread> threads_;
  std::atomic<std::uint64_t> lists_{0}, watches_{0};
  std::atomic<bool> started_{false};
};

// What a user of a shared informer reads from its objects. An informer caches whole objects as
// soon as one of its users needs them.
enum class CachedFields { WholeObjects, MetadataOnly };

// Shares one informer per (resource, label selector) among controllers. A label selector narrows
// a large kind (Pods) to the objects one controller owns, so it can cache them whole.
class InformerFactory {
 public:
  InformerFactory(const Client& client, InformerOptions defaults = {})
      : client_(client), defaults_(std::move(defaults)) {}
  Informer& informerFor(const ResourceRef& resource,
                        CachedFields fields = CachedFields::WholeObjects,
                        const std::string& labelSelector = {});
  void startAll();
  void stopAll();
  bool allSynced() const;
  bool waitForSync(const Cancellation& stop, std::chrono::milliseconds timeout) const;

 private:
  const Client& client_;
  InformerOptions defaults_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Informer>> informers_;
  bool started_ = false;
};

}  // namespace flop::kube
