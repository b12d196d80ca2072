// Publish and bind: deploy (DSL v2) → load per party → bind; partial success stays visible and
// only the failed party is retried; a changed publish spec re-publishes without redeploying.
#include <gtest/gtest.h>

#include "flop/api/conditions.hpp"
#include "flop/federatedjob/record.hpp"
#include "flop/federatedjob/summary.hpp"
#include "job_fixtures.hpp"

namespace flop::federatedjob {
namespace {

using namespace std::chrono_literals;
using testing::at;
using testing::condition;
using testing::contextAt;
using testing::fateJob;

// A job that already succeeded (trained model recorded), publishing to service "svc".
api::FederatedJob succeededJob(int dslVersion) {
  auto job = fateJob(dslVersion);
  job.spec.fate->publish = api::PublishSpec{"svc", {}};
  recordAttempt(job, at(0));
  SubmitOutcome submitted;
  submitted.jobId = "train-1";
  submitted.model = fateflow::ModelInfo{"arbiter-10000#guest-9999#host-10000#model", "train-1"};
  recordSubmit(job, submitted, at(0));
  fateflow::QueryResult rows;
  fateflow::JobRow guest;
  guest.jobId = "train-1";
  guest.role = "guest";
  guest.partyId = 9999;
  guest.status = "success";
  guest.isInitiator = true;
  rows.rows = {guest};
  recordQuery(job, rows, at(10));
  summarize(job, contextAt(at(10)));
  return job;
}

fateflow::FanOutResult fanOut(int retcode, std::vector<fateflow::PartyResult> parties,
                              std::optional<std::string> version = std::nullopt) {
  fateflow::FanOutResult result;
  result.envelope.retcode = retcode;
  result.parties = std::move(parties);
  result.modelVersion = std::move(version);
  return result;
}

const api::PartyPublishState& party(const api::FederatedJob& job, const std::string& role) {
  for (const auto& entry : job.status.publish->parties) {
    if (entry.role == role) return entry;
  }
  throw std::runtime_error("no publish entry for " + role);
}

TEST(Publish, DslV2DeploysLoadsEveryNonArbiterPartyThenBinds) {
  auto job = succeededJob(2);
  ASSERT_EQ(job.status.phase, "Succeeded");
  EXPECT_EQ(condition(job, "Published").reason, "Publishing");
  EXPECT_EQ(condition(job, "Ready").status, "False");

  ASSERT_EQ(decide(job, contextAt(at(11))).kind, ActionKind::ResetPublish);
  resetPublish(job);
  ASSERT_EQ(job.status.publish->parties.size(), 2u);  // guest and host, never the arbiter
  ASSERT_EQ(decide(job, contextAt(at(11))).kind, ActionKind::Deploy);
  EXPECT_FALSE(modelToPublish(job));  // no loading with the training version

  EXPECT_TRUE(recordDeploy(job, fanOut(0, {{{"guest", 9999}, 0, ""}}, "child-1")));
  EXPECT_EQ(job.status.publish->deployedModelVersion, "child-1");
  ASSERT_TRUE(modelToPublish(job));
  EXPECT_EQ(modelToPublish(job)->modelVersion, "child-1");

  Action load = decide(job, contextAt(at(11)));
  ASSERT_EQ(load.kind, ActionKind::Load);
  EXPECT_EQ(load.parties, (std::vector<fateflow::Party>{{"guest", 9999}, {"host", 10000}}));
  EXPECT_TRUE(recordLoad(
      job, fanOut(0, {{{"guest", 9999}, 0, "success"}, {{"host", 10000}, 0, "success"}})));
  ASSERT_EQ(decide(job, contextAt(at(11))).kind, ActionKind::Bind);
  fateflow::Envelope bound;
  bound.retmsg = "service id is svc";
  EXPECT_TRUE(recordBind(job, bound));
  EXPECT_EQ(party(job, "guest").phase, "Bound");
  EXPECT_EQ(party(job, "host").phase, "Loaded");
  EXPECT_EQ(decide(job, contextAt(at(11))).kind, ActionKind::None);
  summarize(job, contextAt(at(11)));
  EXPECT_EQ(condition(job, "Published").status, "True");
  EXPECT_EQ(condition(job, "Ready").status, "True");
  EXPECT_EQ(condition(job, "Ready").reason, "Published");
  EXPECT_EQ(api::find_condition(job.status.conditions, "Reconciling"), nullptr);
}

TEST(Publish, DslV1LoadsTheTrainedVersionWithoutDeploy) {
  auto job = succeededJob(1);
  resetPublish(job);
  Action next = decide(job, contextAt(at(11)));
  EXPECT_EQ(next.kind, ActionKind::Load);
  EXPECT_EQ(modelToPublish(job)->modelVersion, "train-1");
}

TEST(Publish, PartialLoadIsVisibleAndOnlyTheFailedPartyIsRetried) {
  auto job = succeededJob(1);
  resetPublish(job);
  fateflow::FanOutResult partial = fanOut(
      101, {{{"guest", 9999}, 0, "success"}, {{"host", 10000}, 123, "model initialization error"}});
  EXPECT_FALSE(recordLoad(job, partial));
  EXPECT_EQ(party(job, "guest").phase, "Loaded");
  EXPECT_EQ(party(job, "host").phase, "Failed");
  EXPECT_EQ(party(job, "host").retcode, 123);

  auto context = contextAt(at(12));
  context.round.publishCallFailed = true;
  summarize(job, context);
  EXPECT_EQ(job.status.phase, "Succeeded");  // the training job did succeed...
  EXPECT_EQ(condition(job, "Published").reason, "PartiallyPublished");
  EXPECT_NE(condition(job, "Published").message.find("host 10000"), std::string::npos);
  EXPECT_NE(condition(job, "Published").message.find("retcode 123"), std::string::npos);
  EXPECT_EQ(condition(job, "Ready").status, "False");  // ...but it is never reported as done
  EXPECT_EQ(condition(job, "Reconciling").reason, "PartiallyPublished");

  Action wait = decide(job, context);
  EXPECT_EQ(wait.kind, ActionKind::None);
  EXPECT_EQ(wait.requeueAfter, Clock::duration(15s));

  Action retry = decide(job, contextAt(at(30)));
  ASSERT_EQ(retry.kind, ActionKind::Load);
  EXPECT_EQ(retry.parties, (std::vector<fateflow::Party>{{"host", 10000}}));
  EXPECT_TRUE(recordLoad(job, fanOut(0, {{{"host", 10000}, 0, "success"}})));
  EXPECT_EQ(party(job, "guest").phase, "Loaded");
  EXPECT_EQ(decide(job, contextAt(at(30))).kind, ActionKind::Bind);
}

TEST(Publish, FailedBindKeepsTheGuestLoadedAndRetries) {
  auto job = succeededJob(1);
  resetPublish(job);
  recordLoad(job, fanOut(0, {{{"guest", 9999}, 0, ""}, {{"host", 10000}, 0, ""}}));
  fateflow::Envelope refused;
  refused.retcode = 104;
  refused.retmsg = "host return code 104 mode is null";
  EXPECT_FALSE(recordBind(job, refused));
  EXPECT_EQ(party(job, "guest").phase, "Loaded");
  EXPECT_EQ(party(job, "guest").retcode, 104);
  EXPECT_EQ(decide(job, contextAt(at(40))).kind, ActionKind::Bind);
}

TEST(Publish, ChangedServiceIdRepublishesWithoutRedeploying) {
  auto job = succeededJob(2);
  resetPublish(job);
  recordDeploy(job, fanOut(0, {}, "child-1"));
  recordLoad(job, fanOut(0, {{{"guest", 9999}, 0, ""}, {{"host", 10000}, 0, ""}}));
  recordBind(job, fateflow::Envelope{});
  ASSERT_TRUE(publishComplete(job));

  job.spec.fate->publish->serviceId = "svc-v2";
  job.metadata.generation = 2;
  EXPECT_FALSE(publishComplete(job));
  ASSERT_EQ(decide(job, contextAt(at(50))).kind, ActionKind::ResetPublish);
  resetPublish(job);
  EXPECT_EQ(job.status.publish->serviceId, "svc-v2");
  EXPECT_EQ(job.status.publish->deployedModelVersion, "child-1");  // kept: no second deploy
  EXPECT_EQ(decide(job, contextAt(at(50))).kind, ActionKind::Load);
}

TEST(Publish, PartiesFromThePublishSpecLimitTheTargets) {
  auto job = succeededJob(1);
  job.spec.fate->publish->parties = api::PublishParties{{9999}, {}};
  EXPECT_EQ(publishTargets(job.spec), (std::vector<fateflow::Party>{{"guest", 9999}}));
}

TEST(Publish, TtlStillAppliesWhilePublishingIsStuck) {
  auto job = succeededJob(1);
  job.spec.runPolicy = api::RunPolicy{};
  job.spec.runPolicy->ttlSecondsAfterFinished = 60;
  resetPublish(job);
  EXPECT_EQ(decide(job, contextAt(at(10 + 60))).kind, ActionKind::DeleteObject);
}

}  // namespace
}  // namespace flop::federatedjob
