// Disruptive tests (they restart the cluster's kube-apiserver; run serially): an informer's
// store converges with the server after an API server restart, and after an etcd compaction
// that expires its resourceVersion (410 -> relist), without losing deletes.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>

#include "flop/kube/informer.hpp"
#include "support.hpp"

using namespace std::chrono_literals;
using flop::kube::Json;
using flop::kube::ObjectPtr;
using flop::testing::configMap;
namespace resources = flop::kube::resources;

namespace {

struct DeleteLog {
  std::mutex mutex;
  std::vector<std::string> deleted;
  flop::kube::EventHandler handler() {
    return {nullptr, nullptr, [this](const ObjectPtr& o) {
              std::lock_guard lock(mutex);
              deleted.push_back(flop::kube::nameOf(*o));
            }};
  }
  bool saw(const std::string& name) {
    std::lock_guard lock(mutex);
    return std::find(deleted.begin(), deleted.end(), name) != deleted.end();
  }
};

std::vector<std::string> names(const flop::kube::Store& store) {
  std::vector<std::string> out;
  for (const auto& o : store.list()) out.push_back(flop::kube::nameOf(*o));
  std::sort(out.begin(), out.end());
  return out;
}

flop::kube::InformerOptions options(const std::string& ns) {
  flop::kube::InformerOptions o;
  o.namespaces = {ns};
  o.labelSelector = "suite=runtime";
  o.initialBackoff = 200ms;
  o.maxBackoff = 2s;
  return o;
}

void restartApiServer(const flop::kube::Client& client) {
  ASSERT_EQ(flop::testing::clusterCommand("stop kube-apiserver"), 0);
  std::this_thread::sleep_for(1s);
  ASSERT_EQ(flop::testing::clusterCommand("start kube-apiserver"), 0);
  ASSERT_TRUE(flop::testing::eventually(
      [&] {
        try {
          client.list(resources::namespaces, "");
          return true;
        } catch (const std::exception&) {
          return false;
        }
      },
      60s));
}

bool storeMatchesServer(const flop::kube::Client& client, const std::string& ns,
                        const flop::kube::Informer& informer) {
  flop::kube::ListOptions lo;
  lo.labelSelector = "suite=runtime";
  auto server = client.listAll(resources::configMaps, ns, lo);
  std::vector<std::string> expected;
  for (const auto& o : server.items) expected.push_back(flop::kube::nameOf(o));
  std::sort(expected.begin(), expected.end());
  if (names(informer.store()) != expected) return false;
  for (const auto& o : server.items) {
    auto cached = informer.store().get(flop::kube::ObjectKey::of(o).str());
    if (!cached || flop::kube::resourceVersionOf(*cached) != flop::kube::resourceVersionOf(o))
      return false;
  }
  return true;
}

}  // namespace

TEST(WatchRecovery, SurvivesAnApiServerRestart) {
  auto client = flop::testing::adminClient();
  flop::testing::TestNamespace ns(*client, "rt-restart");
  client->create(resources::configMaps, configMap(ns.name(), "a"));
  client->create(resources::configMaps, configMap(ns.name(), "b"));
  flop::kube::Informer informer(*client, resources::configMaps, options(ns.name()));
  DeleteLog log;
  informer.addEventHandler(log.handler());
  informer.start();
  flop::Cancellation never;
  ASSERT_TRUE(informer.waitForSync(never, 30s));
  EXPECT_EQ(names(informer.store()), (std::vector<std::string>{"a", "b"}));
  const auto watchesBefore = informer.watches();

  restartApiServer(*client);
  client->remove(resources::configMaps, ns.name(), "a");
  client->create(resources::configMaps, configMap(ns.name(), "c"));
  client->patch(resources::configMaps, ns.name(), "b", flop::kube::PatchType::MergePatch,
                {{"data", {{"after", "restart"}}}});

  EXPECT_TRUE(flop::testing::eventually(
      [&] { return storeMatchesServer(*client, ns.name(), informer); }, 60s))
      << "store: " << Json(names(informer.store())).dump();
  EXPECT_TRUE(log.saw("a")) << "the delete after the restart was delivered";
  EXPECT_GT(informer.watches(), watchesBefore) << "the watch was re-established";
  informer.stop();
}

TEST(WatchRecovery, ConvergesAfterCompactionWithNoLostDeletes) {
  auto admin = flop::testing::adminClient();
  flop::testing::TestNamespace ns(*admin, "rt-compact");
  admin->create(resources::configMaps, configMap(ns.name(), "a"));
  admin->create(resources::configMaps, configMap(ns.name(), "b"));

  // The informer talks through a gate the test can close: its connection is cut while the
  // server moves on.
  auto config = flop::testing::adminConfig();
  auto gate = std::make_shared<flop::testing::GatedTransport>(
      std::make_shared<flop::http::CppRestTransport>(config.tls));
  flop::kube::Client gated(config, gate);
  flop::kube::Informer informer(gated, resources::configMaps, options(ns.name()));
  DeleteLog log;
  informer.addEventHandler(log.handler());
  informer.start();
  flop::Cancellation never;
  ASSERT_TRUE(informer.waitForSync(never, 30s));
  EXPECT_EQ(informer.lists(), 1u);

  gate->close();
  admin->remove(resources::configMaps, ns.name(), "a");  // deleted while we are away
  admin->create(resources::configMaps, configMap(ns.name(), "c"));
  for (int i = 0; i < 20; ++i) {  // churn, so history moves well past our resourceVersion
    admin->create(resources::configMaps, configMap(ns.name(), "tmp-" + std::to_string(i)));
    admin->remove(resources::configMaps, ns.name(), "tmp-" + std::to_string(i));
  }
  ASSERT_EQ(flop::testing::clusterCommand("compact"), 0);
  restartApiServer(*admin);  // drops the watch cache: old resourceVersions now answer 410
  gate->reopen();

  EXPECT_TRUE(flop::testing::eventually(
      [&] { return storeMatchesServer(*admin, ns.name(), informer); }, 60s))
      << "store: " << Json(names(informer.store())).dump();
  EXPECT_TRUE(log.saw("a")) << "the delete that happened while disconnected was delivered";
  EXPECT_GE(informer.lists(), 2u) << "an expired resourceVersion must cause a relist";
  EXPECT_EQ(names(informer.store()), (std::vector<std::string>{"b", "c"}));
  informer.stop();
}
