#include "flop/modelmigration/observe.hpp"

#include <gtest/gtest.h>

#include "flop/modelmigration/naming.hpp"

namespace flop::modelmigration {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

Json jobWithLabels(std::map<std::string, std::string> labels) {
  return {{"metadata", {{"name", "seed-guest-9999-migrate-2"}, {"labels", labels}}}};
}

TEST(IdentifyJob, ReadsOurLabels) {
  const auto identity =
      identifyJob(jobWithLabels(jobLabels("seed", {"guest", 9999, 99, 0}, Step::Migrate, 2)));
  ASSERT_TRUE(identity);
  EXPECT_EQ(identity->role, "guest");
  EXPECT_EQ(identity->sourcePartyId, 9999);
  EXPECT_EQ(identity->step, Step::Migrate);
  EXPECT_EQ(identity->attempt, 2);
}

TEST(IdentifyJob, IgnoresForeignOrMalformedJobs) {
  EXPECT_FALSE(identifyJob(Json::object()));
  auto labels = jobLabels("seed", {"guest", 9999, 99, 0}, Step::Migrate, 2);
  labels["federatedlearning.dev/attempt"] = "0";
  EXPECT_FALSE(identifyJob(jobWithLabels(labels)));
  labels["federatedlearning.dev/attempt"] = "1x";
  EXPECT_FALSE(identifyJob(jobWithLabels(labels)));
  labels["federatedlearning.dev/attempt"] = "1";
  labels["federatedlearning.dev/step"] = "export";
  EXPECT_FALSE(identifyJob(jobWithLabels(labels)));
}

TEST(ObserveJob, OutcomeFromConditions) {
  const JobIdentity identity{"guest", 9999, Step::Migrate, 2};
  Json job = jobWithLabels({});
  EXPECT_EQ(observeJob(job, identity).outcome, ObservedJob::Outcome::Active);

  job["status"] = {{"startTime", "2026-11-24T06:00:00Z"},
                   {"completionTime", "2026-11-24T06:00:42Z"},
                   {"conditions", {{{"type", "Complete"}, {"status", "True"}}}}};
  auto observed = observeJob(job, identity);
  EXPECT_EQ(observed.outcome, ObservedJob::Outcome::Succeeded);
  EXPECT_EQ(observed.name, "seed-guest-9999-migrate-2");
  ASSERT_TRUE(observed.startTime && observed.completionTime);
  EXPECT_EQ(*observed.completionTime - *observed.startTime, 42s);

  job["status"] = {{"conditions",
                    {{{"type", "FailureTarget"}, {"status", "True"}},
                     {{"type", "Failed"},
                      {"status", "True"},
                      {"reason", "DeadlineExceeded"},
                      {"message", "Job was active longer than specified deadline"},
                      {"lastTransitionTime", "2026-11-24T06:10:00Z"}}}}};
  observed = observeJob(job, identity);
  EXPECT_EQ(observed.outcome, ObservedJob::Outcome::Failed);
  EXPECT_EQ(observed.failureReason, "DeadlineExceeded");
  EXPECT_TRUE(observed.completionTime);
}

TEST(TerminationMessageOf, NewestTerminatedStepContainer) {
  auto pod = [](const std::string& created, const std::string& message) {
    return Json{
        {"metadata", {{"creationTimestamp", created}}},
        {"status",
         {{"containerStatuses",
           {{{"name", "fl-model"}, {"state", {{"terminated", {{"message", message}}}}}}}}}}};
  };
  EXPECT_EQ(terminationMessageOf(
                {pod("2026-11-24T06:00:00Z", "first"), pod("2026-11-24T06:05:00Z", "second")}),
            "second");
  EXPECT_EQ(terminationMessageOf({}), "");
  Json running = pod("2026-11-24T06:00:00Z", "x");
  running["status"]["containerStatuses"][0]["state"] = {{"running", Json::object()}};
  EXPECT_EQ(terminationMessageOf({running}), "");
}

TEST(Timestamps, Rfc3339RoundTrip) {
  const auto t = parseTimestamp("2026-11-24T06:00:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(formatTimestamp(*t), "2026-11-24T06:00:00Z");
  EXPECT_EQ(parseTimestamp("2026-11-24T08:00:00+02:00"), t);
  EXPECT_EQ(*parseTimestamp("2026-11-24T06:00:00.5Z") - *t, 500ms);
  EXPECT_FALSE(parseTimestamp("yesterday"));
  EXPECT_FALSE(parseTimestamp(Json(5)));
}

}  // namespace
}  // namespace flop::modelmigration
