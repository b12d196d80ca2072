// The client against the real API server: CRUD, typed errors, SSA conflict and force, status
// and scale subresources, pagination, Forbidden under RBAC.
#include <gtest/gtest.h>

#include "flop/kube/informer.hpp"
#include "support.hpp"

using namespace std::chrono_literals;
using flop::kube::ApiError;
using flop::kube::Json;
using flop::kube::Reason;
using flop::testing::configMap;
namespace resources = flop::kube::resources;

namespace {

// A CRD with status and scale subresources, owned by this suite.
const flop::kube::ResourceRef kWidgets{"runtime-test.flop.io", "v1", "widgets", "Widget", true};

void ensureWidgetCrd(const flop::kube::Client& client) {
  const Json crd = Json::parse(R"json({
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.runtime-test.flop.io"},
    "spec": {
      "group": "runtime-test.flop.io",
      "scope": "Namespaced",
      "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
      "versions": [{
        "name": "v1", "served": true, "storage": true,
        "subresources": {
          "status": {},
          "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas",
                    "labelSelectorPath": ".status.selector"}
        },
        "schema": {"openAPIV3Schema": {
          "type": "object",
          "properties": {
            "spec": {"type": "object", "properties": {
              "replicas": {"type": "integer", "minimum": 0},
              "color": {"type": "string"}}},
            "status": {"type": "object", "properties": {
              "replicas": {"type": "integer"},
              "selector": {"type": "string"},
              "phase": {"type": "string"}}}
          }}}
      }]
    }
  })json");
  client.apply(resources::customResourceDefinitions, crd, {"runtime-tests", true});
  ASSERT_TRUE(flop::testing::eventually([&] {
    auto got = client.get(resources::customResourceDefinitions, "", "widgets.runtime-test.flop.io");
    for (const auto& c : got["status"].value("conditions", Json::array()))
      if (c.value("type", "") == "Established" && c.value("status", "") == "True") return true;
    return false;
  }));
}

class ApiServer : public ::testing::Test {
 protected:
  std::shared_ptr<flop::kube::Client> client = flop::testing::adminClient();
  flop::testing::TestNamespace ns{*client};
};

Reason reasonOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return e.reason();
  }
  return Reason::Unknown;
}

}  // namespace

TEST_F(ApiServer, CrudWithTypedErrors) {
  const auto& n = ns.name();
  Json created = client->create(resources::configMaps, configMap(n, "a", {{"k", "1"}}));
  EXPECT_FALSE(flop::kube::uidOf(created).empty());
  EXPECT_EQ(reasonOf([&] { client->create(resources::configMaps, configMap(n, "a")); }),
            Reason::AlreadyExists);

  Json got = client->get(resources::configMaps, n, "a");
  EXPECT_EQ(got["data"]["k"], "1");
  Json stale = got;
  got["data"]["k"] = "2";
  Json updated = client->update(resources::configMaps, got);
  EXPECT_NE(flop::kube::resourceVersionOf(updated), flop::kube::resourceVersionOf(stale));
  stale["data"]["k"] = "lost update";
  EXPECT_EQ(reasonOf([&] { client->update(resources::configMaps, stale); }), Reason::Conflict);

  client->patch(resources::configMaps, n, "a", flop::kube::PatchType::MergePatch,
                {{"data", {{"merged", "yes"}}}});
  client->patch(resources::configMaps, n, "a", flop::kube::PatchType::JsonPatch,
                Json::array({{{"op", "test"}, {"path", "/data/k"}, {"value", "2"}},
                             {{"op", "add"}, {"path", "/data/json"}, {"value", "yes"}}}));
  got = client->get(resources::configMaps, n, "a");
  EXPECT_EQ(got["data"]["merged"], "yes");
  EXPECT_EQ(got["data"]["json"], "yes");
  EXPECT_EQ(got["data"]["k"], "2");
  // A failed JSON-patch test is a typed error, not a silent change.
  EXPECT_NE(reasonOf([&] {
              client->patch(resources::configMaps, n, "a", flop::kube::PatchType::JsonPatch,
                            Json::array({{{"op", "test"}, {"path", "/data/k"}, {"value", "9"}}}));
            }),
            Reason::Unknown);

  flop::kube::DeleteOptions wrongUid;
  wrongUid.preconditionUid = "00000000-0000-0000-0000-000000000000";
  EXPECT_EQ(reasonOf([&] { client->remove(resources::configMaps, n, "a", wrongUid); }),
            Reason::Conflict);
  flop::kube::DeleteOptions right;
  right.preconditionUid = flop::kube::uidOf(got);
  right.propagationPolicy = "Foreground";
  EXPECT_TRUE(client->remove(resources::configMaps, n, "a", right));
  // Foreground: the garbage collector removes the foregroundDeletion finalizer, then it is gone.
  EXPECT_TRUE(flop::testing::eventually(
      [&] { return !client->tryGet(resources::configMaps, n, "a").has_value(); }));
  EXPECT_FALSE(client->remove(resources::configMaps, n, "a"));
  EXPECT_EQ(reasonOf([&] { client->get(resources::configMaps, n, "a"); }), Reason::NotFound);
}

