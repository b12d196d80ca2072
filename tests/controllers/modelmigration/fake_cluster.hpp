#pragma once
// A tiny in-memory API server behind FakeTransport, for reconciler tests without a cluster:
// create (AlreadyExists on a taken name), get, list with an equality label selector, and PUT
// status with resourceVersion checks. sync() copies its objects into the informer-like Stores
// the reconciler reads, so tests control exactly when the cache catches up.
#include <map>
#include <memory>
#include <string>

#include "flop/http/fake_transport.hpp"
#include "flop/kube/client.hpp"
#include "flop/kube/store.hpp"

namespace flop::modelmigration::testing {

using Json = nlohmann::json;

class FakeCluster {
 public:
  FakeCluster() : transport_(std::make_shared<http::FakeTransport>()) {
    transport_->setHandler([this](const http::Request& r) { return handle(r); });
    kube::Config config;
    config.server = "https://fake-apiserver";
    config.qps = 0;
    client_ = std::make_unique<kube::Client>(config, transport_);
    jobs.addIndexer(kube::indexes::kOwnerUid, kube::indexes::byOwnerUid());
    migrations.addIndexer(kube::indexes::kNamespace, kube::indexes::byNamespace());
  }

  const kube::Client& client() const { return *client_; }
  http::FakeTransport& transport() { return *transport_; }

  // Puts an object as if a user applied it; returns it with uid/resourceVersion set.
  Json put(const kube::ResourceRef& r, Json object) {
    const std::string path = r.objectPath(kube::namespaceOf(object), kube::nameOf(object));
    stamp(object, path);
    objects_[path] = object;
    return object;
  }
  std::optional<Json> get(const kube::ResourceRef& r, const std::string& ns,
                          const std::string& name) const {
    auto it = objects_.find(r.objectPath(ns, name));
    return it == objects_.end() ? std::nullopt : std::optional<Json>(it->second);
  }
  std::vector<Json> list(const kube::ResourceRef& r, const std::string& ns) const {
    std::vector<Json> out;
    const std::string prefix = r.collectionPath(ns) + "/";
    for (const auto& [path, object] : objects_) {
      if (path.rfind(prefix, 0) == 0 && path.find('/', prefix.size()) == std::string::npos) {
        out.push_back(object);
      }
    }
    return out;
  }
  void remove(const kube::ResourceRef& r, const std::string& ns, const std::string& name) {
    objects_.erase(r.objectPath(ns, name));
  }
  // Simulates the Job controller and kubelet: the Job finishes and its pod carries the
  // termination message.
  void finishJob(const std::string& ns, const std::string& name, bool succeeded,
                 const std::string& terminationMessage,
                 const std::string& failureReason = "BackoffLimitExceeded") {
    const std::string path = kube::resources::jobs.objectPath(ns, name);
    Json& job = objects_.at(path);
    job["status"]["startTime"] = "2026-11-24T06:00:00Z";
    job["status"]["conditions"] =
        Json::array({{{"type", succeeded ? "Complete" : "Failed"},
                      {"status", "True"},
                      {"reason", succeeded ? "" : failureReason},
                      {"message", succeeded ? "" : "Job has reached the specified backoff limit"},
                      {"lastTransitionTime", "2026-11-24T06:00:20Z"}}});
    if (succeeded) job["status"]["completionTime"] = "2026-11-24T06:00:20Z";
    bump(job);
    Json pod = {
        {"apiVersion", "v1"},
        {"kind", "Pod"},
        {"metadata",
         {{"name", name + "-pod"},
          {"namespace", ns},
          {"labels", {{"job-name", name}}},
          {"creationTimestamp", "2026-11-24T06:00:00Z"}}},
        {"status",
         {{"containerStatuses", Json::array({{{"name", "fl-model"},
                                              {"state",
                                               {{"terminated",
                                                 {{"exitCode", succeeded ? 0 : 1},
                                                  {"message", terminationMessage}}}}}}})}}}};
    put(kube::resources::pods, pod);
  }

  void sync() {
    refill(migrations, "/apis/federatedlearning.dev/v1alpha1/", "modelmigrations");
    refill(jobs, "/apis/batch/v1/", "jobs");
    refill(flclusters, "/apis/federatedlearning.dev/v1alpha1/", "flclusters");
  }

