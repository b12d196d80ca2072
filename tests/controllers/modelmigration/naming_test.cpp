#include "flop/modelmigration/naming.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace flop::modelmigration {
namespace {

bool isDnsLabel(const std::string& name) {
  static const std::regex kLabel("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  return name.size() <= 63 && std::regex_match(name, kLabel);
}

TEST(Sha256Hex, KnownVector) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(JobName, ShortNamesAreReadable) {
  EXPECT_EQ(jobName("seed", {"guest", 9999, 99, 0}, Step::Transfer, 1),
            "seed-guest-9999-transfer-1");
  EXPECT_EQ(jobName("seed", {"arbiter", 10000, 100, 0}, Step::Import, 3),
            "seed-arbiter-10000-import-3");
}

TEST(JobName, LongNamesAreHashedDeterministicallyAndStayDistinct) {
  const std::string longName(60, 'm');
  const PartyMigration host{"host", 10000, 100, 0};
  const std::string a = jobName(longName, host, Step::Migrate, 1);
  const std::string b = jobName(longName, host, Step::Migrate, 2);
  const std::string c = jobName(longName, host, Step::Import, 1);
  for (const auto& name : {a, b, c}) {
    EXPECT_TRUE(isDnsLabel(name)) << name;
    EXPECT_LE(name.size(), 63u);
  }
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(a, jobName(longName, host, Step::Migrate, 1));
  EXPECT_EQ(a.rfind(std::string(40, 'm'), 0), 0u) << "keeps a readable prefix: " << a;
}

TEST(BoundedName, SanitizesWhatIsNotALabel) {
  const std::string name = boundedName("My.Migration_01");
  EXPECT_TRUE(isDnsLabel(name)) << name;
  EXPECT_EQ(name.rfind("my-migration-01-", 0), 0u) << name;
  EXPECT_EQ(boundedName("ok-name"), "ok-name");
  EXPECT_TRUE(isDnsLabel(boundedName("---"))) << boundedName("---");
}

TEST(JobLabels, SelectByMigrationAndDescribeTheStep) {
  const auto labels = jobLabels("seed", {"guest", 9999, 99, 0}, Step::Migrate, 2);
  EXPECT_EQ(labels.at("federatedlearning.dev/owner-kind"), "ModelMigration");
  EXPECT_EQ(labels.at("federatedlearning.dev/owner-name"), "seed");
  EXPECT_EQ(labels.at("federatedlearning.dev/step"), "migrate");
  EXPECT_EQ(labels.at("federatedlearning.dev/role"), "guest");
  EXPECT_EQ(labels.at("federatedlearning.dev/party"), "9999");
  EXPECT_EQ(labels.at("federatedlearning.dev/attempt"), "2");
  EXPECT_EQ(labels.at("app.kubernetes.io/managed-by"), "fl-operator");
  const std::string longName(120, 'x');
  EXPECT_LE(labelValue(longName).size(), 63u);
}

TEST(MigrateConfigMapName, Bounded) {
  EXPECT_EQ(migrateConfigMapName("seed"), "seed-migrate-conf");
  EXPECT_LE(migrateConfigMapName(std::string(70, 'a')).size(), 63u);
}

}  // namespace
}  // namespace flop::modelmigration