TEST_F(ApiServer, InvalidCarriesFieldCauses) {
  try {
    client->create(resources::configMaps, configMap(ns.name(), "Not_A_Valid_Name"));
    FAIL() << "accepted an invalid name";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.reason(), Reason::Invalid);
    EXPECT_EQ(e.code(), 422);
    ASSERT_FALSE(e.causes().empty());
    EXPECT_EQ(e.causes()[0].field, "metadata.name");
  }
}

TEST_F(ApiServer, ServerSideApplyConflictAndForce) {
  const auto& n = ns.name();
  Json intentA = configMap(n, "ssa", {{"owned-by-a", "1"}, {"shared", "a"}});
  client->apply(resources::configMaps, intentA, {"manager-a", false});
  Json intentB = configMap(n, "ssa", {{"shared", "b"}});
  try {
    client->apply(resources::configMaps, intentB, {"manager-b", false});
    FAIL() << "no conflict";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.reason(), Reason::Conflict);
    EXPECT_NE(std::string(e.what()).find("manager-a"), std::string::npos) << e.what();
  }
  Json forced = client->apply(resources::configMaps, intentB, {"manager-b", true});
  EXPECT_EQ(forced["data"]["shared"], "b");
  EXPECT_EQ(forced["data"]["owned-by-a"], "1");
  // manager-a no longer owns "shared": dropping its other field removes only that field.
  client->apply(resources::configMaps, configMap(n, "ssa", Json::object()), {"manager-a", false});
  Json after = client->get(resources::configMaps, n, "ssa");
  EXPECT_FALSE(after["data"].contains("owned-by-a"));
  EXPECT_EQ(after["data"]["shared"], "b");
}

TEST_F(ApiServer, StatusAndScaleSubresourcesOfACustomResource) {
  ensureWidgetCrd(*client);
  const auto& n = ns.name();
  Json widget{{"apiVersion", "runtime-test.flop.io/v1"},
              {"kind", "Widget"},
              {"metadata", {{"name", "w"}, {"namespace", n}}},
              {"spec", {{"replicas", 1}, {"color", "red"}}},
              {"status", {{"phase", "ignored on create"}}}};
  Json created = client->create(kWidgets, widget);
  EXPECT_FALSE(created.contains("status")) << "the main resource ignores status";
  const auto generation = flop::kube::generationOf(created);

  Json status{{"apiVersion", "runtime-test.flop.io/v1"},
              {"kind", "Widget"},
              {"metadata", {{"name", "w"}, {"namespace", n}}},
              {"status", {{"phase", "Running"}, {"replicas", 1}, {"selector", "app=w"}}}};
  Json applied = client->applyStatus(kWidgets, status, {"widget-status", true});
  EXPECT_EQ(applied["status"]["phase"], "Running");
  EXPECT_EQ(flop::kube::generationOf(applied), generation) << "status does not bump generation";

  Json current = client->get(kWidgets, n, "w");
  current["status"]["phase"] = "Updated";
  current["spec"]["color"] = "ignored by /status";
  Json viaPut = client->updateStatus(kWidgets, current);
  EXPECT_EQ(viaPut["status"]["phase"], "Updated");
  EXPECT_EQ(viaPut["spec"]["color"], "red");

  Json scale = client->getScale(kWidgets, n, "w");
  EXPECT_EQ(scale["kind"], "Scale");
  EXPECT_EQ(scale["spec"]["replicas"], 1);
  EXPECT_EQ(scale["status"]["selector"], "app=w");
  client->scale(kWidgets, n, "w", 3);
  Json scaled = client->get(kWidgets, n, "w");
  EXPECT_EQ(scaled["spec"]["replicas"], 3);
  EXPECT_GT(flop::kube::generationOf(scaled), generation);
  EXPECT_EQ(reasonOf([&] { client->scale(kWidgets, n, "w", -1); }), Reason::Invalid);
}

TEST_F(ApiServer, ScaleSubresourceOfADeployment) {
  const auto& n = ns.name();
  Json deployment{{"apiVersion", "apps/v1"},
                  {"kind", "Deployment"},
                  {"metadata", {{"name", "d"}, {"namespace", n}}},
                  {"spec",
                   {{"replicas", 1},
                    {"selector", {{"matchLabels", {{"app", "d"}}}}},
                    {"template",
                     {{"metadata", {{"labels", {{"app", "d"}}}}},
                      {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}}}}}};
  client->apply(resources::deployments, deployment, {"runtime-tests", false});
  client->scale(resources::deployments, n, "d", 2);
  EXPECT_EQ(client->getScale(resources::deployments, n, "d")["spec"]["replicas"], 2);
}

