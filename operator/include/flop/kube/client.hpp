#pragma once
// The Kubernetes client: verbs over any resource (built-in or custom), JSON in and out.
// Failures throw ApiError (typed by reason) or http::TransportError; get() has a tryGet() twin
// for the common "may not exist" case.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "flop/cancellation.hpp"
#include "flop/http/transport.hpp"
#include "flop/kube/api_error.hpp"
#include "flop/kube/config.hpp"
#include "flop/kube/object.hpp"
#include "flop/kube/rate_limiter.hpp"
#include "flop/kube/resource.hpp"
#include "flop/kube/watch.hpp"

namespace flop::kube {

struct ListOptions {
  std::string labelSelector;
  std::string fieldSelector;
  int limit = 500;            // page size; 0 = no paging
  std::string continueToken;  // from the previous page
  std::string resourceVersion;
  // Skip items' metadata.managedFields while parsing (caches never read them; saves memory).
  bool dropManagedFields = false;
  // When set, each item is handed over as soon as it is parsed and ListPage::items stays
  // empty: a page is then never held parsed as a whole.
  std::function<void(Json&& item)> onItem;
};

struct ListPage {
  std::vector<Json> items;
  std::string resourceVersion;  // of the list (start watching from here)
  std::string continueToken;    // empty on the last page
};

struct DeleteOptions {
  std::string propagationPolicy;  // "Background", "Foreground", "Orphan" or "" (server default)
  std::optional<std::string> preconditionUid;
  std::optional<std::string> preconditionResourceVersion;
  std::optional<int> gracePeriodSeconds;
};

enum class PatchType { MergePatch, JsonPatch, StrategicMergePatch };

struct ApplyOptions {
  std::string fieldManager;  // required
  bool force = false;        // take over fields owned by other managers instead of 409
};

struct WatchOptions {
  std::string resourceVersion;
  std::string labelSelector;
  std::string fieldSelector;
  int timeoutSeconds = 300;  // server closes the watch after this; the client reconnects
  bool allowBookmarks = true;
  bool dropManagedFields = false;  // as in ListOptions
};

// Observes every request's outcome (metrics: rest_client_requests_total{code,method,host}).
// `code` is the HTTP status as text, or "<error>" when no response arrived.
using RequestObserver = std::function<void(const std::string& method, const std::string& host,
                                           const std::string& code)>;

class Client {
 public:
  Client(Config config, std::shared_ptr<http::Transport> transport, RequestObserver observer = {});

  Json get(const ResourceRef& r, const std::string& ns, const std::string& name) const;
  std::optional<Json> tryGet(const ResourceRef& r, const std::string& ns,
                             const std::string& name) const;
  ListPage list(const ResourceRef& r, const std::string& ns, const ListOptions& options = {}) const;
  // Every page; an expired continue token (410) restarts the list from the beginning.
  ListPage listAll(const ResourceRef& r, const std::string& ns,
                   const ListOptions& options = {}) const;

  // The namespace comes from the object's metadata (or is ignored for cluster-scoped kinds).
  Json create(const ResourceRef& r, const Json& object) const;
  // PUT; the object must carry metadata.resourceVersion (409 Conflict when stale).
  Json update(const ResourceRef& r, const Json& object) const;
  Json updateStatus(const ResourceRef& r, const Json& object) const;
  // Returns false when the object did not exist.
  bool remove(const ResourceRef& r, const std::string& ns, const std::string& name,
              const DeleteOptions& options = {}) const;
  Json patch(const ResourceRef& r, const std::string& ns, const std::string& name, PatchType type,
             const Json& patch, const std::string& subresource = "") const;
  // Server-side apply of the full intent in `object` (apiVersion, kind, metadata.name, ...).
  Json apply(const ResourceRef& r, const Json& object, const ApplyOptions& options) const;
  Json applyStatus(const ResourceRef& r, const Json& object, const ApplyOptions& options) const;
  // POST to a subresource (serviceaccounts/token, pods/eviction).
  Json createSubresource(const ResourceRef& r, const std::string& ns, const std::string& name,
                         const std::string& subresource, const Json& body) const;
  Json getScale(const ResourceRef& r, const std::string& ns, const std::string& name) const;
  Json scale(const ResourceRef& r, const std::string& ns, const std::string& name,
             int replicas) const;

  // Streams watch events to `onEvent` until the server ends the watch (returns normally),
  // `onEvent` returns false, or `cancel` fires (throws TransportError Cancelled). An ERROR event
  // or a non-2xx answer throws ApiError (Gone for an expired resourceVersion).
  void watch(const ResourceRef& r, const std::string& ns, const WatchOptions& options,
             const std::function<bool(WatchEvent&)>& onEvent,
             std::shared_ptr<Cancellation> cancel = nullptr) const;

  // The same client with another per-request timeout (shares the limiter and token source).
  Client withTimeout(std::chrono::milliseconds timeout) const {
    Client copy = *this;
    copy.config_.requestTimeout = timeout;
    return copy;
  }

  const Config& config() const { return config_; }
  const std::string& host() const { return host_; }

 private:
  http::Response call(http::Request request, bool retryThrottled = true) const;
  http::Request makeRequest(const std::string& method, const std::string& pathAndQuery) const;
  Json callJson(const std::string& method, const std::string& pathAndQuery, const Json* body,
                const std::string& contentType) const;
  void observe(const std::string& method, const std::string& code) const;

  Config config_;
  std::shared_ptr<http::Transport> transport_;
  RequestObserver observer_;
  std::string host_;
  std::shared_ptr<TokenSource> tokens_;
  std::shared_ptr<TokenBucket> limiter_;
};

// Percent-encodes a query parameter value.
std::string urlEncode(std::string_view value);

}  // namespace flop::kube
