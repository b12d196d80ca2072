// Store and indexes; replace() as used by a relist.
#include <gtest/gtest.h>

#include <algorithm>

#include "flop/kube/store.hpp"

using flop::kube::CompactPtr;
using flop::kube::Json;
using flop::kube::ObjectPtr;
using flop::kube::Store;
namespace indexes = flop::kube::indexes;

namespace {
ObjectPtr obj(const std::string& ns, const std::string& name, const std::string& rv,
              const std::string& owner = "") {
  Json o{{"metadata", {{"name", name}, {"resourceVersion", rv}}}};
  if (!ns.empty()) o["metadata"]["namespace"] = ns;
  if (!owner.empty())
    o["metadata"]["ownerReferences"] = Json::array({{{"uid", owner}, {"kind", "FederatedJob"}}});
  return std::make_shared<const Json>(std::move(o));
}
CompactPtr compact(const std::string& ns, const std::string& name, const std::string& rv) {
  return flop::kube::compact(*obj(ns, name, rv));
}
std::vector<std::string> names(const std::vector<ObjectPtr>& objects) {
  std::vector<std::string> out;
  for (const auto& o : objects) out.push_back(flop::kube::nameOf(*o));
  std::sort(out.begin(), out.end());
  return out;
}
std::vector<std::string> names(const std::vector<CompactPtr>& objects) {
  std::vector<ObjectPtr> decoded;
  for (const auto& o : objects) decoded.push_back(o->decode());
  return names(decoded);
}
}  // namespace

TEST(Store, UpsertGetEraseAndKeys) {
  Store store;
  EXPECT_EQ(store.upsert(obj("a", "x", "1")), nullptr);
  auto old = store.upsert(obj("a", "x", "2"));
  ASSERT_NE(old, nullptr);
  EXPECT_EQ(flop::kube::resourceVersionOf(*old), "1");
  store.upsert(obj("", "cluster-scoped", "3"));
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(flop::kube::resourceVersionOf(*store.get("a/x")), "2");
  EXPECT_NE(store.get("cluster-scoped"), nullptr);
  EXPECT_EQ(store.get("b/x"), nullptr);
  EXPECT_NE(store.erase("a/x"), nullptr);
  EXPECT_EQ(store.erase("a/x"), nullptr);
  EXPECT_EQ(store.keys(), std::vector<std::string>{"cluster-scoped"});
}

TEST(Store, NamespaceAndOwnerIndexesFollowUpdates) {
  Store store;
  store.addIndexer(indexes::kNamespace, indexes::byNamespace());
  store.upsert(obj("a", "p1", "1", "uid-1"));
  store.upsert(obj("a", "p2", "1", "uid-1"));
  store.upsert(obj("b", "p3", "1", "uid-2"));
  // An indexer added later indexes what is already there.
  store.addIndexer(indexes::kOwnerUid, indexes::byOwnerUid());
  EXPECT_EQ(names(store.byIndex(indexes::kNamespace, "a")), (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(names(store.byIndex(indexes::kOwnerUid, "uid-1")),
            (std::vector<std::string>{"p1", "p2"}));
  store.upsert(obj("a", "p2", "2", "uid-2"));  // re-owned
  EXPECT_EQ(names(store.byIndex(indexes::kOwnerUid, "uid-1")), std::vector<std::string>{"p1"});
  EXPECT_EQ(names(store.byIndex(indexes::kOwnerUid, "uid-2")),
            (std::vector<std::string>{"p2", "p3"}));
  store.erase("a/p1");
  EXPECT_TRUE(store.byIndex(indexes::kOwnerUid, "uid-1").empty());
  EXPECT_TRUE(store.byIndex("no-such-index", "x").empty());
}

TEST(Store, CustomIndex) {
  Store store;
  store.addIndexer("party", [](const Json& o) {
    std::vector<std::string> v;
    if (o.contains("spec")) v.push_back(o["spec"].value("party", ""));
    return v;
  });
  Json a{{"metadata", {{"name", "a"}, {"namespace", "n"}}}, {"spec", {{"party", "9999"}}}};
  store.upsert(std::make_shared<const Json>(a));
  EXPECT_EQ(store.byIndex("party", "9999").size(), 1u);
}

TEST(Store, ReplaceReportsAddsChangesAndDeletesWithinItsNamespace) {
  Store store;
  store.addIndexer(indexes::kNamespace, indexes::byNamespace());
  store.upsert(obj("a", "kept", "1"));
  store.upsert(obj("a", "changed", "1"));
  store.upsert(obj("a", "deleted-while-away", "1"));
  store.upsert(obj("b", "other-namespace", "1"));
  auto delta = store.replace(
      "a", {compact("a", "kept", "1"), compact("a", "changed", "2"), compact("a", "new", "3")});
  EXPECT_EQ(names(delta.deleted), std::vector<std::string>{"deleted-while-away"});
  EXPECT_EQ(names(delta.added), std::vector<std::string>{"new"});
  ASSERT_EQ(delta.updated.size(), 1u);
  EXPECT_EQ(delta.updated[0].first->resourceVersion(), "1");
  EXPECT_EQ(flop::kube::nameOf(delta.updated[0].second->json()), "changed");
  EXPECT_EQ(flop::kube::resourceVersionOf(*store.get("a/changed")), "2");
  EXPECT_NE(store.get("b/other-namespace"), nullptr) << "another namespace is untouched";
  EXPECT_EQ(store.byIndex(indexes::kNamespace, "a").size(), 3u);
  // An all-namespaces replace covers everything.
  auto all = store.replace("", {compact("a", "kept", "1")});
  EXPECT_EQ(all.deleted.size(), 3u);
  EXPECT_EQ(store.size(), 1u);
}

TEST(Store, KeepsObjectsCompactAndHandsOutEqualDecodedSnapshots) {
  Store store;
  Json original{{"apiVersion", "v1"},
                {"kind", "ConfigMap"},
                {"metadata", {{"name", "c"}, {"namespace", "n"}, {"resourceVersion", "7"}}},
                {"data", {{"text", std::string(500, 'x')}, {"number", "1.5"}}},
                {"spec", {{"replicas", 3}, {"ratio", 0.25}, {"on", true}, {"none", nullptr}}}};
  store.upsert(std::make_shared<const Json>(original));
  auto first = store.get("n/c");
  auto second = store.get("n/c");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(*first, original);
  EXPECT_NE(first, second) << "each read is its own snapshot";
  auto snapshot = store.snapshot();
  ASSERT_EQ(snapshot.size(), 1u);
  EXPECT_EQ(snapshot[0]->key(), "n/c");
  EXPECT_EQ(snapshot[0]->resourceVersion(), "7");
  EXPECT_LT(snapshot[0]->encodedSize(), original.dump().size());
}