TEST_F(ApiServer, PaginationWithLimitAndContinue) {
  const auto& n = ns.name();
  for (int i = 0; i < 25; ++i)
    client->create(resources::configMaps, configMap(n, "page-" + std::to_string(i)));
  flop::kube::ListOptions options;
  options.labelSelector = "suite=runtime";
  options.limit = 10;
  auto first = client->list(resources::configMaps, n, options);
  EXPECT_EQ(first.items.size(), 10u);
  EXPECT_FALSE(first.continueToken.empty());
  int pages = 1;
  std::size_t total = first.items.size();
  options.continueToken = first.continueToken;
  while (!options.continueToken.empty()) {
    auto page = client->list(resources::configMaps, n, options);
    total += page.items.size();
    options.continueToken = page.continueToken;
    ++pages;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(total, 25u);
  options.continueToken.clear();
  auto all = client->listAll(resources::configMaps, n, options);
  EXPECT_EQ(all.items.size(), 25u);
  EXPECT_FALSE(all.resourceVersion.empty());
}

TEST_F(ApiServer, ForbiddenIsClearWhenRbacDenies) {
  const auto& n = ns.name();
  client->create(resources::serviceAccounts,
                 {{"apiVersion", "v1"},
                  {"kind", "ServiceAccount"},
                  {"metadata", {{"name", "reader"}, {"namespace", n}}}});
  client->create(
      resources::roles,
      {{"apiVersion", "rbac.authorization.k8s.io/v1"},
       {"kind", "Role"},
       {"metadata", {{"name", "cm-reader"}, {"namespace", n}}},
       {"rules",
        {{{"apiGroups", {""}}, {"resources", {"configmaps"}}, {"verbs", {"get", "list"}}}}}});
  client->create(
      resources::roleBindings,
      {{"apiVersion", "rbac.authorization.k8s.io/v1"},
       {"kind", "RoleBinding"},
       {"metadata", {{"name", "reader"}, {"namespace", n}}},
       {"roleRef",
        {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", "cm-reader"}}},
       {"subjects", {{{"kind", "ServiceAccount"}, {"name", "reader"}, {"namespace", n}}}}});
  // A short-lived token for the service account (TokenRequest).
  Json issued = client->createSubresource(resources::serviceAccounts, n, "reader", "token",
                                          {{"apiVersion", "authentication.k8s.io/v1"},
                                           {"kind", "TokenRequest"},
                                           {"spec", {{"expirationSeconds", 600}}}});
  auto config = flop::testing::adminConfig();
  config.tls.clientCertPem.clear();
  config.tls.clientKeyPem.clear();
  config.token = issued["status"]["token"];
  flop::kube::Client reader(config, std::make_shared<flop::http::CppRestTransport>(config.tls));

  EXPECT_NO_THROW(reader.list(resources::configMaps, n));
  try {
    reader.list(resources::secrets, n);
    FAIL() << "RBAC allowed listing secrets";
  } catch (const ApiError& e) {
    std::string what = e.what();
    EXPECT_EQ(e.reason(), Reason::Forbidden);
    EXPECT_NE(what.find("Forbidden (403)"), std::string::npos) << what;
    EXPECT_NE(what.find("GET /api/v1/namespaces/" + n + "/secrets"), std::string::npos) << what;
    EXPECT_NE(what.find("system:serviceaccount:" + n + ":reader"), std::string::npos) << what;
    EXPECT_NE(what.find("cannot list resource \"secrets\""), std::string::npos) << what;
  }
  config.token = "not-a-valid-token";
  flop::kube::Client stranger(config, std::make_shared<flop::http::CppRestTransport>(config.tls));
  EXPECT_EQ(reasonOf([&] { stranger.list(resources::configMaps, n); }), Reason::Unauthorized);
}

TEST_F(ApiServer, InformerStopsPromptlyWhileItsWatchIsIdle) {
  flop::kube::InformerOptions options;
  options.namespaces = {ns.name()};
  flop::kube::Informer informer(*client, resources::configMaps, options);
  informer.start();
  flop::Cancellation never;
  ASSERT_TRUE(informer.waitForSync(never, 30s));
  std::this_thread::sleep_for(500ms);  // the watch is open and quiet (server timeout ~5 min)
  auto start = std::chrono::steady_clock::now();
  informer.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s) << "cancellation must abort the stream";
}
