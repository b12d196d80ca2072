#include "flop/modelmigration/plan.hpp"

#include <gtest/gtest.h>

#include "flop/error.hpp"

namespace flop::modelmigration {
namespace {

// The seed example from FATE's migration guide.
MigrationRequest seedRequest() {
  MigrationRequest request;
  request.modelId = "arbiter-10000#guest-9999#host-10000#model";
  request.modelVersion = "202006171904247702041";
  request.role = {{"guest", {9999}}, {"host", {10000}}, {"arbiter", {10000}}};
  request.migrateRole = {{"guest", {99}}, {"host", {100}}, {"arbiter", {100}}};
  request.migrateInitiator = {"guest", 99};
  request.executeParty = RoleMap{{"guest", {9999}}, {"host", {10000}}, {"arbiter", {10000}}};
  return request;
}

TEST(GenerateModelId, SeedExample) {
  EXPECT_EQ(generateModelId({{"guest", {99}}, {"host", {100}}, {"arbiter", {100}}}),
            "arbiter-100#guest-99#host-100#model");
  EXPECT_EQ(generateModelId({{"guest", {9999}}, {"host", {10000}}, {"arbiter", {10000}}}),
            "arbiter-10000#guest-9999#host-10000#model");
}

TEST(GenerateModelId, SortsIdsNumericallyAndDropsDuplicates) {
  EXPECT_EQ(generateModelId({{"host", {1000, 999, 1000}}, {"guest", {5}}}),
            "guest-5#host-999_1000#model");
  EXPECT_EQ(generateModelId({{"guest", {99}}, {"host", {201, 200}}, {"arbiter", {200}}}),
            "arbiter-200#guest-99#host-200_201#model");
}

TEST(GenerateModelId, EmptyRolesGiveAllModel) { EXPECT_EQ(generateModelId({}), "all#model"); }

TEST(PartyModelId, JoinsRolePartyAndModelId) {
  EXPECT_EQ(partyModelId("guest", 9999, "arbiter-10000#guest-9999#host-10000#model"),
            "guest#9999#arbiter-10000#guest-9999#host-10000#model");
}

TEST(PlanMigration, SeedExamplePairsEveryPartyByPosition) {
  const MigrationPlan plan = planMigration(seedRequest(), "202311221053219843970");
  EXPECT_EQ(plan.newModelId, "arbiter-100#guest-99#host-100#model");
  EXPECT_EQ(plan.newModelVersion, "202311221053219843970");
  const std::vector<PartyMigration> expected = {
      {"guest", 9999, 99, 0}, {"host", 10000, 100, 0}, {"arbiter", 10000, 100, 0}};
  EXPECT_EQ(plan.parties, expected);
}

TEST(PlanMigration, UnifyModelVersionWinsOverRecordedVersion) {
  MigrationRequest request = seedRequest();
  request.unifyModelVersion = "20200901_0001";
  EXPECT_EQ(planMigration(request, "202311221053219843970").newModelVersion, "20200901_0001");
  EXPECT_EQ(planMigration(request, std::nullopt).newModelVersion, "20200901_0001");
}

TEST(PlanMigration, NeedsAVersionFromSpecOrStatus) {
  EXPECT_THROW(planMigration(seedRequest(), std::nullopt), InvalidInput);
  EXPECT_THROW(planMigration(seedRequest(), std::string("../evil")), InvalidInput);
}

TEST(ExecutingParties, AllSourcePartiesWhenExecutePartyIsAbsent) {
  MigrationRequest request = seedRequest();
  request.executeParty.reset();
  const auto parties = executingParties(request);
  ASSERT_EQ(parties.size(), 3u);
  EXPECT_EQ(parties[0], (PartyMigration{"guest", 9999, 99, 0}));
  EXPECT_EQ(parties[1], (PartyMigration{"host", 10000, 100, 0}));
  EXPECT_EQ(parties[2], (PartyMigration{"arbiter", 10000, 100, 0}));
}

TEST(ExecutingParties, OnlyTheListedCopies) {
  MigrationRequest request = seedRequest();
  request.executeParty = RoleMap{{"host", {10000}}};
  const auto parties = executingParties(request);
  ASSERT_EQ(parties.size(), 1u);
  EXPECT_EQ(parties[0], (PartyMigration{"host", 10000, 100, 0}));
}

TEST(ExecutingParties, MultiHostPairsByPositionNotBySortOrder) {
  MigrationRequest request;
  request.modelId = "arbiter-10000#guest-9999#host-10000_10001#model";
  request.modelVersion = "202006171904247702041";
  request.role = {{"guest", {9999}}, {"host", {10001, 10000}}, {"arbiter", {10000}}};
  // Positional: 10001 -> 300 and 10000 -> 201, even though sorting would pair differently.
  request.migrateRole = {{"guest", {99}}, {"host", {300, 201}}, {"arbiter", {200}}};
  request.migrateInitiator = {"guest", 99};
  request.executeParty = RoleMap{{"host", {10000, 10001}}, {"guest", {9999}}};
  request.unifyModelVersion = "20240101000000000000";
  const MigrationPlan plan = planMigration(request, std::nullopt);
  EXPECT_EQ(plan.newModelId, "arbiter-200#guest-99#host-201_300#model");
  const std::vector<PartyMigration> expected = {
      {"host", 10000, 201, 1}, {"host", 10001, 300, 0}, {"guest", 9999, 99, 0}};
  EXPECT_EQ(plan.parties, expected);
}

TEST(ExecutingParties, AHostKeepingItsIdIsStillMigrated) {
  // The guest-only case of the shared test data: host and arbiter keep 10000.
  MigrationRequest request = seedRequest();
  request.migrateRole = {{"guest", {99}}, {"host", {10000}}, {"arbiter", {10000}}};
  const MigrationPlan plan = planMigration(request, std::string("202401151041126652840"));
  EXPECT_EQ(plan.newModelId, "arbiter-10000#guest-99#host-10000#model");
  ASSERT_EQ(plan.parties.size(), 3u);
  EXPECT_EQ(plan.parties[1], (PartyMigration{"host", 10000, 10000, 0}));
}

TEST(ValidateRequest, RejectsWhatFateRejects) {
  auto expectInvalid = [](MigrationRequest request, const std::string& where) {
    try {
      validateRequest(request);
      ADD_FAILURE() << "accepted a request invalid at " << where;
    } catch (const InvalidInput& error) {
      EXPECT_EQ(error.where().rfind(where, 0), 0u) << error.what();
    }
  };
  MigrationRequest r = seedRequest();
  r.migrateRole = r.role;
  expectInvalid(r, "migrate_role");  // no need to migrate

  r = seedRequest();
  r.migrateRole = {{"guest", {99}}, {"host", {100, 101}}, {"arbiter", {100}}};
  expectInvalid(r, "migrate_role.host");  // counts differ

  r = seedRequest();
  r.migrateRole = {{"guest", {99}}, {"host", {100}}};
  expectInvalid(r, "migrate_role");  // roles differ

  r = seedRequest();
  r.role = {{"guest", {9999}}, {"arbiter", {10000}}};
  r.migrateRole = {{"guest", {99}}, {"arbiter", {100}}};
  expectInvalid(r, "role");  // host is mandatory

  r = seedRequest();
  r.executeParty = RoleMap{{"host", {12345}}};
  expectInvalid(r, "execute_party.host");

  r = seedRequest();
  r.executeParty = RoleMap{{"local", {9999}}};
  expectInvalid(r, "execute_party.local");

  r = seedRequest();
  r.migrateInitiator = {"guest", 9999};  // an old id
  expectInvalid(r, "migrate_initiator");

  r = seedRequest();
  r.role = {{"guest", {9999}}, {"host", {10000, 10000}}, {"arbiter", {10000}}};
  r.migrateRole = {{"guest", {99}}, {"host", {100, 101}}, {"arbiter", {100}}};
  expectInvalid(r, "role.host");  // ambiguous pairing

  r = seedRequest();
  r.modelId = "";
  expectInvalid(r, "model_id");

  r = seedRequest();
  r.unifyModelVersion = "2020/01";
  expectInvalid(r, "unify_model_version");
}

TEST(GenerateModelVersion, FateJobIdShape) {
  using namespace std::chrono;
  // 2020-06-17 19:04:24.770204 UTC
  const auto when =
      sys_days{year{2020} / 6 / 17} + hours{19} + minutes{4} + seconds{24} + microseconds{770204};
  EXPECT_EQ(generateModelVersion(when, 1), "202006171904247702041");
  EXPECT_EQ(generateModelVersion(sys_days{year{2024} / 1 / 5} + microseconds{7}, 0),
            "202401050000000000070");
}

}  // namespace
}  // namespace flop::modelmigration
