// The client over FakeTransport: verbs, paths, content types, typed errors, throttling, paging.
#include <gtest/gtest.h>

#include "flop/http/fake_transport.hpp"
#include "flop/kube/client.hpp"

using namespace std::chrono_literals;
using flop::http::FakeTransport;
using flop::kube::ApiError;
using flop::kube::Client;
using flop::kube::Json;
using flop::kube::Reason;
namespace resources = flop::kube::resources;

namespace {

const flop::kube::ResourceRef kJobs{"fl.example.org", "v1alpha1", "federatedjobs", "FederatedJob",
                                    true};

flop::kube::Config config(double qps = 0) {
  flop::kube::Config c;
  c.server = "https://127.0.0.1:6443";
  c.token = "secret-token";
  c.qps = qps;
  return c;
}

Json configMap(const std::string& name, const std::string& rv = "") {
  Json o{{"apiVersion", "v1"},
         {"kind", "ConfigMap"},
         {"metadata", {{"name", name}, {"namespace", "ns"}}}};
  if (!rv.empty()) o["metadata"]["resourceVersion"] = rv;
  return o;
}

struct Fixture : ::testing::Test {
  std::shared_ptr<FakeTransport> fake = std::make_shared<FakeTransport>();
  std::vector<std::string> observed;
  Client client{config(), fake,
                [this](const std::string& m, const std::string& h, const std::string& c) {
                  observed.push_back(m + " " + h + " " + c);
                }};
};

}  // namespace

TEST_F(Fixture, PathsForCoreGroupCustomResourcesAndClusterScope) {
  EXPECT_EQ(resources::pods.objectPath("a", "p"), "/api/v1/namespaces/a/pods/p");
  EXPECT_EQ(kJobs.collectionPath(""), "/apis/fl.example.org/v1alpha1/federatedjobs");
  EXPECT_EQ(kJobs.objectPath("a", "j", "status"),
            "/apis/fl.example.org/v1alpha1/namespaces/a/federatedjobs/j/status");
  EXPECT_EQ(resources::namespaces.objectPath("ignored", "n"), "/api/v1/namespaces/n");
  EXPECT_EQ(resources::leases.apiVersion(), "coordination.k8s.io/v1");
}

TEST_F(Fixture, GetSendsTokenAndRecordsMetrics) {
  fake->enqueue("GET", "/api/v1/namespaces/ns/configmaps/a",
                FakeTransport::json(200, configMap("a")));
  Json got = client.get(resources::configMaps, "ns", "a");
  EXPECT_EQ(got["metadata"]["name"], "a");
  auto req = fake->requests().at(0);
  EXPECT_EQ(req.url, "https://127.0.0.1:6443/api/v1/namespaces/ns/configmaps/a");
  EXPECT_EQ(req.headers.at("authorization"), "Bearer secret-token");
  EXPECT_EQ(observed, std::vector<std::string>{"GET 127.0.0.1:6443 200"});
}

TEST_F(Fixture, TryGetTurnsNotFoundIntoNothing) {
  fake->enqueue("GET", "/api/v1/namespaces/ns/configmaps/a",
                FakeTransport::status(404, "NotFound", "configmaps \"a\" not found"));
  EXPECT_EQ(client.tryGet(resources::configMaps, "ns", "a"), std::nullopt);
  fake->enqueue("GET", "/api/v1/namespaces/ns/configmaps/a",
                FakeTransport::status(403, "Forbidden", "no"));
  EXPECT_THROW(client.tryGet(resources::configMaps, "ns", "a"), ApiError);
}

