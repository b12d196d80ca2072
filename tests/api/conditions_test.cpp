#include "flop/api/conditions.hpp"

#include <gtest/gtest.h>

#include "flop/error.hpp"

namespace flop::api {
namespace {

using namespace std::chrono_literals;

Clock::time_point at(const char* text) { return parse_time(text); }

Condition ready(std::string status, std::string reason, std::string message = "",
                std::optional<std::int64_t> generation = std::nullopt) {
  return {"Ready", std::move(status), std::move(reason), std::move(message), "", generation};
}

TEST(Time, FormatsRfc3339Utc) {
  EXPECT_EQ(format_time(Clock::from_time_t(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_time(Clock::from_time_t(1767323045)), "2026-01-02T03:04:05Z");
}

TEST(Time, ParsesZuluOffsetsAndFractions) {
  EXPECT_EQ(Clock::to_time_t(at("2026-01-02T03:04:05Z")), 1767323045);
  EXPECT_EQ(Clock::to_time_t(at("2026-01-02T03:04:05.123456Z")), 1767323045);
  EXPECT_EQ(Clock::to_time_t(at("2026-01-02T05:04:05+02:00")), 1767323045);
  EXPECT_EQ(Clock::to_time_t(at("2026-01-01T22:04:05-05:00")), 1767323045);
  EXPECT_EQ(format_time(at("2024-02-29T23:59:59Z")), "2024-02-29T23:59:59Z");
}

TEST(Time, RejectsMalformedTimes) {
  for (const char* bad : {"", "2026-01-02", "2026-01-02 03:04:05Z", "2026-01-02T03:04:05",
                          "2026-13-02T03:04:05Z", "2026-01-02T03:04:05+0200", "yesterday"}) {
    EXPECT_THROW(parse_time(bad), InvalidInput) << bad;
  }
}

TEST(Conditions, NewConditionGetsNowAsTransitionTime) {
  std::vector<Condition> conditions;
  EXPECT_TRUE(set_condition(conditions, ready("False", "Reconciling"), at("2026-01-01T00:00:00Z")));
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0].lastTransitionTime, "2026-01-01T00:00:00Z");
  EXPECT_FALSE(is_condition_true(conditions, "Ready"));
}

TEST(Conditions, SameStatusKeepsTransitionTimeButUpdatesReasonAndMessage) {
  std::vector<Condition> conditions;
  set_condition(conditions, ready("False", "Reconciling", "starting"), at("2026-01-01T00:00:00Z"));
  EXPECT_TRUE(set_condition(conditions, ready("False", "SchedulerNotReady", "waiting", 2),
                            at("2026-01-01T00:05:00Z")));
  const Condition* c = find_condition(conditions, "Ready");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->lastTransitionTime, "2026-01-01T00:00:00Z");
  EXPECT_EQ(c->reason, "SchedulerNotReady");
  EXPECT_EQ(c->message, "waiting");
  EXPECT_EQ(c->observedGeneration, 2);
}

TEST(Conditions, IdenticalConditionIsNoChange) {
  std::vector<Condition> conditions;
  set_condition(conditions, ready("True", "Ready", "ok", 1), at("2026-01-01T00:00:00Z"));
  const auto before = conditions;
  EXPECT_FALSE(
      set_condition(conditions, ready("True", "Ready", "ok", 1), at("2026-01-09T00:00:00Z")));
  EXPECT_EQ(conditions[0].lastTransitionTime, before[0].lastTransitionTime);
}

TEST(Conditions, StatusChangeMovesTransitionTime) {
  std::vector<Condition> conditions;
  set_condition(conditions, ready("False", "Reconciling"), at("2026-01-01T00:00:00Z"));
  EXPECT_TRUE(set_condition(conditions, ready("True", "Ready"), at("2026-01-01T00:10:00Z")));
  EXPECT_EQ(conditions[0].lastTransitionTime, "2026-01-01T00:10:00Z");
  EXPECT_TRUE(is_condition_true(conditions, "Ready"));
}

TEST(Conditions, OtherTypesAreIndependent) {
  std::vector<Condition> conditions;
  set_condition(conditions, ready("True", "Ready"), at("2026-01-01T00:00:00Z"));
  set_condition(conditions, {"Stalled", "True", "ScaleTimedOut", "scale-out exceeded 600s", "", 1},
                at("2026-01-01T00:20:00Z"));
  EXPECT_EQ(conditions.size(), 2u);
  EXPECT_TRUE(is_condition_true(conditions, "Stalled"));
  EXPECT_EQ(find_condition(conditions, "Ready")->lastTransitionTime, "2026-01-01T00:00:00Z");
  EXPECT_TRUE(remove_condition(conditions, "Stalled"));
  EXPECT_FALSE(remove_condition(conditions, "Stalled"));
  EXPECT_EQ(find_condition(conditions, "Stalled"), nullptr);
  EXPECT_EQ(conditions.size(), 1u);
}

TEST(Conditions, InvalidConditionsAreRejectedByField) {
  std::vector<Condition> conditions;
  const auto now = at("2026-01-01T00:00:00Z");
  try {
    set_condition(conditions, ready("Yes", "Ready"), now);
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.where(), "condition Ready.status");
  }
  try {
    set_condition(conditions, ready("True", "not a reason"), now);
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.where(), "condition Ready.reason");
  }
  EXPECT_THROW(set_condition(conditions, {"", "True", "Ready", "", "", {}}, now), InvalidInput);
  EXPECT_THROW(set_condition(conditions, ready("True", ""), now), InvalidInput);
  EXPECT_TRUE(conditions.empty());
}

}  // namespace
}  // namespace flop::api
