#include "flop/api/names.hpp"

#include <set>

#include <gtest/gtest.h>

namespace flop::api {
namespace {

TEST(FateModelId, MatchesFateGenModelIdForTheDocCase) {
  EXPECT_EQ(fate_model_id({{"guest", {9999}}, {"host", {10000}}, {"arbiter", {10000}}}),
            "arbiter-10000#guest-9999#host-10000#model");
  EXPECT_EQ(fate_model_id({{"guest", {99}}, {"host", {100}}, {"arbiter", {100}}}),
            "arbiter-100#guest-99#host-100#model");
}

TEST(FateModelId, SortsIdsNumericallyAndDropsDuplicates) {
  EXPECT_EQ(fate_model_id({{"guest", {9999}}, {"host", {1000, 999, 1000}}}),
            "guest-9999#host-999_1000#model");
  EXPECT_EQ(fate_model_id({{"host", {101, 100}}, {"guest", {99}}}), "guest-99#host-100_101#model");
}

TEST(FateModelId, EmptyRolesGiveAllModel) { EXPECT_EQ(fate_model_id({}), "all#model"); }

TEST(FateModelId, PartyModelId) {
  EXPECT_EQ(fate_party_model_id("guest", 99, "arbiter-100#guest-99#host-100#model"),
            "guest#99#arbiter-100#guest-99#host-100#model");
}

TEST(Names, Dns1123Checks) {
  EXPECT_TRUE(is_dns1123_label("party-99"));
  EXPECT_FALSE(is_dns1123_label("Party-99"));
  EXPECT_FALSE(is_dns1123_label("-a"));
  EXPECT_FALSE(is_dns1123_label(std::string(64, 'a')));
  EXPECT_TRUE(is_dns1123_subdomain("a.b-c.d"));
  EXPECT_FALSE(is_dns1123_subdomain("a..b"));
  EXPECT_TRUE(is_label_value(""));
  EXPECT_TRUE(is_label_value("My_Value.1"));
  EXPECT_FALSE(is_label_value("a/b"));
}

TEST(Names, ShortValidNamesAreKept) {
  EXPECT_EQ(child_name({"party-99", "scheduler"}), "party-99-scheduler");
  EXPECT_EQ(child_name({"party-99", "", "server"}), "party-99-server");
}

TEST(Names, InvalidCharactersAreReplacedAndHashed) {
  const std::string a = child_name({"My_Job", "x"});
  const std::string b = child_name({"my.job", "x"});
  EXPECT_TRUE(is_dns1123_label(a)) << a;
  EXPECT_TRUE(is_dns1123_label(b)) << b;
  EXPECT_NE(a, b);  // different inputs stay different after sanitising
  EXPECT_EQ(a.rfind("my-job-x-", 0), 0u) << a;
}

TEST(Names, LongNamesAreCutDeterministicallyAndStayDistinct) {
  const std::string base(80, 'm');
  const std::string one = child_name({base, "transfer"});
  const std::string two = child_name({base, "migrate"});
  EXPECT_LE(one.size(), 63u);
  EXPECT_TRUE(is_dns1123_label(one)) << one;
  EXPECT_NE(one, two);
  EXPECT_EQ(one, child_name({base, "transfer"}));
  EXPECT_LE(child_name({base}, 20).size(), 20u);
}

TEST(Names, MigrationStepJobNamesAreValidAndUnique) {
  std::set<std::string> names;
  const std::string long_mm(200, 'x');
  for (const char* step : {"transfer", "migrate", "import"}) {
    for (std::int64_t party : {9999, 10000}) {
      for (int attempt : {0, 1}) {
        const auto name = migration_step_job_name(long_mm, step, "host", party, attempt);
        EXPECT_TRUE(is_dns1123_label(name)) << name;
        names.insert(name);
      }
    }
  }
  EXPECT_EQ(names.size(), 12u);
  EXPECT_EQ(migration_step_job_name("lr", "migrate", "guest", 9999, 0), "lr-migrate-guest-9999-0");
}

TEST(Labels, OwnerLabelsAndSelector) {
  const auto labels = owner_labels(kFLCluster, "party-99");
  EXPECT_EQ(labels.at(std::string(label::kOwnerKind)), "FLCluster");
  EXPECT_EQ(labels.at(std::string(label::kOwnerName)), "party-99");
  EXPECT_EQ(selector_string(labels),
            "app.kubernetes.io/managed-by=fl-operator,federatedlearning.dev/owner-kind=FLCluster,"
            "federatedlearning.dev/owner-name=party-99");
  const auto long_labels = owner_labels(kModelMigration, std::string(100, 'a') + ".b");
  EXPECT_TRUE(is_label_value(long_labels.at(std::string(label::kOwnerName))));
}

}  // namespace
}  // namespace flop::api