TEST_F(Fixture, WritesUseTheRightVerbsPathsAndContentTypes) {
  fake->setHandler([](const flop::http::Request& r) {
    return std::optional(FakeTransport::json(r.method == "POST" ? 201 : 200,
                                             Json::parse(r.body.empty() ? "{}" : r.body)));
  });
  client.create(resources::configMaps, configMap("a"));
  client.update(resources::configMaps, configMap("a", "5"));
  client.updateStatus(kJobs, Json{{"metadata", {{"name", "j"}, {"namespace", "ns"}}}});
  client.patch(resources::configMaps, "ns", "a", flop::kube::PatchType::JsonPatch,
               Json::array({{{"op", "add"}, {"path", "/data/x"}, {"value", "1"}}}));
  client.apply(kJobs,
               Json{{"apiVersion", "fl.example.org/v1alpha1"},
                    {"kind", "FederatedJob"},
                    {"metadata", {{"name", "j"}, {"namespace", "ns"}}}},
               {"fl-operator", true});
  client.applyStatus(kJobs, Json{{"metadata", {{"name", "j"}, {"namespace", "ns"}}}},
                     {"fl-operator-status", false});
  client.scale(resources::deployments, "ns", "d", 3);
  EXPECT_TRUE(client.remove(resources::configMaps, "ns", "a",
                            {"Foreground", std::string("uid-1"), std::string("9"), 0}));

  auto r = fake->requests();
  ASSERT_EQ(r.size(), 8u);
  EXPECT_EQ(r[0].method, "POST");
  EXPECT_EQ(FakeTransport::pathOf(r[0].url), "/api/v1/namespaces/ns/configmaps");
  EXPECT_EQ(r[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(r[1].method, "PUT");
  EXPECT_EQ(Json::parse(r[1].body)["metadata"]["resourceVersion"], "5");
  EXPECT_EQ(FakeTransport::pathOf(r[2].url),
            "/apis/fl.example.org/v1alpha1/namespaces/ns/federatedjobs/j/status");
  EXPECT_EQ(r[3].headers.at("content-type"), "application/json-patch+json");
  EXPECT_EQ(r[4].headers.at("content-type"), "application/apply-patch+yaml");
  EXPECT_EQ(FakeTransport::queryParam(r[4].url, "fieldManager"), "fl-operator");
  EXPECT_EQ(FakeTransport::queryParam(r[4].url, "force"), "true");
  EXPECT_EQ(FakeTransport::pathOf(r[5].url),
            "/apis/fl.example.org/v1alpha1/namespaces/ns/federatedjobs/j/status");
  EXPECT_EQ(FakeTransport::queryParam(r[5].url, "force"), std::nullopt);
  EXPECT_EQ(FakeTransport::pathOf(r[6].url), "/apis/apps/v1/namespaces/ns/deployments/d/scale");
  EXPECT_EQ(r[6].headers.at("content-type"), "application/merge-patch+json");
  EXPECT_EQ(Json::parse(r[6].body)["spec"]["replicas"], 3);
  EXPECT_EQ(r[7].method, "DELETE");
  Json del = Json::parse(r[7].body);
  EXPECT_EQ(del["propagationPolicy"], "Foreground");
  EXPECT_EQ(del["preconditions"]["uid"], "uid-1");
  EXPECT_EQ(del["preconditions"]["resourceVersion"], "9");
  EXPECT_EQ(del["gracePeriodSeconds"], 0);
}

TEST_F(Fixture, ApplyWithoutFieldManagerIsRejectedLocally) {
  EXPECT_THROW(client.apply(kJobs, Json{{"metadata", {{"name", "j"}}}}, {}), flop::InvalidInput);
  EXPECT_THROW(client.update(resources::configMaps, Json{{"metadata", Json::object()}}),
               flop::InvalidInput);
  EXPECT_TRUE(fake->requests().empty());
}

TEST_F(Fixture, RemoveOfAMissingObjectReturnsFalse) {
  fake->enqueue("DELETE", "/api/v1/namespaces/ns/configmaps/a",
                FakeTransport::status(404, "NotFound", "gone already"));
  EXPECT_FALSE(client.remove(resources::configMaps, "ns", "a"));
}

TEST_F(Fixture, ErrorsAreTypedAndCarryFieldCauses) {
  struct Case {
    int code;
    const char* reason;
    Reason expected;
  } cases[] = {
      {404, "NotFound", Reason::NotFound},    {409, "AlreadyExists", Reason::AlreadyExists},
      {409, "Conflict", Reason::Conflict},    {410, "Expired", Reason::Gone},
      {403, "Forbidden", Reason::Forbidden},  {401, "Unauthorized", Reason::Unauthorized},
      {504, "Timeout", Reason::Timeout},      {500, "InternalError", Reason::InternalError},
      {400, "BadRequest", Reason::BadRequest}};
  for (const auto& c : cases) {
    fake->enqueue("GET", "/api/v1/namespaces/ns/configmaps/a",
                  FakeTransport::status(c.code, c.reason, "server says so"));
    try {
      client.get(resources::configMaps, "ns", "a");
      ADD_FAILURE() << c.reason;
    } catch (const ApiError& e) {
      EXPECT_EQ(e.reason(), c.expected) << c.reason;
      EXPECT_EQ(e.code(), c.code);
      EXPECT_NE(std::string(e.what()).find("GET /api/v1/namespaces/ns/configmaps/a"),
                std::string::npos)
          << e.what();
    }
  }
  fake->enqueue(
      "POST", "/apis/fl.example.org/v1alpha1/namespaces/ns/federatedjobs",
      FakeTransport::status(422, "Invalid", "FederatedJob.fl.example.org \"j\" is invalid",
                            Json{{"causes",
                                  {{{"reason", "FieldValueInvalid"},
                                    {"field", "spec.parties[0].partyId"},
                                    {"message", "Invalid value: \"x\": must be numeric"}}}}}));
  try {
    client.create(kJobs, Json{{"metadata", {{"name", "j"}, {"namespace", "ns"}}}});
    ADD_FAILURE();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.reason(), Reason::Invalid);
    ASSERT_EQ(e.causes().size(), 1u);
    EXPECT_EQ(e.causes()[0].field, "spec.parties[0].partyId");
    EXPECT_NE(std::string(e.what()).find("spec.parties[0].partyId: Invalid value"),
              std::string::npos)
        << e.what();
  }
  // A non-Status body (a proxy's HTML page) still gives a typed error.
  fake->enqueue("GET", "/api/v1/namespaces/ns/configmaps/a",
                flop::http::Response{503, {}, "<html>upstream down</html>"});
  try {
    client.get(resources::configMaps, "ns", "a");
  } catch (const ApiError& e) {
    EXPECT_EQ(e.reason(), Reason::ServiceUnavailable);
    EXPECT_NE(std::string(e.what()).find("upstream down"), std::string::npos);
  }
}

TEST_F(Fixture, ForbiddenMessageSaysWhoCannotDoWhat) {
  fake->enqueue("GET", "/api/v1/namespaces/ns/secrets",
                FakeTransport::status(403, "Forbidden",
                                      "secrets is forbidden: User \"system:serviceaccount:op:fl\" "
                                      "cannot list resource \"secrets\" in API group \"\" in the "
                                      "namespace \"ns\""));
  try {
    client.list(resources::secrets, "ns");
    ADD_FAILURE();
  } catch (const ApiError& e) {
    std::string what = e.what();
    EXPECT_EQ(
        what.rfind("Forbidden (403): GET /api/v1/namespaces/ns/secrets: secrets is forbidden", 0),
        0u)
        << what;
    EXPECT_NE(what.find("cannot list resource \"secrets\""), std::string::npos);
  }
}

TEST_F(Fixture, TooManyRequestsHonoursRetryAfterThenSucceeds) {
  fake->enqueue("GET", "/api/v1/namespaces/ns/configmaps/a",
                FakeTransport::status(429, "TooManyRequests", "slow down"));
  auto throttled = FakeTransport::status(429, "TooManyRequests", "slow down");
  throttled.headers["retry-after"] = "1";
  fake->enqueue("GET", "/api/v1/namespaces/ns/configmaps/a", throttled);
  fake->enqueue("GET", "/api/v1/namespaces/ns/configmaps/a",
                FakeTransport::json(200, configMap("a")));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(client.get(resources::configMaps, "ns", "a")["metadata"]["name"], "a");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 1900ms);  // 1 s default + 1 s header
  EXPECT_EQ(fake->requests().size(), 3u);
  EXPECT_EQ(observed.front(), "GET 127.0.0.1:6443 429");
}

