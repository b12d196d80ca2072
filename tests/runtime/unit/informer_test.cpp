// Informer over FakeTransport: list+watch, bookmarks, 410 -> relist with no lost deletes,
// reconnect after transport errors from the last resourceVersion, handlers and resync.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>

#include "flop/http/fake_transport.hpp"
#include "flop/kube/informer.hpp"

using namespace std::chrono_literals;
using flop::http::FakeTransport;
using flop::kube::Json;
using flop::kube::ObjectPtr;
namespace resources = flop::kube::resources;

namespace {

const std::string kPath = "/api/v1/namespaces/ns/configmaps";

Json item(const std::string& name, const std::string& rv) {
  return {{"metadata",
           {{"name", name},
            {"namespace", "ns"},
            {"resourceVersion", rv},
            {"managedFields", Json::array({{{"manager", "kubectl"}}})}}}};
}

flop::http::Response listOf(std::vector<Json> items, const std::string& rv) {
  return FakeTransport::json(
      200,
      Json{{"kind", "ConfigMapList"}, {"metadata", {{"resourceVersion", rv}}}, {"items", items}});
}

std::string line(const std::string& type, const Json& object) {
  return Json{{"type", type}, {"object", object}}.dump() + "\n";
}

flop::kube::Config config() {
  flop::kube::Config c;
  c.server = "https://api:6443";
  c.qps = 0;
  return c;
}

flop::kube::InformerOptions fastOptions() {
  flop::kube::InformerOptions o;
  o.namespaces = {"ns"};
  o.initialBackoff = 1ms;
  o.maxBackoff = 5ms;
  return o;
}

// Records handler calls as "add a", "update a 2", "delete a".
struct Recorder {
  std::mutex mutex;
  std::vector<std::string> calls;
  flop::kube::EventHandler handler() {
    auto rec = [this](std::string s) {
      std::lock_guard lock(mutex);
      calls.push_back(std::move(s));
    };
    return {[rec](const ObjectPtr& o) { rec("add " + flop::kube::nameOf(*o)); },
            [rec](const ObjectPtr&, const ObjectPtr& o) {
              rec("update " + flop::kube::nameOf(*o) + " " + flop::kube::resourceVersionOf(*o));
            },
            [rec](const ObjectPtr& o) { rec("delete " + flop::kube::nameOf(*o)); }};
  }
  std::vector<std::string> snapshot() {
    std::lock_guard lock(mutex);
    return calls;
  }
};

std::vector<std::string> sortedKeys(const flop::kube::Store& store) {
  auto keys = store.keys();
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace

TEST(Informer, ConvergesAcrossWatchEndGoneAndRelistWithoutLosingDeletes) {
  auto fake = std::make_shared<FakeTransport>();
  fake->enqueue("GET", kPath, listOf({item("a", "8"), item("b", "9")}, "10"));
  fake->enqueueStream("GET", kPath,
                      {line("ADDED", item("c", "11")), line("DELETED", item("a", "12")),
                       line("BOOKMARK", Json{{"metadata", {{"resourceVersion", "13"}}}})});
  // The watch from 13 is refused as too old (compaction): relist. While we were away, c was
  // deleted and d created; b changed.
  fake->enqueueStream(
      "GET", kPath,
      {line("ERROR", Json{{"kind", "Status"}, {"code", 410}, {"reason", "Expired"}})});
  fake->enqueue("GET", kPath, listOf({item("b", "15"), item("d", "16")}, "20"));
  flop::kube::Client client(config(), fake);
  flop::kube::Informer informer(client, resources::configMaps, fastOptions());
  Recorder recorder;
  informer.addEventHandler(recorder.handler());
  informer.start();
  flop::Cancellation never;
  ASSERT_TRUE(informer.waitForSync(never, 5s));
  // Wait until the last watch (from the relist's resourceVersion) is open.
  for (int i = 0; i < 500 && informer.lists() < 2; ++i) std::this_thread::sleep_for(2ms);
  ASSERT_TRUE(fake->waitForRequests(5, 5s));
  informer.stop();

  EXPECT_EQ(sortedKeys(informer.store()), (std::vector<std::string>{"ns/b", "ns/d"}));
  auto calls = recorder.snapshot();
  std::vector<std::string> expected{"add a",    "add b", "add c",      "delete a",
                                    "delete c", "add d", "update b 15"};
  EXPECT_EQ(calls, expected);
  auto requests = fake->requests("GET");
  ASSERT_GE(requests.size(), 5u);
  EXPECT_EQ(FakeTransport::queryParam(requests[0].url, "watch"), std::nullopt);
  EXPECT_EQ(FakeTransport::queryParam(requests[0].url, "limit"), "500");
  EXPECT_EQ(FakeTransport::queryParam(requests[1].url, "resourceVersion"), "10");
  EXPECT_EQ(FakeTransport::queryParam(requests[2].url, "resourceVersion"), "13")
      << "bookmarks advance the resourceVersion";
  EXPECT_EQ(FakeTransport::queryParam(requests[3].url, "watch"), std::nullopt) << "relist";
  EXPECT_EQ(FakeTransport::queryParam(requests[4].url, "resourceVersion"), "20");
  EXPECT_EQ(informer.lists(), 2u);
  // managedFields are stripped from cached objects.
  EXPECT_FALSE(informer.store().get("ns/b")->at("metadata").contains("managedFields"));
}

TEST(Informer, TransportErrorsReconnectFromTheLastResourceVersion) {
  auto fake = std::make_shared<FakeTransport>();
  fake->enqueue("GET", kPath, listOf({item("a", "5")}, "5"));
  fake->enqueueStream("GET", kPath, {line("MODIFIED", item("a", "6"))});
  fake->enqueueError("GET", kPath, flop::http::TransportError::Kind::Connect);  // server down
  fake->enqueueError("GET", kPath, flop::http::TransportError::Kind::Connect);
  fake->enqueueStream("GET", kPath, {"{garbage\n"});  // a broken stream is also survived
  fake->enqueueStream("GET", kPath, {line("ADDED", item("b", "7"))});
  flop::kube::Client client(config(), fake);
  flop::kube::Informer informer(client, resources::configMaps, fastOptions());
  informer.start();
  ASSERT_TRUE(fake->waitForRequests(7, 5s));
  informer.stop();
  auto requests = fake->requests();
  std::vector<std::string> rvs;
  for (std::size_t i = 1; i < requests.size(); ++i)
    rvs.push_back(FakeTransport::queryParam(requests[i].url, "resourceVersion").value_or("-"));
  EXPECT_EQ(rvs, (std::vector<std::string>{"5", "6", "6", "6", "6", "7"}));
  EXPECT_EQ(informer.lists(), 1u) << "no relist needed while the resourceVersion is valid";
  EXPECT_EQ(sortedKeys(informer.store()), (std::vector<std::string>{"ns/a", "ns/b"}));
}

TEST(Informer, ListFailureBacksOffAndRetries) {
  auto fake = std::make_shared<FakeTransport>();
  fake->enqueue("GET", kPath, FakeTransport::status(503, "ServiceUnavailable", "starting"));
  fake->enqueue("GET", kPath, listOf({item("a", "1")}, "1"));
  flop::kube::Client client(config(), fake);
  flop::kube::Informer informer(client, resources::configMaps, fastOptions());
  informer.start();
  flop::Cancellation never;
  EXPECT_TRUE(informer.waitForSync(never, 5s));
  informer.stop();
  EXPECT_EQ(informer.store().size(), 1u);
}

TEST(Informer, LateHandlerGetsCurrentObjectsAndResyncRedelivers) {
  auto fake = std::make_shared<FakeTransport>();
  fake->enqueue("GET", kPath, listOf({item("a", "1"), item("b", "2")}, "2"));
  flop::kube::Client client(config(), fake);
  auto options = fastOptions();
  options.resyncPeriod = 30ms;
  flop::kube::Informer informer(client, resources::configMaps, options);
  informer.start();
  flop::Cancellation never;
  ASSERT_TRUE(informer.waitForSync(never, 5s));
  Recorder recorder;
  informer.addEventHandler(recorder.handler());
  std::this_thread::sleep_for(100ms);
  informer.stop();
  auto calls = recorder.snapshot();
  ASSERT_GE(calls.size(), 4u);
  std::vector<std::string> firstTwo(calls.begin(), calls.begin() + 2);
  std::sort(firstTwo.begin(), firstTwo.end());
  EXPECT_EQ(firstTwo, (std::vector<std::string>{"add a", "add b"}));
  EXPECT_TRUE(std::count(calls.begin(), calls.end(), "update a 1") >= 1) << "resync";
}

TEST(Informer, OneReflectorPerWatchedNamespace) {
  auto fake = std::make_shared<FakeTransport>();
  fake->always("GET", "/api/v1/namespaces/team-a/configmaps", listOf({}, "1"));
  fake->always("GET", "/api/v1/namespaces/team-b/configmaps", listOf({}, "1"));
  flop::kube::Client client(config(), fake);
  auto options = fastOptions();
  options.namespaces = {"team-a", "team-b"};
  flop::kube::Informer informer(client, resources::configMaps, options);
  informer.start();
  flop::Cancellation never;
  EXPECT_TRUE(informer.waitForSync(never, 5s));
  informer.stop();
  EXPECT_EQ(fake->count("GET", "/api/v1/namespaces/team-a/configmaps") >= 1, true);
  EXPECT_EQ(fake->count("GET", "/api/v1/namespaces/team-b/configmaps") >= 1, true);
  EXPECT_EQ(fake->count("GET", "/api/v1/configmaps"), 0u);
}

TEST(Informer, StopIsPromptWhileAWatchIsIdle) {
  auto fake = std::make_shared<FakeTransport>();
  fake->enqueue("GET", kPath, listOf({}, "1"));  // then the watch idles (nothing scripted)
  flop::kube::Client client(config(), fake);
  flop::kube::Informer informer(client, resources::configMaps, fastOptions());
  informer.start();
  ASSERT_TRUE(fake->waitForRequests(2, 5s));
  auto start = std::chrono::steady_clock::now();
  informer.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST(Informer, PagedListWithMetadataOnlyCachesAndDeliversNoSpecOrData) {
  auto withData = [](const std::string& name, const std::string& rv) {
    Json o = item(name, rv);
    o["data"] = {{"key", "value"}};
    return o;
  };
  auto fake = std::make_shared<FakeTransport>();
  auto firstPage = Json{{"kind", "ConfigMapList"},
                        {"metadata", {{"resourceVersion", "10"}, {"continue", "page-2"}}},
                        {"items", {withData("a", "8"), withData("b", "9")}}};
  fake->enqueue("GET", kPath, FakeTransport::json(200, firstPage));
  fake->enqueue("GET", kPath, listOf({withData("c", "10")}, "10"));
  fake->enqueueStream("GET", kPath, {line("ADDED", withData("d", "11"))});
  flop::kube::Client client(config(), fake);
  auto options = fastOptions();
  options.pageSize = 2;
  options.metadataOnly = true;
  flop::kube::Informer informer(client, resources::configMaps, options);
  std::mutex mutex;
  std::vector<Json> delivered;
  informer.addEventHandler({[&](const ObjectPtr& o) {
                              std::lock_guard lock(mutex);
                              delivered.push_back(*o);
                            },
                            nullptr, nullptr});
  informer.start();
  flop::Cancellation never;
  ASSERT_TRUE(informer.waitForSync(never, 5s));
  ASSERT_TRUE(fake->waitForRequests(3, 5s));
  for (int i = 0; i < 500 && informer.store().size() < 4; ++i) std::this_thread::sleep_for(2ms);
  informer.stop();

  auto requests = fake->requests("GET");
  EXPECT_EQ(FakeTransport::queryParam(requests[0].url, "limit"), "2");
  EXPECT_EQ(FakeTransport::queryParam(requests[1].url, "continue"), "page-2");
  EXPECT_EQ(sortedKeys(informer.store()),
            (std::vector<std::string>{"ns/a", "ns/b", "ns/c", "ns/d"}));
  auto cached = informer.store().get("ns/a");
  EXPECT_EQ(cached->at("kind"), "ConfigMap") << "list items are made self-describing";
  EXPECT_FALSE(cached->contains("data"));
  EXPECT_EQ(flop::kube::resourceVersionOf(*cached), "8");
  std::lock_guard lock(mutex);
  ASSERT_EQ(delivered.size(), 4u);
  for (const auto& object : delivered) {
    EXPECT_FALSE(object.contains("data")) << object.dump();
    EXPECT_FALSE(object["metadata"].contains("managedFields")) << object.dump();
    EXPECT_FALSE(flop::kube::nameOf(object).empty());
  }
}

TEST(InformerFactory, CachesWholeObjectsWhenAnyUserNeedsThem) {
  auto fake = std::make_shared<FakeTransport>();
  flop::kube::Client client(config(), fake);
  flop::kube::InformerFactory factory(client);
  auto& pods = factory.informerFor(resources::pods, flop::kube::CachedFields::MetadataOnly);
  auto& sets = factory.informerFor(resources::statefulSets, flop::kube::CachedFields::MetadataOnly);
  EXPECT_EQ(&factory.informerFor(resources::pods), &pods) << "one shared informer per resource";
  EXPECT_EQ(&factory.informerFor(resources::statefulSets, flop::kube::CachedFields::MetadataOnly),
            &sets);

  fake->enqueue(
      "GET", "/api/v1/pods",
      FakeTransport::json(
          200, Json{{"metadata", {{"resourceVersion", "1"}}},
                    {"items", {{{"metadata", {{"name", "p"}}}, {"spec", {{"nodeName", "n"}}}}}}}));
  fake->enqueue(
      "GET", "/apis/apps/v1/statefulsets",
      FakeTransport::json(
          200, Json{{"metadata", {{"resourceVersion", "1"}}},
                    {"items", {{{"metadata", {{"name", "s"}}}, {"spec", {{"replicas", 1}}}}}}}));
  factory.startAll();
  flop::Cancellation never;
  ASSERT_TRUE(factory.waitForSync(never, 5s));
  factory.stopAll();
  EXPECT_TRUE(pods.store().get("p")->contains("spec")) << "a later user asked for whole objects";
  EXPECT_FALSE(sets.store().get("s")->contains("spec"));
  EXPECT_THROW(factory.informerFor(resources::statefulSets), flop::Error)
      << "too late to widen a started informer";
}

TEST(InformerFactory, ALabelSelectorGetsItsOwnInformer) {
  auto fake = std::make_shared<FakeTransport>();
  flop::kube::Client client(config(), fake);
  flop::kube::InformerFactory factory(client);
  auto& all = factory.informerFor(resources::pods, flop::kube::CachedFields::MetadataOnly);
  auto& owned = factory.informerFor(resources::pods, flop::kube::CachedFields::WholeObjects,
                                    "example.org/owner=x");
  EXPECT_NE(&all, &owned) << "a narrower selector is a separate cache";
  EXPECT_EQ(&factory.informerFor(resources::pods, flop::kube::CachedFields::WholeObjects,
                                 "example.org/owner=x"),
            &owned);
  EXPECT_EQ(owned.labelSelector(), "example.org/owner=x");

  const auto list = [](const char* name) {
    return FakeTransport::json(
        200, Json{{"metadata", {{"resourceVersion", "1"}}},
                  {"items", {{{"metadata", {{"name", name}}}, {"spec", {{"nodeName", "n"}}}}}}});
  };
  fake->enqueue("GET", "/api/v1/pods", list("p"));
  fake->enqueue("GET", "/api/v1/pods", list("q"));
  factory.startAll();
  flop::Cancellation never;
  ASSERT_TRUE(factory.waitForSync(never, 5s));
  factory.stopAll();
  int selected = 0;
  for (const auto& request : fake->requests("GET"))
    if (request.url.find("labelSelector=example.org%2Fowner%3Dx") != std::string::npos) ++selected;
  EXPECT_GE(selected, 1) << "the owned informer lists and watches with its selector";
  EXPECT_EQ(all.store().size(), 1u);
  EXPECT_EQ(owned.store().size(), 1u);
  EXPECT_FALSE(all.store().list().front()->contains("spec")) << "metadata only";
}