  std::size_t writes(const std::string& method) const {
    return transport_->requests(method).size();
  }

  kube::Store migrations;
  kube::Store jobs;
  kube::Store flclusters;

 private:
  void refill(kube::Store& store, const std::string& apiPrefix, const std::string& plural) {
    std::vector<kube::CompactPtr> items;
    for (const auto& [path, object] : objects_) {
      if (path.rfind(apiPrefix, 0) == 0 && path.find("/" + plural + "/") != std::string::npos) {
        items.push_back(kube::compact(object));
      }
    }
    store.replace("", std::move(items));
  }

  void stamp(Json& object, const std::string& path) {
    auto& meta = object["metadata"];
    if (!meta.contains("uid")) meta["uid"] = "uid-" + std::to_string(++uidCounter_);
    if (!meta.contains("generation")) meta["generation"] = 1;
    if (!meta.contains("creationTimestamp")) meta["creationTimestamp"] = "2026-11-24T05:59:00Z";
    (void)path;
    bump(object);
  }
  void bump(Json& object) {
    object["metadata"]["resourceVersion"] = std::to_string(++resourceVersion_);
  }

  static bool matchesSelector(const Json& object, const std::string& selector) {
    std::size_t start = 0;
    while (start < selector.size()) {
      const auto end = selector.find(',', start);
      const std::string term = selector.substr(start, end - start);
      const auto eq = term.find('=');
      const Json labels = object.value("/metadata/labels"_json_pointer, Json::object());
      if (!labels.contains(term.substr(0, eq)) ||
          labels[term.substr(0, eq)] != term.substr(eq + 1)) {
        return false;
      }
      if (end == std::string::npos) break;
      start = end + 1;
    }
    return true;
  }

  static std::string urlDecode(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '%' && i + 2 < text.size()) {
        out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += text[i] == '+' ? ' ' : text[i];
      }
    }
    return out;
  }

  std::optional<http::Response> handle(const http::Request& request) {
    using http::FakeTransport;
    const std::string path = FakeTransport::pathOf(request.url);
    if (request.method == "POST") {
      if (path.ends_with("/events")) return FakeTransport::json(201, Json::parse(request.body));
      Json object = Json::parse(request.body);
      const std::string objectPath = path + "/" + kube::nameOf(object);
      if (objects_.count(objectPath)) {
        return FakeTransport::status(409, "AlreadyExists",
                                     kube::nameOf(object) + " already exists");
      }
      stamp(object, objectPath);
      objects_[objectPath] = object;
      return FakeTransport::json(201, object);
    }
    if (request.method == "PUT" && path.ends_with("/status")) {
      const std::string objectPath = path.substr(0, path.size() - std::string("/status").size());
      auto it = objects_.find(objectPath);
      if (it == objects_.end()) return FakeTransport::status(404, "NotFound", objectPath);
      const Json body = Json::parse(request.body);
      if (body["metadata"].value("resourceVersion", "") !=
          it->second["metadata"]["resourceVersion"]) {
        return FakeTransport::status(409, "Conflict", "the object has been modified");
      }
      it->second["status"] = body.value("status", Json::object());
      bump(it->second);
      return FakeTransport::json(200, it->second);
    }
    if (request.method == "GET") {
      if (auto it = objects_.find(path); it != objects_.end()) {
        return FakeTransport::json(200, it->second);
      }
      const std::string selector =
          urlDecode(FakeTransport::queryParam(request.url, "labelSelector").value_or(""));
      Json items = Json::array();
      for (const auto& [objectPath, object] : objects_) {
        if (objectPath.rfind(path + "/", 0) == 0 &&
            objectPath.find('/', path.size() + 1) == std::string::npos &&
            matchesSelector(object, selector)) {
          items.push_back(object);
        }
      }
      return FakeTransport::json(
          200, {{"kind", "List"}, {"items", items}, {"metadata", {{"resourceVersion", "1"}}}});
    }
    return std::nullopt;
  }

  std::shared_ptr<http::FakeTransport> transport_;
  std::unique_ptr<kube::Client> client_;
  std::map<std::string, Json> objects_;
  int uidCounter_ = 0;
  int resourceVersion_ = 0;
};

}  // namespace flop::modelmigration::testing