TEST_F(Fixture, TooManyRequestsGivesUpAfterRetries) {
  auto throttled = FakeTransport::status(429, "TooManyRequests", "slow down");
  throttled.headers["retry-after"] = "0";
  fake->always("GET", "/api/v1/namespaces/ns/configmaps/a", throttled);
  try {
    client.get(resources::configMaps, "ns", "a");
    ADD_FAILURE();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.reason(), Reason::TooManyRequests);
    EXPECT_EQ(e.retryAfter(), std::chrono::seconds(0));
  }
  EXPECT_EQ(fake->requests().size(), 4u);
}

TEST(ClientRateLimit, QpsAndBurstSpaceRequests) {
  auto fake = std::make_shared<FakeTransport>();
  fake->always("GET", "/api/v1/namespaces/ns/configmaps/a",
               FakeTransport::json(200, configMap("a")));
  auto c = config(20);
  c.burst = 2;
  Client client(c, fake);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 6; ++i) client.get(resources::configMaps, "ns", "a");
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 180ms);  // 2 free, 4 more at 20/s
  EXPECT_LT(elapsed, 2s);
}

TEST_F(Fixture, TransportFailuresPropagateAndAreCounted) {
  fake->enqueueError("GET", "/api/v1/namespaces/ns/configmaps/a",
                     flop::http::TransportError::Kind::Connect);
  EXPECT_THROW(client.get(resources::configMaps, "ns", "a"), flop::http::TransportError);
  EXPECT_EQ(observed, std::vector<std::string>{"GET 127.0.0.1:6443 <error>"});
}

