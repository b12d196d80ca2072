#include "flop/modelmigration/gate.hpp"

#include <gtest/gtest.h>

namespace flop::modelmigration {
namespace {

TargetCluster target(std::string role, PartyId id, std::optional<std::string> version,
                     bool found = true) {
  return {{role, id + 9000, id, 0}, role + "-" + std::to_string(id), found, std::move(version)};
}

TEST(ParseFateVersion, FateCompareVersionRules) {
  EXPECT_EQ(parseFateVersion("1.5.1"), (FateVersion{1, 5, 1}));
  EXPECT_EQ(parseFateVersion("1.11.4"), (FateVersion{1, 11, 4}));
  EXPECT_FALSE(parseFateVersion("1.6.0-preview"));
  EXPECT_FALSE(parseFateVersion("1.6"));
  EXPECT_FALSE(parseFateVersion("1.6.0.1"));
  EXPECT_FALSE(parseFateVersion("v1.6.0"));
  EXPECT_FALSE(parseFateVersion(""));
}

TEST(CompatFor, SplitsAtFateFlow19) {
  EXPECT_EQ(compatFor({1, 5, 1}), "1.5");
  EXPECT_EQ(compatFor({1, 8, 0}), "1.5");
  EXPECT_EQ(compatFor({1, 9, 0}), "1.9");
  EXPECT_EQ(compatFor({1, 11, 4}), "1.9");
}

TEST(Gate, OpenWhenEveryTargetRuns151OrLater) {
  const auto verdict =
      checkFateVersionGate({target("guest", 99, "1.5.1"), target("host", 100, "1.11.4"),
                            target("arbiter", 100, "1.6.0")});
  EXPECT_EQ(verdict.kind, GateVerdict::Kind::Open);
}

TEST(Gate, Fate150BlocksAndNamesTheParty) {
  const auto verdict =
      checkFateVersionGate({target("guest", 99, "1.11.4"), target("host", 100, "1.5.0"),
                            target("arbiter", 100, "1.11.4")});
  EXPECT_EQ(verdict.kind, GateVerdict::Kind::Blocked);
  EXPECT_EQ(verdict.reason, "FateVersionTooOld");
  EXPECT_NE(verdict.message.find("host 100"), std::string::npos) << verdict.message;
  EXPECT_NE(verdict.message.find("1.5.0"), std::string::npos) << verdict.message;
  EXPECT_EQ(verdict.message.find("guest 99"), std::string::npos) << verdict.message;
}

TEST(Gate, MissingClusterBlocksFirst) {
  const auto verdict = checkFateVersionGate(
      {target("guest", 99, std::nullopt, /*found=*/false), target("host", 100, "1.5.0")});
  EXPECT_EQ(verdict.kind, GateVerdict::Kind::Blocked);
  EXPECT_EQ(verdict.reason, "FLClusterNotFound");
  EXPECT_NE(verdict.message.find("guest 99"), std::string::npos);
  EXPECT_NE(verdict.message.find("FLCluster 'guest-99'"), std::string::npos);
}

TEST(Gate, Fate2AndUnparseableVersionsBlock) {
  EXPECT_EQ(checkFateVersionGate({target("guest", 99, "2.0.0")}).reason, "FateVersionUnsupported");
  EXPECT_EQ(checkFateVersionGate({target("guest", 99, "1.6.0-preview")}).reason,
            "FateVersionUnparseable");
}

TEST(Gate, WaitsForAVersionNotYetReported) {
  const auto verdict = checkFateVersionGate({target("guest", 99, std::nullopt)});
  EXPECT_EQ(verdict.kind, GateVerdict::Kind::Wait);
  EXPECT_EQ(verdict.reason, "FateVersionUnknown");
}

}  // namespace
}  // namespace flop::modelmigration