TEST_F(Fixture, ListAllFollowsContinueTokens) {
  auto page = [](std::vector<std::string> names, const std::string& cont, const std::string& rv) {
    Json items = Json::array();
    for (auto& n : names) items.push_back({{"metadata", {{"name", n}, {"namespace", "ns"}}}});
    return FakeTransport::json(200,
                               Json{{"kind", "ConfigMapList"},
                                    {"metadata", {{"resourceVersion", rv}, {"continue", cont}}},
                                    {"items", items}});
  };
  fake->enqueue("GET", "/api/v1/namespaces/ns/configmaps", page({"a", "b"}, "tok1", "10"));
  fake->enqueue("GET", "/api/v1/namespaces/ns/configmaps", page({"c"}, "", "10"));
  flop::kube::ListOptions options;
  options.labelSelector = "app=x";
  options.limit = 2;
  auto all = client.listAll(resources::configMaps, "ns", options);
  ASSERT_EQ(all.items.size(), 3u);
  EXPECT_EQ(all.items[2]["metadata"]["name"], "c");
  EXPECT_EQ(all.items[0]["kind"], "ConfigMap") << "list items get apiVersion/kind back";
  EXPECT_EQ(all.resourceVersion, "10");
  auto r = fake->requests();
  EXPECT_EQ(FakeTransport::queryParam(r[0].url, "limit"), "2");
  EXPECT_EQ(FakeTransport::queryParam(r[0].url, "labelSelector"), "app%3Dx");
  EXPECT_EQ(FakeTransport::queryParam(r[0].url, "continue"), std::nullopt);
  EXPECT_EQ(FakeTransport::queryParam(r[1].url, "continue"), "tok1");
}

TEST_F(Fixture, ListAllRestartsWhenTheContinueTokenExpired) {
  auto page = [](std::vector<std::string> names, const std::string& cont) {
    Json items = Json::array();
    for (auto& n : names) items.push_back({{"metadata", {{"name", n}}}});
    return FakeTransport::json(
        200, Json{{"metadata", {{"resourceVersion", "5"}, {"continue", cont}}}, {"items", items}});
  };
  fake->enqueue("GET", "/api/v1/namespaces/ns/configmaps", page({"a"}, "old"));
  fake->enqueue(
      "GET", "/api/v1/namespaces/ns/configmaps",
      FakeTransport::status(410, "Expired", "The provided continue parameter is too old"));
  fake->enqueue("GET", "/api/v1/namespaces/ns/configmaps", page({"a"}, "new"));
  fake->enqueue("GET", "/api/v1/namespaces/ns/configmaps", page({"b"}, ""));
  flop::kube::ListOptions options;
  options.limit = 1;
  auto all = client.listAll(resources::configMaps, "ns", options);
  ASSERT_EQ(all.items.size(), 2u) << "no duplicates from the abandoned first attempt";
  EXPECT_EQ(all.items[1]["metadata"]["name"], "b");
}

TEST_F(Fixture, WatchDeliversEventsAndStopsOnRequest) {
  fake->enqueueStream(
      "GET", "/api/v1/namespaces/ns/configmaps",
      {R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"2"}}})"
       "\n{\"type\":\"MODI",
       R"(FIED","object":{"metadata":{"name":"a","resourceVersion":"3"}}})"
       "\n"});
  std::vector<std::string> seen;
  flop::kube::WatchOptions options;
  options.resourceVersion = "1";
  options.timeoutSeconds = 60;
  client.watch(resources::configMaps, "ns", options, [&](flop::kube::WatchEvent& e) {
    seen.push_back(std::string(flop::kube::toString(e.type)) + " " +
                   e.object["metadata"]["resourceVersion"].get<std::string>());
    return true;
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED 2", "MODIFIED 3"}));
  auto req = fake->requests().at(0);
  EXPECT_EQ(FakeTransport::queryParam(req.url, "watch"), "1");
  EXPECT_EQ(FakeTransport::queryParam(req.url, "resourceVersion"), "1");
  EXPECT_EQ(FakeTransport::queryParam(req.url, "allowWatchBookmarks"), "true");
  EXPECT_EQ(FakeTransport::queryParam(req.url, "timeoutSeconds"), "60");
  EXPECT_EQ(req.timeout, 90s) << "client timeout above the server's";
}

TEST_F(Fixture, WatchErrorEventAndHttpErrorBecomeApiErrors) {
  const std::string expired =
      R"x({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version: 1 (50)"}})x"
      "\n";
  fake->enqueueStream("GET", "/api/v1/namespaces/ns/configmaps", {expired});
  try {
    client.watch(resources::configMaps, "ns", {}, [](auto&) { return true; });
    ADD_FAILURE();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.reason(), Reason::Gone);
  }
  fake->enqueueStream("GET", "/api/v1/namespaces/ns/configmaps", {}, 403);
  EXPECT_THROW(client.watch(resources::configMaps, "ns", {}, [](auto&) { return true; }), ApiError);
  fake->enqueueStream("GET", "/api/v1/namespaces/ns/configmaps", {"not json\n"});
  EXPECT_THROW(client.watch(resources::configMaps, "ns", {}, [](auto&) { return true; }),
               flop::InvalidInput);
}
